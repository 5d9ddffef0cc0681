"""Roll calls: who is asked near an incident and why (a device's recent fix, a convoy whose
route ahead passes by, a person's site), answers by API, app and SMS keyword with channel and
time, HELP and silence escalating to alerts, SMS questions through the gateway (the phone
read audited), and need-to-know on who was asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall, worker
from jsms.alerts.models import Alert, RollCall, RollCallTarget
from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.threat.models import Incident
from jsms.tracking.models import Device, Position
from tests.alerts.conftest import actor_of
from tests.movements.conftest import BORDER, MovementWorld

TOKEN = "gateway-inbound-token-1"
PHONE = "+92 300 1234567"


def _person(db: Session, company: str, name: str, **fields) -> str:
    clerk = actor_of(company, Side.CLIENT, Role.REQUESTER)
    return registry.create_person(db, clerk, full_name=name, nationality="CN", **fields).id


def _fix(db: Session, person_id: str, agency: str, lat: float, lon: float, ago: timedelta) -> None:
    device = Device(
        identifier=f"phone-{person_id[:8]}",
        protocol="osmand",
        agency_id=agency,
        person_id=person_id,
        secret_hash="0" * 64,
    )
    db.add(device)
    db.flush()
    at = datetime.now(UTC) - ago
    db.add(
        Position(
            device_id=device.id, fixed_at=at, received_at=at, lat=lat, lon=lon, source="osmand"
        )
    )


@pytest.fixture
def near_the_border(db: Session, mworld: MovementWorld, on_the_road: str) -> dict[str, str]:
    """People around the Hub river crossing, and some further away."""
    w = mworld.world
    people = {
        "with-device": _person(db, w.company_b, "Zhang Device", phone=PHONE),
        "old-fix": _person(db, w.company_b, "Chen Stale"),
        "far-away": _person(db, w.company_b, "Wu Faraway"),
    }
    _fix(db, people["with-device"], w.company_b, BORDER[0] + 0.018, BORDER[1], timedelta(minutes=5))
    _fix(db, people["old-fix"], w.company_b, BORDER[0], BORDER[1], timedelta(hours=3))
    _fix(db, people["far-away"], w.company_b, BORDER[0] + 0.5, BORDER[1], timedelta(minutes=5))
    clerk = actor_of(w.company_a, Side.CLIENT, Role.REQUESTER)
    camp = registry.create_site(db, clerk, name="Hub camp", lat=BORDER[0] - 0.027, lon=BORDER[1])
    people["at-site"] = _person(db, w.company_a, "Liu Camp", site_id=camp.id)
    db.commit()
    return people


def _start(client: TestClient, who, **body) -> dict:
    payload = {"lat": BORDER[0], "lon": BORDER[1], "radius_km": 5, **body}
    response = client.post("/api/v1/roll-calls", json=payload, headers=who.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_everyone_near_is_asked_once_with_the_reason(
    client: TestClient, mworld: MovementWorld, near_the_border: dict[str, str], login_as
) -> None:
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    started = _start(client, ops, title="IED reported at the Hub river bridge")
    why = {t["person_id"]: t["why"] for t in started["targets"]}
    assert why[near_the_border["with-device"]].startswith("last fix 2.0 km away")
    assert why[near_the_border["at-site"]] == "based at Hub camp, 3.0 km away"
    for passenger in mworld.passengers:
        assert "the route ahead passes 0.0 km away" in why[passenger]
    assert near_the_border["old-fix"] not in why and near_the_border["far-away"] not in why
    assert started["counts"] == {"total": 5, "safe": 0, "need_help": 0, "pending": 5}


def test_a_roll_call_for_an_incident_takes_its_place(
    client: TestClient, db: Session, mworld: MovementWorld, near_the_border, login_as
) -> None:
    incident = Incident(
        title="Shots fired at the Hub river bridge",
        occurred_at=datetime.now(UTC),
        attack_type="armed_assault",
        origin="analyst",
        external_key="rc-1",
        lat=BORDER[0],
        lon=BORDER[1],
    )
    db.add(incident)
    db.commit()
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    response = client.post(
        "/api/v1/roll-calls",
        json={"incident_id": incident.id, "radius_km": 5},
        headers=ops.headers,
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Roll call: Shots fired at the Hub river bridge"
    assert response.json()["counts"]["total"] == 5


def test_answers_by_api_app_and_sms_are_tracked_and_help_alerts(
    client: TestClient,
    db: Session,
    mworld: MovementWorld,
    near_the_border: dict[str, str],
    login_as,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JSMS_SMS_INBOUND_TOKEN", TOKEN)
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    roll_call_id = _start(client, ops, sms=False)["id"]
    # by API: a passenger answers for herself
    passenger = login_as(Role.PROTECTEE, person_id=mworld.passengers[0])
    asking = client.get("/api/v1/roll-calls/asking-me", headers=passenger.headers).json()
    assert [a["roll_call_id"] for a in asking] == [roll_call_id]
    said = client.post(
        f"/api/v1/roll-calls/{roll_call_id}/answer",
        json={"status": "safe"},
        headers=passenger.headers,
    )
    assert said.status_code == 200 and said.json()["channel"] == "api"
    assert client.get("/api/v1/roll-calls/asking-me", headers=passenger.headers).json() == []
    # by the app (the phone view calls the service)
    app_user = actor_of(mworld.world.company_a, Side.CLIENT, Role.PROTECTEE)
    app_user = type(app_user)(**{**app_user.__dict__, "person_id": mworld.passengers[1]})
    rollcall.answer_for(db, app_user, roll_call_id, "safe", "app")
    db.commit()
    # by SMS keyword, case-insensitive, from the person's number written another way
    texted = client.post(
        "/api/v1/sms/inbound",
        json={"from": "+923001234567", "body": " help "},
        headers={"X-Gateway-Token": TOKEN},
    )
    assert texted.status_code == 200 and "control room" in texted.json()["reply"]
    db.expire_all()
    targets = {
        t.person_id: t
        for t in db.scalars(
            select(RollCallTarget).where(RollCallTarget.roll_call_id == roll_call_id)
        )
    }
    assert (targets[mworld.passengers[0]].status, targets[mworld.passengers[0]].channel) == (
        "safe",
        "api",
    )
    assert (targets[mworld.passengers[1]].status, targets[mworld.passengers[1]].channel) == (
        "safe",
        "app",
    )
    texter = targets[near_the_border["with-device"]]
    assert (texter.status, texter.channel) == ("need_help", "sms") and texter.answered_at
    [help_alert] = db.scalars(select(Alert).where(Alert.kind == "need_help")).all()
    assert help_alert.severity == "critical" and "Zhang Device" in help_alert.title
    counts = client.get(f"/api/v1/roll-calls/{roll_call_id}", headers=ops.headers).json()["counts"]
    assert counts == {"total": 5, "safe": 2, "need_help": 1, "pending": 2}


def test_sms_from_an_unknown_number_or_without_the_gateway_token(
    client: TestClient, db: Session, near_the_border, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JSMS_SMS_INBOUND_TOKEN", TOKEN)
    forged = client.post(
        "/api/v1/sms/inbound",
        json={"from": "+923001234567", "body": "SAFE"},
        headers={"X-Gateway-Token": "guess"},
    )
    assert forged.status_code == 401
    unknown = client.post(
        "/api/v1/sms/inbound",
        json={"from": "+15550000000", "body": "SAFE"},
        headers={"X-Gateway-Token": TOKEN},
    )
    assert unknown.status_code == 200 and "not registered" in unknown.json()["reply"]
    gibberish = client.post(
        "/api/v1/sms/inbound",
        json={"from": "+923001234567", "body": "where is the bus"},
        headers={"X-Gateway-Token": TOKEN},
    )
    assert "not understood" in gibberish.json()["reply"]


def test_silence_past_the_deadline_raises_one_alert_per_person(
    client: TestClient, db: Session, db_url: str, mworld: MovementWorld, near_the_border, login_as
) -> None:
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    started = _start(client, ops, sms=False, answer_within_min=15)
    passenger = login_as(Role.PROTECTEE, person_id=mworld.passengers[0])
    client.post(
        f"/api/v1/roll-calls/{started['id']}/answer",
        json={"status": "safe"},
        headers=passenger.headers,
    )
    deadline = datetime.fromisoformat(started["escalate_at"])
    assert worker.tick(db_url, deadline - timedelta(seconds=1)).unanswered == 0
    assert worker.tick(db_url, deadline).unanswered == 4
    assert worker.tick(db_url, deadline + timedelta(minutes=5)).unanswered == 0
    db.expire_all()
    alerts = db.scalars(select(Alert).where(Alert.kind == "roll_call_unanswered")).all()
    assert len(alerts) == 4
    movement_alert = next(a for a in alerts if a.movement_id)
    assert mworld.world.host_sindh in movement_alert.agency_ids


def test_the_question_goes_out_by_sms_and_the_phone_read_is_audited(
    client: TestClient,
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    near_the_border,
    login_as,
    endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = endpoint()
    monkeypatch.setenv("JSMS_SMS_GATEWAY_URL", gateway.url)
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    roll_call_id = _start(client, ops, title="Blast near the bridge")["id"]
    assert worker.tick(db_url).asked == 1  # only one of the five has a phone on record
    [(_, body)] = gateway.received
    sent = json.loads(body)
    assert sent["to"] == PHONE and "Reply SAFE or HELP" in sent["body"]
    db.expire_all()
    statuses = {t.person_id: t.sms_status for t in db.get(RollCall, roll_call_id).targets}
    assert statuses[near_the_border["with-device"]] == "sent"
    assert set(statuses.values()) == {"sent", "no_phone"}
    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "person.pii.read",
            AuditEvent.object_id == near_the_border["with-device"],
        )
    ).all()
    assert len(reads) == 1 and reads[0].actor_name == "system:alerts"
    assert roll_call_id in reads[0].detail["reason"] and reads[0].detail["fields"] == ["phone"]
    assert worker.tick(db_url).asked == 0  # asked once


def test_who_may_start_and_see_a_roll_call(
    client: TestClient, mworld: MovementWorld, near_the_border, login_as
) -> None:
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    roll_call_id = _start(client, ops)["id"]
    company_b = login_as(Role.REQUESTER, agency_id=mworld.world.company_b)
    seen = client.get(f"/api/v1/roll-calls/{roll_call_id}", headers=company_b.headers).json()
    # company B learns only about its own staff
    assert {t["full_name"] for t in seen["targets"]} == {"Zhang Device"}
    assert seen["counts"]["total"] == 1
    for role in (Role.ANALYST, Role.REQUESTER, Role.APPROVER):
        who = login_as(role)
        refused = client.post(
            "/api/v1/roll-calls", json={"lat": 25, "lon": 67, "radius_km": 5}, headers=who.headers
        )
        assert refused.status_code == 403 and refused.json()["permission"] == "rollcall.start"
    protectee = login_as(Role.PROTECTEE, person_id=mworld.passengers[0])
    assert (
        client.get(f"/api/v1/roll-calls/{roll_call_id}", headers=protectee.headers).status_code
        == 403
    )
    closed = client.post(f"/api/v1/roll-calls/{roll_call_id}/close", headers=ops.headers)
    assert closed.status_code == 200 and closed.json()["closed_at"]
    late = client.post(
        f"/api/v1/roll-calls/{roll_call_id}/answer",
        json={"status": "safe"},
        headers=protectee.headers,
    )
    assert late.status_code == 409
