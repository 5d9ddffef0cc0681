"""A failed login says nothing about which part was wrong, or which accounts need a code.

Only someone who gave the right password and a right code hears that the code was used.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import TEST_PASSWORD, Login
from tests.web.conftest import csrf_of

WRONG = "wrong-password-456"
GENERIC = "wrong username, password or code"


@pytest.fixture
def unlock(db: Session):
    """Clear failed logins, so a test can try more bad logins than the lock-out allows."""
    from jsms.identity import service as identity

    def _unlock(login: Login) -> None:
        db.rollback()
        identity.unlock_user(db, identity.get_user(db, login.user_id))
        db.commit()

    return _unlock


def _api(client: TestClient, username: str, password: str, code: str | None = None):
    body = {"username": username, "password": password}
    if code is not None:
        body["totp_code"] = code
    response = client.post("/api/v1/auth/token", json=body)
    return response.status_code, response.json()


def _form(client: TestClient, username: str, password: str, code: str = ""):
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    data = {"username": username, "password": password, "totp_code": code, "csrf_token": token}
    response = client.post("/login", data=data, follow_redirects=False)
    # each visit gets its own form token, and the form keeps the name typed; the words around
    # them must be the same
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)
    return response.status_code, text.replace(f'value="{username}"', 'value=""')


def _fresh_code(secret: str) -> str:
    """The current code, never in the last seconds of its step."""
    totp = pyotp.TOTP(secret)
    remaining = totp.interval - time.time() % totp.interval
    if remaining < 3:
        time.sleep(remaining + 0.1)
    return totp.now()


@pytest.mark.parametrize("ask", [_api, _form], ids=["api", "form"])
def test_without_a_code_every_failure_reads_the_same(
    ask, client: TestClient, login_as, unlock
) -> None:
    approver, admin, ops = login_as("approver"), login_as("admin"), login_as("ops_officer")
    answers = {
        "approver, right password": ask(client, approver.username, TEST_PASSWORD),
        "approver, wrong password": ask(client, approver.username, WRONG),
        "admin, right password": ask(client, admin.username, TEST_PASSWORD),
        "ops officer, wrong password": ask(client, ops.username, WRONG),
        "unknown user": ask(client, "no.such.user", TEST_PASSWORD),
    }
    for login in (approver, admin, ops):
        unlock(login)
    first = answers["approver, right password"]
    assert first[0] == 401
    assert GENERIC in str(first[1])
    assert "admin and approver accounts" in str(first[1])  # says who needs a code, not whether
    assert answers == dict.fromkeys(answers, first)


@pytest.mark.parametrize("ask", [_api, _form], ids=["api", "form"])
def test_a_wrong_code_reads_the_same_whatever_the_password(
    ask, client: TestClient, login_as
) -> None:
    approver = login_as("approver")
    right_pw = ask(client, approver.username, TEST_PASSWORD, "000000")
    wrong_pw = ask(client, approver.username, WRONG, "000000")
    assert right_pw[0] == 401 and right_pw == wrong_pw
    assert GENERIC in str(right_pw[1])


@pytest.mark.parametrize("ask", [_api, _form], ids=["api", "form"])
def test_a_used_code_is_named_only_to_whoever_knows_the_password(
    ask, client: TestClient, login_as
) -> None:
    approver = login_as("approver")
    code = _fresh_code(approver.totp_secret)
    assert ask(client, approver.username, TEST_PASSWORD, code)[0] in (200, 303)
    wrong_pw = ask(client, approver.username, WRONG, code)
    assert wrong_pw[0] == 401 and GENERIC in str(wrong_pw[1])
    assert "already used" not in str(wrong_pw[1])
    replayed = ask(client, approver.username, TEST_PASSWORD, code)
    assert replayed[0] == 401
    assert "already used" in str(replayed[1])
    assert GENERIC not in str(replayed[1])


def test_the_trail_still_says_what_was_wrong(client: TestClient, db: Session, login_as) -> None:
    from sqlalchemy import select

    from jsms.audit.models import AuditEvent

    approver = login_as("approver")
    _api(client, approver.username, TEST_PASSWORD)
    _api(client, approver.username, WRONG)
    db.rollback()
    reasons = [
        e.detail["reason"]
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "auth.login", AuditEvent.object_id == approver.user_id)
            .where(AuditEvent.outcome == "failed")
            .order_by(AuditEvent.seq)
        )
    ]
    assert reasons == ["second factor required", "wrong password"]
