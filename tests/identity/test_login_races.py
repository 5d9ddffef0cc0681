"""Logins that arrive together, against a live server: the lock-out and one-use codes hold.

Passwords are hashed with a light argon2 cost here so that a burst is quick, yet each check
still takes long enough for the requests to overlap.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import httpx
import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from tests.conftest import TEST_PASSWORD

LIMIT = 5  # JSMS_MAX_FAILED_LOGINS, the default


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from jsms.identity import credentials

    monkeypatch.setattr(
        credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    )


def _burst(url: str, bodies: list[dict]) -> list[int]:
    """POST every body to the token endpoint at once; the statuses in order."""
    start = threading.Barrier(len(bodies))
    with httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_connections=100)) as http:

        def post(body: dict) -> int:
            start.wait()
            return http.post("/api/v1/auth/token", json=body).status_code

        with ThreadPoolExecutor(len(bodies)) as pool:
            return list(pool.map(post, bodies))


def _login_events(db: Session, user_id: str) -> list[AuditEvent]:
    db.rollback()
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "auth.login", AuditEvent.object_id == user_id
            )
        )
    )


def test_a_burst_of_wrong_passwords_checks_no_more_than_the_limit(
    live_server: str, db: Session, login_as
) -> None:
    ops = login_as("ops_officer")
    began = time.monotonic()
    statuses = _burst(live_server, [{"username": ops.username, "password": "wrong-pass-42"}] * 60)
    assert set(statuses) <= {401, 423}
    checked = [
        e for e in _login_events(db, ops.user_id) if e.detail.get("reason") == "wrong password"
    ]
    assert len(checked) == LIMIT
    assert statuses.count(401) == LIMIT
    with httpx.Client(base_url=live_server) as http:
        after = http.post(
            "/api/v1/auth/token", json={"username": ops.username, "password": TEST_PASSWORD}
        )
    assert after.status_code == 423, after.text
    assert time.monotonic() - began < 10


def test_a_right_password_sent_during_a_burst_is_refused_once_the_lock_holds(
    live_server: str, login_as
) -> None:
    ops = login_as("ops_officer")
    wrong = {"username": ops.username, "password": "wrong-pass-42"}
    right = {"username": ops.username, "password": TEST_PASSWORD}
    with (
        httpx.Client(base_url=live_server, timeout=30) as http,
        ThreadPoolExecutor(40) as pool,
    ):
        pending = [pool.submit(http.post, "/api/v1/auth/token", json=wrong) for _ in range(40)]
        for done in as_completed(pending):
            if done.result().status_code == 423:
                break
        mid_burst = http.post("/api/v1/auth/token", json=right)
    assert mid_burst.status_code == 423, mid_burst.text


def test_one_code_sent_thirty_times_at_once_opens_one_session(
    live_server: str, db: Session, login_as
) -> None:
    approver = login_as("approver")
    totp = pyotp.TOTP(approver.totp_secret)
    if totp.interval - time.time() % totp.interval < 5:
        time.sleep(6)  # not across a step boundary: the code must stay the newest one
    body = {"username": approver.username, "password": TEST_PASSWORD, "totp_code": totp.now()}
    statuses = _burst(live_server, [body] * 30)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 401, 423}
    opened = [e for e in _login_events(db, approver.user_id) if e.outcome == "ok"]
    assert len(opened) == 2  # the fixture's login, and one of the thirty
