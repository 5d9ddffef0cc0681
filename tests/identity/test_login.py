"""Logging in: passwords, second factor, lock-out, logout and token revocation."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient

from tests.conftest import TEST_PASSWORD


def test_bearer_token_opens_the_api_and_logout_revokes_it(client: TestClient, login_as) -> None:
    ops = login_as("ops_officer")
    me = client.get("/api/v1/auth/me", headers=ops.headers)
    assert me.status_code == 200
    assert me.json()["roles"] == ["ops_officer"]
    assert "person.pii.read" in me.json()["permissions"]

    assert client.post("/api/v1/auth/logout", headers=ops.headers).status_code == 204
    after = client.get("/api/v1/auth/me", headers=ops.headers)
    assert after.status_code == 401
    assert after.headers["content-type"].startswith("application/problem+json")


def test_admin_needs_the_second_factor(client: TestClient, login_as) -> None:
    admin = login_as("admin")
    no_code = client.post(
        "/api/v1/auth/token", json={"username": admin.username, "password": TEST_PASSWORD}
    )
    assert no_code.status_code == 401
    assert "a code is required for admin and approver accounts" in no_code.json()["detail"]
    wrong = client.post(
        "/api/v1/auth/token",
        json={"username": admin.username, "password": TEST_PASSWORD, "totp_code": "000000"},
    )
    assert wrong.status_code == 401
    right = client.post(
        "/api/v1/auth/token",
        json={
            "username": admin.username,
            "password": TEST_PASSWORD,
            "totp_code": pyotp.TOTP(admin.totp_secret).now(),
        },
    )
    assert right.status_code == 200


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: TestClient, login_as
) -> None:
    ops = login_as("ops_officer")
    for _ in range(5):
        bad = client.post(
            "/api/v1/auth/token", json={"username": ops.username, "password": "wrong-password-1"}
        )
        assert bad.status_code == 401
    locked = client.post(
        "/api/v1/auth/token", json={"username": ops.username, "password": TEST_PASSWORD}
    )
    assert locked.status_code == 423
    assert "locked" in locked.json()["detail"]


def test_a_second_factor_code_works_only_once(client: TestClient, login_as) -> None:
    approver = login_as("approver")
    totp = pyotp.TOTP(approver.totp_secret)
    body = {"username": approver.username, "password": TEST_PASSWORD, "totp_code": totp.now()}
    assert client.post("/api/v1/auth/token", json=body).status_code == 200
    replayed = client.post("/api/v1/auth/token", json=body)
    assert replayed.status_code == 401
