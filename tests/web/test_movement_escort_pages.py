"""Escorts booked leg by leg in the page: each leg's list holds only the booker's side's units
that may act there at that time, and a refused booking comes back beside its field."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.movements.models import EscortAssignment
from jsms.registry import service as registry
from tests.movements.conftest import MovementWorld, approved, mworld
from tests.web.forms import token_of_form
from tests.web.test_approval_pages import submitted, use_session

__all__ = ["approved", "mworld", "submitted"]  # fixtures used by the tests below


def unit_choices(html: str, leg: int) -> str:
    """The options of one leg's unit list."""
    found = re.search(rf'<select id="f-unit_{leg}".*?</select>', html, re.S)
    assert found, f"no unit list for leg {leg}"
    return found.group(0)


def leg_section(html: str, leg: int) -> str:
    found = re.search(rf'id="h-leg-{leg}".*?</section>', html, re.S)
    assert found, f"no section for leg {leg}"
    return found.group(0)


def escort_token(html: str, movement_id: str) -> str:
    return token_of_form(html, f"/movements/{movement_id}/escorts")


def bookings(db: Session, movement_id: str) -> int:
    db.rollback()
    stmt = select(func.count(EscortAssignment.id)).where(
        EscortAssignment.movement_id == movement_id
    )
    return int(db.scalar(stmt) or 0)


def book(client: TestClient, movement_id: str, token: str, leg: int, unit: str, **more: str):
    data = {"csrf_token": token, "leg": str(leg), f"unit_{leg}": unit, **more}
    return client.post(f"/movements/{movement_id}/escorts", data=data, follow_redirects=False)


def test_guest_lists_show_only_authorised_units_and_an_unauthorised_booking_is_refused(
    client: TestClient, db: Session, login_as, mworld: MovementWorld, submitted: str
) -> None:
    use_session(client, login_as("approver", agency_id=mworld.world.guest))
    page = client.get(f"/movements/{submitted}/escorts")
    assert page.status_code == 200
    assert "Leg 0: Sindh" in page.text and "Leg 1: Balochistan" in page.text
    assert "GSD-CP-9" in unit_choices(page.text, 0)  # the Sindh authorisation covers it
    leg1 = leg_section(page.text, 1)  # nothing authorises the guest in Balochistan
    assert "GSD-CP-9" not in leg1 and "No unit of your side may act on this leg" in leg1
    assert "SINDH-ESC-9" not in page.text  # host units are the host's to book

    refused = book(
        client, submitted, escort_token(page.text, submitted), 1, mworld.guest_unit, ring_1="inner"
    )
    assert refused.status_code == 403
    assert 'id="e-unit_1"' in refused.text
    assert "may not escort leg 1 (Balochistan)" in refused.text
    assert bookings(db, submitted) == 0
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert any("Balochistan" in (e.detail.get("reason") or "") for e in denied)

    booked = book(
        client, submitted, escort_token(page.text, submitted), 0, mworld.guest_unit, ring_0="inner"
    )
    assert booked.status_code == 303, booked.text
    assert bookings(db, submitted) == 1
    assert "Escort booked" in client.get(booked.headers["location"]).text


def test_host_lists_follow_each_forces_jurisdiction(
    client: TestClient, db: Session, login_as, mworld: MovementWorld, submitted: str
) -> None:
    use_session(client, login_as("approver"))  # Sindh SPU
    page = client.get(f"/movements/{submitted}/escorts")
    leg0, leg1 = unit_choices(page.text, 0), unit_choices(page.text, 1)
    assert "SINDH-ESC-9" in leg0 and "BAL-ESC-9" not in leg0
    assert "BAL-ESC-9" in leg1 and "SINDH-ESC-9" not in leg1
    assert "GSD-CP-9" not in page.text
    booked = book(
        client, submitted, escort_token(page.text, submitted), 0, mworld.sindh_unit, ring_0="outer"
    )
    assert booked.status_code == 303
    db.rollback()
    escort = db.scalars(select(EscortAssignment)).one()
    assert (escort.leg, escort.ring, escort.unit_id) == (0, "outer", mworld.sindh_unit)


def test_over_the_cap_over_strength_and_double_booking_are_refused_beside_the_field(
    client: TestClient,
    db: Session,
    login_as,
    mworld: MovementWorld,
    approved: str,
    submitted: str,
) -> None:
    big = registry.create_unit(
        db,
        agency_id=mworld.world.guest,
        name="GSD-CP-12",
        call_sign="GSD-CP-12",
        unit_type="close_protection",
        strength=12,
        vehicles=[],
    ).id
    db.commit()
    use_session(client, login_as("approver", agency_id=mworld.world.guest))
    page = client.get(f"/movements/{submitted}/escorts")
    token = escort_token(page.text, submitted)
    # GSD-CP-9 already escorts the approved movement at the same time
    assert "booked elsewhere at this time" in unit_choices(page.text, 0)

    over_cap = book(client, submitted, token, 0, big, ring_0="inner", headcount_0="10")
    assert over_cap.status_code == 403
    assert 'id="e-headcount_0"' in over_cap.text and "exceeds the cap of 8" in over_cap.text
    assert 'value="10"' in over_cap.text  # the input is kept
    over_strength = book(
        client, submitted, token, 0, mworld.guest_unit, ring_0="inner", headcount_0="7"
    )
    assert over_strength.status_code == 422 and "only 6 personnel" in over_strength.text
    twice = book(client, submitted, token, 0, mworld.guest_unit, ring_0="inner")
    assert twice.status_code == 409
    assert 'id="e-unit_0"' in twice.text and "already booked" in twice.text
    wrong_ring = book(client, submitted, token, 0, big, ring_0="outer")
    assert wrong_ring.status_code == 422 and 'id="e-ring_0"' in wrong_ring.text
    # the API names the same field in its problem+json
    api = client.post(
        f"/api/v1/movements/{submitted}/escorts",
        json={"unit_id": big, "leg": 0, "ring": "inner", "headcount": 10},
    )
    assert api.status_code == 403 and api.json()["errors"][0]["field"] == "headcount"
    assert bookings(db, submitted) == 0


def test_escort_pages_are_for_those_who_book_and_may_see_the_plan(
    client: TestClient, db: Session, login_as, mworld: MovementWorld, submitted: str
) -> None:
    for role, agency in (("requester", None), ("escort_commander", None), ("auditor", None)):
        use_session(client, login_as(role, agency_id=agency))
        assert client.get(f"/movements/{submitted}/escorts").status_code == 403, role
    use_session(client, login_as("ops_officer", agency_id=mworld.host_bal))  # summary only
    refused = client.get(f"/movements/{submitted}/escorts")
    assert refused.status_code == 403 and "need-to-know" in refused.text
    use_session(client, login_as("approver"))
    no_token = client.post(
        f"/movements/{submitted}/escorts", data={"leg": "0", "unit_0": mworld.sindh_unit}
    )
    assert no_token.status_code == 403
    assert bookings(db, submitted) == 0
