"""The need-to-know matrix in the HTML: for every role and every page of the control room, a
movement's route and times appear only where the API would show them.

The API is the reference: `GET /api/v1/movements/{id}/plan` answers 200 to exactly those who
may see route and times. Every page route the app serves (found from the app itself, so a new
page is covered the day it is added) is then fetched as that person, with the movement's id in
every path parameter, and its body searched for the route's coordinates and the departure and
arrival times in every way a page writes them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.movements.models import Movement
from jsms.registry.models import ProtectedPerson
from tests.movements.conftest import approved, mworld, release_now

__all__ = ["approved", "mworld"]  # fixtures

# Coordinates no other record in this world carries.
SECRET_POINT = (24.97531, 66.98765)
NOT_PAGES = ("/api/", "/static/", "/basemap/", "/tiles/", "/healthz", "/favicon")
# The live feed is a stream that stays open for minutes; its need-to-know per event is
# checked in tests/web/test_live_feed.py.
STREAMS = ("/live/events",)
ZONES = (UTC, ZoneInfo("Asia/Karachi"))


def page_paths(app, movement_id: str, reference: str) -> list[str]:
    """Every GET page (and map layer) of the app, path parameters filled with the movement."""
    from jsms.app import _api_routes

    paths = set()
    for route in _api_routes(app.routes):
        path = getattr(route, "path_format", None) or route.path
        methods = getattr(route, "methods", set())
        if "GET" not in methods or path.startswith(NOT_PAGES) or path in ("/login", *STREAMS):
            continue
        paths.add(re.sub(r"\{[^}]+\}", movement_id, path))
    # pages that take the movement from the query string
    extra = [f"/audit/who-knew?movement={reference}", f"/movements?q={reference}"]
    return sorted(paths) + extra


def secrets_of(movement: Movement) -> list[str]:
    """The strings that reveal the route or the times, as any page could write them."""
    found = [f"{SECRET_POINT[1]}", f"{SECRET_POINT[0]}"]
    for moment in (movement.departure_at, movement.arrival_at):
        for zone in ZONES:
            local = moment.astimezone(zone)
            found += [local.strftime("%H:%M"), local.isoformat()[:16]]
    return found


def leaks(body: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in body]


@pytest.fixture
def secret_movement(db: Session, approved: str, mworld) -> Movement:
    """The approved movement with a route through SECRET_POINT and times at hours no page
    prints for anything else in the test: twelve hours away from now."""
    db.rollback()
    movement = db.get(Movement, approved)
    assert movement is not None
    now = datetime.now(UTC)
    departure = (now + timedelta(days=2)).replace(
        hour=(now.hour + 12) % 24, minute=47, second=0, microsecond=0
    )
    route = dict(movement.route)
    coordinates = list(route["coordinates"])
    coordinates.insert(1, [SECRET_POINT[1], SECRET_POINT[0]])
    route["coordinates"] = coordinates
    movement.route = route
    movement.departure_at = departure
    movement.arrival_at = departure + timedelta(hours=1, minutes=6)
    movement.release_at = departure - timedelta(hours=6)
    db.commit()
    return movement


def _people(db: Session, world, mworld, login_as) -> dict[str, object]:
    passenger = db.get(ProtectedPerson, mworld.passengers[0])
    assert passenger is not None
    return {
        "requester of the company": login_as("requester", agency_id=world.company_a),
        "requester of another company": login_as("requester", agency_id=world.company_b),
        "ops officer, assigned host force": login_as("ops_officer", agency_id=world.host_sindh),
        "ops officer, host force crossed but not assigned": login_as(
            "ops_officer", agency_id=mworld.host_bal
        ),
        "ops officer, uninvolved host force": login_as("ops_officer", agency_id=world.host_kp),
        "approver, party to the movement": login_as("approver", agency_id=world.host_sindh),
        "approver, not a party": login_as("approver", agency_id=world.host_kp),
        "escort commander, assigned guest detail": login_as(
            "escort_commander", agency_id=world.guest
        ),
        "analyst": login_as("analyst", agency_id=world.host_sindh),
        "auditor": login_as("auditor", agency_id=world.host_sindh),
        "admin": login_as("admin", agency_id=world.host_sindh),
        "protectee on board": login_as(
            "protectee", agency_id=world.company_a, person_id=passenger.id
        ),
    }


def _check_everyone(
    client: TestClient, app, movement: Movement, people: dict[str, object]
) -> dict[str, bool]:
    """Fetch every page as every person; fail on any secret shown to someone the API refuses.
    Returns who the API lets see the details."""
    secrets = secrets_of(movement)
    paths = page_paths(app, movement.id, movement.reference)
    problems: list[str] = []
    sees: dict[str, bool] = {}
    for who, login in people.items():
        plan = client.get(f"/api/v1/movements/{movement.id}/plan", headers=login.headers)
        assert plan.status_code in (200, 403, 404), (who, plan.text)
        sees[who] = plan.status_code == 200
        client.cookies.clear()
        client.cookies.set("jsms_session", login.token)
        shown_somewhere = False
        for path in paths:
            response = client.get(path, follow_redirects=False)
            assert response.status_code < 500, (who, path, response.text[:500])
            found = leaks(response.text, secrets)
            if found and not sees[who]:
                problems.append(f"{who}: {path} shows {found}")
            shown_somewhere = shown_somewhere or bool(found)
        if sees[who]:
            # the markers are findable: the person entitled to the plan does see them
            assert shown_somewhere, f"{who} may see the plan but no page shows it"
    client.cookies.clear()
    assert not problems, "\n".join(problems)
    return sees


def test_route_and_times_appear_only_where_the_api_shows_them(
    db: Session, world, mworld, secret_movement: Movement, login_as, client: TestClient, app
) -> None:
    people = _people(db, world, mworld, login_as)
    before = _check_everyone(client, app, secret_movement, people)
    assert before == {
        "requester of the company": True,
        "requester of another company": False,
        "ops officer, assigned host force": False,  # not yet released
        "ops officer, host force crossed but not assigned": False,
        "ops officer, uninvolved host force": False,
        "approver, party to the movement": True,
        "approver, not a party": False,
        "escort commander, assigned guest detail": False,  # not yet released
        "analyst": False,
        "auditor": False,
        "admin": False,
        "protectee on board": False,  # not yet released
    }
    release_now(db, secret_movement.id)
    db.refresh(secret_movement)
    after = _check_everyone(client, app, secret_movement, people)
    released_to = {who for who, sees in after.items() if sees and not before[who]}
    assert released_to == {
        "ops officer, assigned host force",
        "escort commander, assigned guest detail",
        "protectee on board",
    }
