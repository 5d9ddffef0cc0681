"""The threat picture and the phone view in Chromium: an analyst works the review queue with
the candidate beside the report, and an escort commander reads the order of the movement that
is ready to leave on a phone-sized screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_an_analyst_accepts_a_report_seen_beside_its_candidate(walk) -> None:
    person = walk("analyst")
    page = person.page
    person.go("/review")
    person.check("review-queue")
    page.get_by_role("link", name="Roadside device found and defused").first.click()
    page.wait_for_load_state("networkidle")
    compare = page.locator("table.compare")
    assert compare.count() == 1, "the known incidents it may duplicate are shown beside it"
    assert "Besham" in compare.inner_text()
    assert "same kind of attack (bombing)" in compare.inner_text()
    person.check("review-item")
    page.get_by_label("Accept: a new incident, into the record").check()
    page.get_by_label("Note (kept with the record)").fill("confirmed by the bomb disposal squad")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state("networkidle")
    assert "Roadside device found and defused" in page.locator(".flash").inner_text()
    assert "accepted" in page.locator(".flash").inner_text()
    person.check("review-next")
    person.go("/incidents")
    person.check("incidents")


def test_an_escort_commander_reads_the_order_on_a_phone(walk) -> None:
    person = walk("escort.gsd", phone=True)
    page = person.page
    person.go("/phone")
    assert page.locator("body.phone").count() == 1
    # the demo's movement that is ready to leave (other walks may add approved ones)
    ready = page.locator(
        "section.phone-movement", has=page.locator(".status.approved"), has_text="ready to leave"
    )
    assert ready.count() == 1, "the demo has one movement ready to leave"
    person.check("phone")
    ready.get_by_role("link", name="Read my order").click()
    page.wait_for_load_state("networkidle")
    order = page.locator("article.order").inner_text()
    assert "RESTRICTED - NEED TO KNOW" in order
    assert "escort.gsd" in order  # the copy names its recipient
    person.check("phone-order")
