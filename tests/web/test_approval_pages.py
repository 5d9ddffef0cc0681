"""The approver's queue and decision page: the plan to judge, and a decision that takes a
fresh authenticator code (a wrong or reused one decides nothing and is audited)."""

from __future__ import annotations

import time

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.models import User
from jsms.movements.models import Movement, MovementApproval
from tests.conftest import Login
from tests.movements.conftest import MovementWorld, mworld, submitted
from tests.web.forms import token_of_form

__all__ = ["mworld", "submitted"]  # fixtures used by the tests below


def use_session(client: TestClient, login: Login) -> None:
    """Browse as `login` with its session token as the cookie (no wait for a login code)."""
    client.cookies.clear()
    client.cookies.set("jsms_session", login.token)


def approval(db: Session, movement_id: str, party: str) -> MovementApproval:
    db.rollback()
    db.expire_all()
    return db.scalars(
        select(MovementApproval).where(
            MovementApproval.movement_id == movement_id, MovementApproval.party == party
        )
    ).one()


def step_ups(db: Session, user_id: str) -> list[AuditEvent]:
    db.rollback()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "auth.step_up", AuditEvent.actor_id == user_id)
            .order_by(AuditEvent.seq)
        )
    )


def test_approver_decides_from_the_queue_with_a_fresh_code(
    browse, client: TestClient, db: Session, submitted: str
) -> None:
    login = browse("approver")  # Sindh SPU, through the login form and its code
    queue = client.get("/approvals")
    assert queue.status_code == 200
    reference = db.get(Movement, submitted).reference
    assert reference in queue.text and f'href="/approvals/{submitted}"' in queue.text
    assert "host:Sindh" in queue.text
    viewed = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "movement.details.read", AuditEvent.actor_id == login.user_id
        )
    ).all()
    assert any(e.detail.get("via") == "approval queue" for e in viewed)

    page = client.get(f"/approvals/{submitted}")
    assert page.status_code == 200
    assert "Authenticator code" in page.text and 'data-map="plan-map"' in page.text
    assert "SOP check, rule by rule" in page.text and "guest" in page.text

    totp = pyotp.TOTP(login.totp_secret)
    fresh = totp.at(time.time() + totp.interval)  # the next step: not the login's
    decided = client.post(
        f"/approvals/{submitted}",
        data={
            "csrf_token": token_of_form(page.text, f"/approvals/{submitted}"),
            "decision": "approve",
            "code": fresh,
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert decided.headers["location"].startswith("/approvals?done=approved")
    mine = approval(db, submitted, "host:Sindh")
    assert mine.status == "approved" and mine.decided_by == login.user_id
    assert [e.outcome for e in step_ups(db, login.user_id)] == ["ok"]
    after = client.get(decided.headers["location"])
    assert "Approved for your agency" in after.text
    assert f'href="/approvals/{submitted}"' not in after.text


def test_a_wrong_or_reused_code_or_a_reasonless_rejection_decides_nothing(
    client: TestClient, db: Session, login_as, submitted: str
) -> None:
    login = login_as("approver")
    use_session(client, login)
    page = client.get(f"/approvals/{submitted}")
    token = token_of_form(page.text, f"/approvals/{submitted}")
    totp = pyotp.TOTP(login.totp_secret)
    spent = db.get(User, login.user_id).totp_last_step
    post = {"csrf_token": token, "decision": "approve"}

    wrong = client.post(f"/approvals/{submitted}", data={**post, "code": "000000"})
    assert wrong.status_code == 403
    assert 'id="e-code"' in wrong.text and "wrong code" in wrong.text
    reused = client.post(
        f"/approvals/{submitted}", data={**post, "code": totp.at(spent * totp.interval)}
    )
    assert reused.status_code == 403 and "already used" in reused.text
    no_reason = client.post(
        f"/approvals/{submitted}",
        data={"csrf_token": token, "decision": "reject", "reason": "", "code": totp.now()},
    )
    assert no_reason.status_code == 422 and 'id="e-reason"' in no_reason.text
    no_token = client.post(f"/approvals/{submitted}", data={"decision": "approve"})
    assert no_token.status_code == 403

    assert approval(db, submitted, "host:Sindh").status == "pending"
    assert db.get(User, login.user_id).totp_last_step == spent  # nothing spent by a refusal
    failures = [e.detail["reason"] for e in step_ups(db, login.user_id)]
    assert failures == ["wrong second factor", "second factor code already used"]


def test_a_rejection_with_its_reason_goes_back_to_the_requester(
    client: TestClient, db: Session, login_as, mworld: MovementWorld, submitted: str
) -> None:
    login = login_as("approver", agency_id=mworld.host_bal)
    use_session(client, login)
    page = client.get(f"/approvals/{submitted}")
    rejected = client.post(
        f"/approvals/{submitted}",
        data={
            "csrf_token": token_of_form(page.text, f"/approvals/{submitted}"),
            "decision": "reject",
            "reason": "Hub corridor closed to convoys this week",
            "code": pyotp.TOTP(login.totp_secret).now(),
        },
        follow_redirects=False,
    )
    assert rejected.status_code == 303, rejected.text
    db.rollback()
    db.expire_all()
    movement = db.get(Movement, submitted)
    assert movement.status == "rejected"
    assert movement.rejection_reason == "host:Balochistan: Hub corridor closed to convoys this week"


def test_step_up_waits_after_too_many_wrong_codes(
    client: TestClient, db: Session, login_as, submitted: str
) -> None:
    login = login_as("approver")
    use_session(client, login)
    token = token_of_form(client.get(f"/approvals/{submitted}").text, f"/approvals/{submitted}")
    post = {"csrf_token": token, "decision": "approve"}
    for _ in range(5):
        assert (
            client.post(f"/approvals/{submitted}", data={**post, "code": "000000"}).status_code
            == 403
        )
    right = client.post(
        f"/approvals/{submitted}", data={**post, "code": pyotp.TOTP(login.totp_secret).now()}
    )
    assert right.status_code == 403 and "too many wrong codes" in right.text
    assert approval(db, submitted, "host:Sindh").status == "pending"


def test_only_approvers_of_a_party_reach_the_decision(
    client: TestClient, db: Session, login_as, mworld: MovementWorld, submitted: str
) -> None:
    use_session(client, login_as("requester"))
    assert client.get("/approvals").status_code == 403
    assert client.get(f"/approvals/{submitted}").status_code == 403
    use_session(client, login_as("approver", agency_id=mworld.world.host_kp))  # not a party
    page = client.get(f"/approvals/{submitted}")
    assert page.status_code == 404 and "24.9067" not in page.text
    assert "Nothing waits" in client.get("/approvals").text
