"""Check-ins: codes set and checked, a duress check-in that looks exactly like a normal one
to its sender (status, body, timing) but raises a silent alert for the control rooms, wrong
codes refused and counted until check-ins lock, and the control rooms' list per movement."""

from __future__ import annotations

import statistics
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts.models import Alert
from jsms.audit.models import AuditEvent
from jsms.identity.models import User
from jsms.identity.roles import Role
from jsms.tracking.models import CheckIn
from tests.alerts.conftest import approved, mworld, on_the_road
from tests.movements.conftest import MovementWorld

__all__ = ["approved", "mworld", "on_the_road"]

CODES = {"checkin_pin": "4821", "duress_pin": "4822"}


def _protectee(client: TestClient, mworld: MovementWorld, login_as):
    who = login_as(Role.PROTECTEE, person_id=mworld.passengers[0])
    response = client.put("/api/v1/check-ins/codes", json=CODES, headers=who.headers)
    assert response.status_code == 204
    return who


def _check_in(client: TestClient, who, pin: str, **extra):
    return client.post("/api/v1/check-ins", json={"pin": pin, **extra}, headers=who.headers)


@pytest.mark.parametrize(
    ("codes", "field"),
    [
        ({"checkin_pin": "4821", "duress_pin": "4821"}, "duress_pin"),
        ({"checkin_pin": "48a1", "duress_pin": "4822"}, "checkin_pin"),
        ({"checkin_pin": "12", "duress_pin": "4822"}, "checkin_pin"),
    ],
    ids=["same-codes", "not-digits", "too-short"],
)
def test_bad_codes_are_refused_beside_the_field_and_nothing_is_saved(
    codes: dict[str, str], field: str, client: TestClient, db: Session, login_as
) -> None:
    escort = login_as(Role.ESCORT_COMMANDER)
    response = client.put("/api/v1/check-ins/codes", json=codes, headers=escort.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    db.expire_all()
    user = db.get(User, escort.user_id)
    assert user.checkin_pin_hash is None and user.duress_pin_hash is None


def test_a_duress_check_in_answers_like_a_normal_one_but_raises_a_silent_alert(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    who = _protectee(client, mworld, login_as)
    normal = _check_in(client, who, CODES["checkin_pin"], lat=24.91, lon=67.16)
    duress = _check_in(client, who, CODES["duress_pin"], lat=24.91, lon=67.16)
    assert normal.status_code == duress.status_code == 201
    assert normal.headers.keys() == duress.headers.keys()
    a, b = normal.json(), duress.json()
    assert a.keys() == b.keys()
    assert {k: v for k, v in a.items() if k not in ("id", "at")} == {
        k: v for k, v in b.items() if k not in ("id", "at")
    }
    assert a["movement_id"] == on_the_road and a["status"] == "received"
    db.expire_all()
    kinds = {c.id: c.kind for c in db.scalars(select(CheckIn))}
    assert kinds == {a["id"]: "ok", b["id"]: "duress"}
    [alert] = db.scalars(select(Alert)).all()
    assert (alert.kind, alert.severity, alert.silent) == ("duress", "critical", True)
    assert alert.detail["sender_user_id"] == who.user_id
    assert mworld.world.company_a in alert.agency_ids and mworld.world.guest in alert.agency_ids
    # the control rooms see it; the sender's side of the screen never does
    guest_room = login_as(Role.OPS_OFFICER, agency_id=mworld.world.guest)
    assert client.get(f"/api/v1/alerts/{alert.id}", headers=guest_room.headers).status_code == 200
    escort = login_as(Role.ESCORT_COMMANDER, agency_id=mworld.world.guest)
    assert client.get("/api/v1/alerts", headers=escort.headers).json()["items"] == []


def test_an_escort_commander_under_duress_is_not_shown_the_alert(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    escort = login_as(Role.ESCORT_COMMANDER, agency_id=mworld.world.guest)
    assert (
        client.put("/api/v1/check-ins/codes", json=CODES, headers=escort.headers).status_code == 204
    )
    answer = _check_in(client, escort, CODES["duress_pin"], movement_id=on_the_road)
    assert answer.status_code == 201
    assert client.get("/api/v1/alerts", headers=escort.headers).json()["items"] == []
    db.expire_all()
    alert = db.scalar(select(Alert))
    assert alert is not None
    assert client.get(f"/api/v1/alerts/{alert.id}", headers=escort.headers).status_code == 404


def test_duress_takes_as_long_as_a_normal_check_in(
    client: TestClient, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    """Real argon2 cost (no light test hashing here): the codes' checks dominate, and both
    paths do them both; the extra alert must be lost in the noise."""
    who = _protectee(client, mworld, login_as)
    timings: dict[str, list[float]] = {"ok": [], "duress": []}
    for _ in range(6):
        for kind, pin in (("ok", CODES["checkin_pin"]), ("duress", CODES["duress_pin"])):
            started = time.perf_counter()
            assert _check_in(client, who, pin).status_code == 201
            timings[kind].append(time.perf_counter() - started)
    ok, duress = statistics.median(timings["ok"]), statistics.median(timings["duress"])
    assert abs(duress - ok) < 0.25 * ok, timings


def test_wrong_codes_are_refused_counted_and_lock_check_ins(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    who = _protectee(client, mworld, login_as)
    for attempt in range(5):
        wrong = _check_in(client, who, "0000")
        assert wrong.status_code == 403, attempt
        assert "wrong check-in code" in wrong.json()["detail"]
    locked = _check_in(client, who, CODES["checkin_pin"])
    assert locked.status_code == 423
    db.expire_all()
    assert db.scalars(select(CheckIn)).all() == []
    refusals = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "access.denied", AuditEvent.actor_id == who.user_id
        )
    ).all()
    assert len(refusals) == 5 and "wrong check-in code" in refusals[0].detail["reason"]
    assert db.get(User, who.user_id).locked_until is not None


def test_check_ins_need_codes_and_a_movement_one_is_on(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    without = login_as(Role.PROTECTEE, person_id=mworld.passengers[1])
    assert _check_in(client, without, "1234").status_code == 409
    stranger = login_as(Role.ESCORT_COMMANDER, agency_id=mworld.world.guest)
    # a guest unit is on it, but this one names another movement
    client.put("/api/v1/check-ins/codes", json=CODES, headers=stranger.headers)
    missing = _check_in(client, stranger, CODES["checkin_pin"], movement_id="no-such-movement")
    assert missing.status_code == 404
    ops = login_as(Role.OPS_OFFICER)
    assert _check_in(client, ops, "1234").status_code == 403


def test_the_control_room_lists_a_movements_check_ins_with_duress_named(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    who = _protectee(client, mworld, login_as)
    _check_in(client, who, CODES["checkin_pin"])
    _check_in(client, who, CODES["duress_pin"])
    approver = login_as(Role.APPROVER, agency_id=mworld.world.host_sindh)
    listed = client.get(f"/api/v1/movements/{on_the_road}/check-ins", headers=approver.headers)
    assert listed.status_code == 200
    assert sorted(c["kind"] for c in listed.json()) == ["duress", "ok"]
    assert (
        client.get(f"/api/v1/movements/{on_the_road}/check-ins", headers=who.headers).status_code
        == 403
    )
    kp_ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_kp)
    assert (
        client.get(f"/api/v1/movements/{on_the_road}/check-ins", headers=kp_ops.headers).status_code
        == 404
    )


def test_an_sms_check_in_answers_the_same_for_the_duress_code(
    client: TestClient,
    db: Session,
    mworld: MovementWorld,
    on_the_road: str,
    login_as,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jsms.identity.roles import Side
    from jsms.registry import service as registry
    from tests.movements.conftest import actor_of

    monkeypatch.setenv("JSMS_SMS_INBOUND_TOKEN", "gw-token")
    clerk = actor_of(mworld.world.company_a, Side.CLIENT, Role.REQUESTER)
    registry.update_person(db, clerk, mworld.passengers[0], phone="+92 321 5550001")
    db.commit()
    _protectee(client, mworld, login_as)

    def text(body: str) -> str:
        response = client.post(
            "/api/v1/sms/inbound",
            json={"from": "+923215550001", "body": body},
            headers={"X-Gateway-Token": "gw-token"},
        )
        assert response.status_code == 200
        return response.json()["reply"]

    assert text("OK 4821") == text("ok 4822") == "JSMS: check-in received."
    assert text("OK 9999") == "JSMS: check-in refused: wrong code."
    db.expire_all()
    stored = sorted((c.kind, c.channel, c.movement_id) for c in db.scalars(select(CheckIn)))
    assert stored == [("duress", "sms", on_the_road), ("ok", "sms", on_the_road)]
    assert db.scalar(select(Alert).where(Alert.kind == "duress")) is not None
