"""The phone view: the people on the road see their own movements, route and times only once
released to them, and read their own watermarked order (audited); nobody else learns more."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.models import User
from jsms.identity.roles import Role, Side
from jsms.movements import service
from jsms.movements.models import Movement
from tests.movements.conftest import MovementWorld, actor_of, approved, mworld, release_now

__all__ = ["approved", "mworld"]  # fixtures used by the tests below

DEPARTURE_CLOCK = "%H:%M"


def _movement(db: Session, movement_id: str) -> Movement:
    db.rollback()
    movement = db.get(Movement, movement_id)
    assert movement is not None
    return movement


def _local_departure(movement: Movement) -> str:
    return (movement.departure_at + timedelta(hours=5)).strftime(DEPARTURE_CLOCK)  # PKT


def _events(db: Session, action: str, movement_id: str) -> list[AuditEvent]:
    db.rollback()
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == movement_id
            )
        )
    )


def test_an_assigned_escort_commander_sees_nothing_of_route_or_times_before_release(
    db: Session, browse, client: TestClient, mworld: MovementWorld, approved: str
) -> None:
    browse("escort_commander", agency_id=mworld.world.guest)
    movement = _movement(db, approved)
    listed = client.get("/phone")
    assert listed.status_code == 200
    assert 'class="phone"' in listed.text
    assert movement.reference in listed.text
    assert "not released to you yet" in listed.text
    for secret in ("Karachi airport", "PKT", _local_departure(movement), "Read my order"):
        assert secret not in listed.text
    opened = client.get(f"/phone/movements/{approved}")
    assert opened.status_code == 200
    assert "The order is not released to you yet" in opened.text
    assert f"{movement.release_at:%Y-%m-%d %H:%M} UTC" in opened.text  # when it will be
    for secret in ("Karachi airport", "PKT", "RESTRICTED", "format=pdf"):
        assert secret not in opened.text
    assert _events(db, "movement.order.read", approved) == []


def test_after_release_the_commander_reads_their_own_order_and_the_read_is_audited(
    db: Session, browse, client: TestClient, mworld: MovementWorld, approved: str
) -> None:
    release_now(db, approved)
    login = browse("escort_commander", agency_id=mworld.world.guest)
    movement = _movement(db, approved)
    listed = client.get("/phone").text
    assert "Karachi airport" in listed and "Hub" in listed
    assert f"{_local_departure(movement)} PKT (UTC+5)" in listed
    assert "GSD-CP-9" in listed and "SINDH-ESC-9" in listed  # the escort legs
    assert f'href="/phone/movements/{approved}"' in listed
    order = client.get(f"/phone/movements/{approved}")
    assert order.status_code == 200
    assert "RESTRICTED - NEED TO KNOW" in order.text
    assert f"MOVEMENT ORDER {movement.reference}" in order.text.upper()
    assert order.text.count("<h1") == 1  # the order's title is the page's one heading
    assert f"/api/v1/movements/{approved}/order?format=pdf" in order.text
    reads = _events(db, "movement.order.read", approved)
    assert [(e.actor_id, e.detail["format"]) for e in reads] == [(login.user_id, "html")]
    pdf = client.get(f"/api/v1/movements/{approved}/order?format=pdf")  # the session cookie
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_an_unassigned_escort_commander_never_gets_route_or_times(
    db: Session, browse, client: TestClient, mworld: MovementWorld, approved: str
) -> None:
    release_now(db, approved)
    movement = _movement(db, approved)
    browse("escort_commander", agency_id=mworld.host_bal)  # the route crosses Balochistan
    listed = client.get("/phone").text
    assert movement.reference not in listed  # not theirs
    page = client.get(f"/phone/movements/{approved}")
    assert page.status_code == 200  # an involved force sees that it exists
    for secret in ("Karachi airport", "PKT", _local_departure(movement), "RESTRICTED"):
        assert secret not in page.text
    assert _events(db, "movement.order.read", approved) == []
    browse("escort_commander", agency_id=mworld.world.host_kp)  # not involved at all
    assert client.get(f"/phone/movements/{approved}").status_code == 404


def test_a_protectee_sees_only_the_movement_they_travel_on(
    db: Session, browse, client: TestClient, mworld: MovementWorld, approved: str
) -> None:
    requester = db.scalar(select(User.id).where(User.username == "fixture-requester"))
    owner = actor_of(mworld.world.company_a, Side.CLIENT, Role.REQUESTER, user_id=requester)
    other = service.create_movement(
        db,
        owner,
        purpose="Site visit without our protectee",
        origin_name="Karachi airport",
        origin_lat=24.9067,
        origin_lon=67.1608,
        destination_name="Hub",
        destination_lat=25.0255,
        destination_lon=66.8853,
        departure_at=mworld.departure,
        arrival_at=mworld.departure + timedelta(hours=2),
        passenger_ids=[mworld.passengers[1]],
        vehicles=[],
    )
    db.commit()
    mine = _movement(db, approved)
    browse("protectee", agency_id=mworld.world.company_a, person_id=mworld.passengers[0])
    assert client.get("/", follow_redirects=False).headers["location"] == "/phone"
    listed = client.get("/phone").text
    assert mine.reference in listed
    assert other.reference not in listed and "without our protectee" not in listed
    assert client.get(f"/phone/movements/{other.id}").status_code == 404
    release_now(db, approved)
    order = client.get(f"/phone/movements/{approved}")
    assert "RESTRICTED - NEED TO KNOW" in order.text


def test_roles_without_orders_are_refused_with_a_page(browse, client: TestClient, world) -> None:
    browse("analyst")
    page = client.get("/phone")
    assert page.status_code == 403
    assert "<h1>Not allowed</h1>" in page.text
