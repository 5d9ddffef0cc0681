"""Roll calls in the control room: started from an incident or a point with a radius, every
person asked listed with the reason, answer, channel and time (silence past the deadline
marked), live counts; refusals beside the field with nothing saved; companies see only their
own staff; closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.alerts.models import RollCall
from jsms.identity.roles import Side
from tests.movements.conftest import actor_of, approved, mworld
from tests.web.forms import token_of_form
from tests.web.live_world import (
    AIRPORT,
    LiveWorld,
    audit_count,
    live,
    quick_hashing,
    store_position,
)

__all__ = ["approved", "live", "mworld", "quick_hashing"]


def _roll_calls(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count(RollCall.id))) or 0


def _start(client: TestClient, **typed: str):
    token = token_of_form(client.get("/roll-calls/new").text, "/roll-calls")
    form = {"csrf_token": token, "radius_km": "5", "answer_within_min": "15", "sms": "on"}
    return client.post("/roll-calls", data=form | typed, follow_redirects=False)


def test_an_ops_officer_starts_a_roll_call_at_a_point_and_sees_who_is_asked_and_why(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    store_position(db, live, live.phone, *AIRPORT)
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    started = _start(client, lat=str(AIRPORT[0]), lon=str(AIRPORT[1]).replace(".", ","))
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.endswith("?done=started")
    page = client.get(location)
    assert page.status_code == 200 and "Roll call started" in page.text
    assert "Engineer 0" in page.text and "last fix" in page.text
    assert "Not yet" in page.text and 'data-count="pending"' in page.text
    roll_call_id = location.split("/")[2].split("?")[0]
    assert audit_count(db, "rollcall.read", roll_call_id) == 1
    fragment = client.get(f"/roll-calls/{roll_call_id}/targets")
    assert (
        fragment.status_code == 200 and "<table" in fragment.text and "<html" not in fragment.text
    )


def test_a_bad_radius_or_no_place_is_told_beside_the_field_and_nothing_is_started(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    too_far = _start(client, lat="24.9", lon="67.1", radius_km="500")
    assert too_far.status_code == 422
    assert 'id="e-radius_km"' in too_far.text and 'value="500"' in too_far.text
    nowhere = _start(client)
    assert nowhere.status_code == 422 and 'id="e-lat"' in nowhere.text
    assert _roll_calls(db) == 0
    assert (
        client.post(
            "/roll-calls", data={"lat": "24.9", "lon": "67.1", "radius_km": "5"}
        ).status_code
        == 403
    )
    assert _roll_calls(db) == 0


def test_a_roll_call_for_an_incident_starts_where_it_happened(
    db: Session, client: TestClient, browse, login_as, live: LiveWorld
) -> None:
    store_position(db, live, live.phone, *AIRPORT)
    analyst = login_as("analyst")
    incident = client.post(
        "/api/v1/incidents",
        json={
            "title": "Gunfire near the airport perimeter",
            "occurred_at": datetime.now(UTC).isoformat(),
            "attack_type": "armed_assault",
            "lat": AIRPORT[0] + 0.01,
            "lon": AIRPORT[1],
        },
        headers=analyst.headers,
    )
    assert incident.status_code == 201, incident.text
    incident_id = incident.json()["id"]
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    assert (
        f"/roll-calls/new?incident_id={incident_id}" in client.get(f"/incidents/{incident_id}").text
    )
    form = client.get(f"/roll-calls/new?incident_id={incident_id}").text
    assert "Gunfire near the airport perimeter" in form
    started = client.post(
        "/roll-calls",
        data={
            "csrf_token": token_of_form(form, "/roll-calls"),
            "incident_id": incident_id,
            "radius_km": "5",
            "answer_within_min": "10",
        },
        follow_redirects=False,
    )
    assert started.status_code == 303
    db.rollback()
    (made,) = db.scalars(select(RollCall)).all()
    assert made.incident_id == incident_id and made.title.endswith(
        "Gunfire near the airport perimeter"
    )
    unknown = client.post(
        "/roll-calls",
        data={
            "csrf_token": token_of_form(form, "/roll-calls"),
            "incident_id": "nope",
            "radius_km": "5",
        },
    )
    assert unknown.status_code == 404 and "no incident nope" in unknown.text
    assert _roll_calls(db) == 1


def test_silence_past_the_deadline_is_marked_and_companies_see_only_their_own(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    store_position(db, live, live.phone, *AIRPORT)
    world = live.mworld.world
    started = rollcall.start(
        db,
        actor_of(world.host_sindh, Side.HOST),
        lat=AIRPORT[0],
        lon=AIRPORT[1],
        radius_km=5,
        answer_within=timedelta(minutes=1),
        now=datetime.now(UTC) - timedelta(minutes=5),
    )
    db.commit()
    browse("requester", agency_id=world.company_a)
    own = client.get(f"/roll-calls/{started.id}")
    assert own.status_code == 200
    assert (
        "No answer: past the deadline" in own.text and 'class="answer-pending overdue"' in own.text
    )
    browse("requester", agency_id=world.company_b)
    assert client.get(f"/roll-calls/{started.id}").status_code == 404
    assert "Engineer 0" not in client.get("/roll-calls").text
    browse("escort_commander", agency_id=world.host_sindh)
    assert client.get("/roll-calls").status_code == 403


def test_an_ops_officer_closes_a_roll_call(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    started = rollcall.start(
        db,
        actor_of(live.mworld.world.host_sindh, Side.HOST),
        lat=AIRPORT[0],
        lon=AIRPORT[1],
        radius_km=5,
    )
    db.commit()
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    page = client.get(f"/roll-calls/{started.id}").text
    action = f"/roll-calls/{started.id}/close"
    assert client.post(action, data={}).status_code == 403
    closed = client.post(
        action, data={"csrf_token": token_of_form(page, action)}, follow_redirects=False
    )
    assert closed.headers["location"] == f"/roll-calls/{started.id}?done=closed"
    db.rollback()
    assert db.get(RollCall, started.id).closed_at is not None
    assert action not in client.get(f"/roll-calls/{started.id}").text


def test_an_sms_question_that_could_not_be_sent_says_why(
    db: Session, db_url: str, client: TestClient, browse, live: LiveWorld, monkeypatch
) -> None:
    from jsms.alerts import worker

    monkeypatch.setenv("JSMS_NOTIFY_MAX_ATTEMPTS", "1")
    monkeypatch.delenv("JSMS_SMS_GATEWAY_URL", raising=False)
    from jsms.registry import service as registry

    company = actor_of(live.mworld.world.company_a, Side.CLIENT)
    registry.update_person(db, company, live.mworld.passengers[0], phone="+923001234567")
    db.commit()
    store_position(db, live, live.phone, *AIRPORT)
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    started = _start(client, lat=str(AIRPORT[0]), lon=str(AIRPORT[1]))
    assert started.status_code == 303
    worker.tick(db_url)
    page = client.get(started.headers["location"]).text
    row = page[page.index("Engineer 0") :].split("</tr>")[0]
    assert "failed" in row and "no SMS gateway configured (JSMS_SMS_GATEWAY_URL)" in row
