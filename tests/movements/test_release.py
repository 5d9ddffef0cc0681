"""Releasing an approved movement's order before its usual time: only an approver of a party
force, with a reason, audited; the assigned units see the plan from that moment."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from tests.movements.conftest import MovementWorld

REASON = "the guest team briefs the evening before departure"


def _release(client: TestClient, login, movement_id: str, reason: str = REASON):
    return client.post(
        f"/api/v1/movements/{movement_id}/release", headers=login.headers, json={"reason": reason}
    )


def test_a_party_force_releases_the_order_early_and_the_escort_then_sees_the_plan(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    escort = login_as("escort_commander", agency_id=mworld.world.guest)
    plan = f"/api/v1/movements/{approved}/plan"
    assert client.get(plan, headers=escort.headers).status_code == 403  # not yet released
    guest_approver = login_as("approver", agency_id=mworld.world.guest)
    released = _release(client, guest_approver, approved)
    assert released.status_code == 200, released.text
    assert client.get(plan, headers=escort.headers).status_code == 200
    db.rollback()
    [event] = db.query(AuditEvent).filter_by(action="movement.release", object_id=approved).all()
    assert event.detail["reason"] == REASON and event.actor_name == guest_approver.username
    assert event.detail["was_due"] is not None
    again = _release(client, guest_approver, approved)
    assert again.status_code == 409 and "already released" in again.json()["detail"]


def test_who_may_not_release_and_why(
    client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    company_approver = login_as("approver", agency_id=mworld.world.company_a)
    refused = _release(client, company_approver, approved)
    assert refused.status_code == 403 and "host force or guest detail" in refused.json()["detail"]
    outsider = login_as("approver", agency_id=mworld.world.host_kp)
    assert _release(client, outsider, approved).status_code == 404
    ops = login_as("ops_officer", agency_id=mworld.world.host_sindh)
    assert _release(client, ops, approved).status_code == 403  # approvers only
    sindh = login_as("approver", agency_id=mworld.world.host_sindh)
    short = _release(client, sindh, approved, reason="now")
    assert short.status_code == 422
