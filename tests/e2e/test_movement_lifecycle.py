"""A movement's life in Chromium: the requester asks for it in the wizard, compares the route
options and submits; the three parties approve in their queues with a fresh authenticator
code each; the host and the guest book their escorts on the leg; the host's approver releases
the order early and the commander of the host escort reads it on a phone.

The steps are functions so a longer walk (the phone view, the analyst) can reuse them: each
returns what the next one needs, starting with the movement `request_movement` creates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e

# A Sindh-only journey from Jinnah International Airport to the Jhimpir wind farms (both given
# as place names), so the parties are host:Sindh (SPU-SINDH), the guest detail (GSD) and the
# company (SHC); the national corridors offer two routes there (N-5 and the motorway) to
# compare.
APPROVERS = ("approver.sindh", "approver.gsd", "approver.shc")
PKT = timedelta(hours=5)  # the zone Sindh's SOP policy names (Asia/Karachi)


@dataclass(frozen=True)
class Requested:
    """The movement the walk created."""

    id: str
    reference: str
    departure_local: datetime


def request_movement(walk) -> Requested:
    """requester.shc fills the wizard, chooses a route among the options and submits."""
    person = walk("requester.shc")
    page = person.page
    person.go("/movements/new")
    person.check("new-movement")
    page.get_by_label("Purpose").fill("Commissioning engineers to Port Qasim (browser walk)")
    boxes = page.locator('input[name="passenger_ids"]')
    for i in range(3):
        boxes.nth(i).check()
    page.locator("#f-origin_town").fill("Jinnah International Airport")
    page.locator("#f-destination_town").fill("Jhimpir")
    day = (datetime.now(UTC) + PKT).date() + timedelta(days=4)
    leave = datetime(day.year, day.month, day.day, 9, 30)
    page.locator("#f-departure_at").fill(leave.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#f-arrival_at").fill((leave + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#f-vehicle_0_registration").fill("SHC-21")
    page.locator("#f-vehicle_0_seats").fill("4")
    page.locator("#f-vehicle_0_passengers").fill("3")
    page.locator('input[name="vehicle_0_armoured"]').check()
    page.get_by_role("button", name="Plan the routes").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/route?done=created"), page.url
    options = page.locator(".option")
    assert options.count() >= 2, "the routes to compare, side by side"
    first, second = options.nth(0).inner_text(), options.nth(1).inner_text()
    assert "Highest level" in first and "Distance" in second and first != second
    person.check("route-options")

    page.get_by_role("button", name="Use the selected route").click()
    page.wait_for_load_state("networkidle")
    assert "SOP check, rule by rule" in page.content()
    person.check("movement-draft")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("networkidle")
    assert "Submitted" in page.locator(".flash").inner_text()
    person.check("movement-submitted")
    heading = page.locator("h1").inner_text()
    movement_id = page.url.split("/movements/", 1)[1].split("?", 1)[0]
    return Requested(movement_id, heading.split(":", 1)[0], leave)


def approve_everywhere(walk, movement: Requested) -> dict[str, object]:
    """Each party's approver finds it in the queue and approves with a fresh code (the login
    code is spent, so each waits for the next one, all three in the same step). Returns the
    approvers, still logged in."""
    people = [walk(username) for username in APPROVERS]
    for person in people:
        page = person.page
        person.go("/approvals")
        page.get_by_role("link", name=movement.reference).click()
        page.wait_for_load_state("networkidle")
        assert "Authenticator code" in page.content()
        person.check("decide")
    for person in people:
        page = person.page
        page.get_by_label("Approve this version").check()
        page.get_by_label("Authenticator code").fill(person.server.totp(person.username))
        page.get_by_role("button", name="Record the decision").click()
        page.wait_for_load_state("networkidle")
        flash = page.locator(".flash").inner_text()
        assert f"{movement.reference}: Approved" in flash, page.content()
        person.check("approved")
    person = people[-1]
    person.go(f"/movements/{movement.id}")
    assert "approved" in person.page.locator(".status").first.inner_text()
    return dict(zip(APPROVERS, people, strict=True))


def book_escorts(approvers: dict[str, object], movement: Requested) -> None:
    """The host's outer ring and the guest's inner ring on the one leg (Sindh), each booked
    by its own side (approvers of a party see the plan; an ops officer sees it only once a
    unit of theirs is booked and the plan released)."""
    for username, call_sign in (("approver.sindh", "SINDH-ESC-1"), ("approver.gsd", "GSD-CP-1")):
        person = approvers[username]
        page = person.page
        person.go(f"/movements/{movement.id}/escorts")
        units = page.locator("#f-unit_0")
        labels = units.locator("option").all_inner_texts()
        assert any(call_sign in text for text in labels), labels
        units.select_option(label=next(t for t in labels if t.startswith(call_sign)))
        page.get_by_role("button", name="Book for leg 0").click()
        page.wait_for_load_state("networkidle")
        assert "Escort booked" in page.locator(".flash").inner_text()
        person.check("escorts")


def release_and_read_on_the_phone(approvers: dict[str, object], walk, movement: Requested) -> None:
    """The order would reach the escorts six hours before departure; the Sindh approver
    releases it now (the escort briefs the day before), and the commander of the Sindh
    escort reads their own copy on a phone."""
    person = approvers["approver.sindh"]
    page = person.page
    person.go(f"/movements/{movement.id}")
    page.get_by_label("Why now").fill("SPU escort briefs the team the day before departure")
    page.get_by_role("button", name="Release the order now").click()
    page.wait_for_load_state("networkidle")
    assert "The order is released" in page.locator(".flash").inner_text()
    person.check("order-released")
    commander = walk("escort.sindh", phone=True)
    page = commander.page
    commander.go("/phone")
    mine = page.locator("section.phone-movement", has_text=movement.reference)
    assert mine.count() == 1, page.content()
    commander.check("phone-movement")
    mine.get_by_role("link", name="Read my order").click()
    page.wait_for_load_state("networkidle")
    order = page.locator("article.order").inner_text()
    assert movement.reference in order and "escort.sindh" in order  # their own copy
    assert f"{movement.departure_local:%H:%M}" in order
    commander.check("phone-order")


def test_a_movement_is_requested_approved_and_escorted_in_the_browser(walk) -> None:
    movement = request_movement(walk)
    approvers = approve_everywhere(walk, movement)
    book_escorts(approvers, movement)
    release_and_read_on_the_phone(approvers, walk, movement)
    person = walk("requester.shc")
    person.go(f"/movements/{movement.id}")
    page = person.page
    escorts = page.locator("section[aria-labelledby='h-escorts']").inner_text()
    assert "SINDH-ESC-1" in escorts and "GSD-CP-1" in escorts
    assert (
        f"{movement.departure_local:%H:%M} PKT"
        in page.locator("section[aria-labelledby='h-plan']").inner_text()
    )
    person.check("movement-escorted")
