"""The alerts API per role: the agencies that must hear see the alert (audited), others do
not learn it exists, a silent alert never reaches its sender or the people beside them, only
the control rooms act on alerts, and contact points are managed per agency."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import service
from jsms.alerts.models import Alert, ContactPoint
from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role
from tests.alerts.conftest import finding
from tests.movements.conftest import MovementWorld


def _alert(db: Session, movement_id: str, **overrides) -> str:
    alert = service.raise_alert(db, finding(movement_id, **overrides))
    db.commit()
    return alert.id


def test_the_parties_see_the_alert_and_each_read_is_audited(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    alert_id = _alert(db, on_the_road)
    for role, agency in (
        (Role.OPS_OFFICER, mworld.world.host_sindh),
        (Role.OPS_OFFICER, mworld.host_bal),
        (Role.ESCORT_COMMANDER, mworld.world.guest),
        (Role.APPROVER, mworld.world.company_a),
    ):
        who = login_as(role, agency_id=agency)
        listed = client.get("/api/v1/alerts", headers=who.headers).json()
        assert [a["id"] for a in listed["items"]] == [alert_id], role
        one = client.get(f"/api/v1/alerts/{alert_id}", headers=who.headers)
        assert one.status_code == 200
        assert one.json()["events"][0]["action"] == "opened"
        assert one.json()["lat"] is not None
    db.expire_all()
    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "alert.read", AuditEvent.object_id == alert_id
        )
    ).all()
    assert len(reads) == 4 and all(r.outcome == "ok" for r in reads)


def test_an_agency_not_involved_does_not_learn_the_alert_exists(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    alert_id = _alert(db, on_the_road)
    kp = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_kp)
    assert client.get("/api/v1/alerts", headers=kp.headers).json()["items"] == []
    for path in ("", "/cap"):
        assert client.get(f"/api/v1/alerts/{alert_id}{path}", headers=kp.headers).status_code == 404
    refused = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={}, headers=kp.headers)
    assert refused.status_code == 404
    other_company = login_as(Role.APPROVER, agency_id=mworld.world.company_b)
    assert (
        client.get(f"/api/v1/alerts/{alert_id}", headers=other_company.headers).status_code == 404
    )
    db.expire_all()
    denied = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert.read", AuditEvent.outcome == "denied")
    ).all()
    assert len(denied) >= 4


def test_roles_outside_the_policy_are_refused_and_the_refusal_audited(
    client: TestClient, db: Session, on_the_road: str, login_as
) -> None:
    alert_id = _alert(db, on_the_road)
    for role in (Role.ANALYST, Role.REQUESTER, Role.AUDITOR, Role.ADMIN):
        who = login_as(role)
        response = client.get(f"/api/v1/alerts/{alert_id}", headers=who.headers)
        assert response.status_code == 403 and response.json()["permission"] == "alert.read"
    escort = login_as(Role.ESCORT_COMMANDER)
    response = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge", json={}, headers=escort.headers
    )
    assert response.status_code == 403 and response.json()["permission"] == "alert.act"
    db.expire_all()
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()


def test_a_silent_alert_reaches_the_control_rooms_only(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    sender = login_as(Role.ESCORT_COMMANDER, agency_id=mworld.world.guest)
    colleague = login_as(Role.ESCORT_COMMANDER, agency_id=mworld.world.guest)
    alert_id = _alert(
        db,
        on_the_road,
        kind="duress",
        severity="critical",
        key="duress:x",
        silent=True,
        detail={"sender_user_id": sender.user_id},
    )
    for who in (sender, colleague):
        assert client.get("/api/v1/alerts", headers=who.headers).json()["items"] == []
        assert client.get(f"/api/v1/alerts/{alert_id}", headers=who.headers).status_code == 404
    guest_room = login_as(Role.OPS_OFFICER, agency_id=mworld.world.guest)
    seen = client.get(f"/api/v1/alerts/{alert_id}", headers=guest_room.headers)
    assert seen.status_code == 200 and seen.json()["silent"] is True


def test_acknowledge_resolve_and_escalate_through_the_api(
    client: TestClient, db: Session, mworld: MovementWorld, on_the_road: str, login_as
) -> None:
    alert_id = _alert(db, on_the_road)
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    base = f"/api/v1/alerts/{alert_id}"
    ack = client.post(f"{base}/acknowledge", json={"note": "on it"}, headers=ops.headers)
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert ack.json()["acknowledged_by"] == ops.username
    again = client.post(f"{base}/acknowledge", json={}, headers=ops.headers)
    assert again.status_code == 409 and ops.username in again.json()["detail"]
    up = client.post(f"{base}/escalate", json={"note": "no radio contact"}, headers=ops.headers)
    assert up.status_code == 200 and up.json()["escalation_step"] == 1
    no_note = client.post(f"{base}/resolve", json={"note": ""}, headers=ops.headers)
    assert no_note.status_code == 422
    db.expire_all()
    assert db.get(Alert, alert_id).status == "acknowledged"  # the refused resolve kept nothing
    done = client.post(
        f"{base}/resolve", json={"note": "convoy back on route"}, headers=ops.headers
    )
    assert done.status_code == 200
    actions = [e["action"] for e in done.json()["events"]]
    assert actions == ["opened", "acknowledged", "escalated", "resolved"]
    cap = client.get(f"{base}/cap", headers=ops.headers)
    assert cap.headers["content-type"].startswith("application/cap+xml")
    assert "<msgType>Cancel</msgType>" in cap.text
    filtered = client.get("/api/v1/alerts", params={"status": "open"}, headers=ops.headers)
    assert filtered.json()["items"] == []
    by_kind = client.get("/api/v1/alerts", params={"kind": "deviation"}, headers=ops.headers)
    assert [a["id"] for a in by_kind.json()["items"]] == [alert_id]


def test_contact_points_are_managed_per_agency(
    client: TestClient, db: Session, mworld: MovementWorld, login_as
) -> None:
    sindh = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    made = client.post(
        "/api/v1/contact-points",
        json={"channel": "webhook", "target": "https://sindh.example/hook", "secret": "s" * 32},
        headers=sindh.headers,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["agency_id"] == mworld.world.host_sindh and body["has_secret"] is True
    assert "secret" not in body
    elsewhere = client.post(
        "/api/v1/contact-points",
        json={"channel": "email", "target": "x@kp.example", "agency_id": mworld.world.host_kp},
        headers=sindh.headers,
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "agency_id"
    bad = client.post(
        "/api/v1/contact-points",
        json={"channel": "sms", "target": "call me"},
        headers=sindh.headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "target"
    kp = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_kp)
    assert client.get("/api/v1/contact-points", headers=kp.headers).json() == []
    point = body["id"]
    assert client.get(f"/api/v1/contact-points/{point}", headers=kp.headers).status_code == 404
    admin = login_as(Role.ADMIN)
    by_admin = client.post(
        "/api/v1/contact-points",
        json={"channel": "email", "target": "duty@kp.example", "agency_id": mworld.world.host_kp},
        headers=admin.headers,
    )
    assert by_admin.status_code == 201
    assert len(client.get("/api/v1/contact-points", headers=admin.headers).json()) == 2
    changed = client.patch(
        f"/api/v1/contact-points/{point}", json={"from_step": 1}, headers=sindh.headers
    )
    assert changed.json()["from_step"] == 1
    assert (
        client.delete(f"/api/v1/contact-points/{point}", headers=sindh.headers).status_code == 204
    )
    db.expire_all()
    assert db.get(ContactPoint, point).active is False
    requester = login_as(Role.REQUESTER)
    assert client.get("/api/v1/contact-points", headers=requester.headers).status_code == 403
