"""Sessions and accounts: cookie login through the UI, logout, own sessions, admin controls.

test_login.py covers bearer tokens, the admin second factor and the lock-out itself.
"""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.identity import service as identity
from jsms.identity.models import User
from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_of

PUBLIC_USER_FIELDS = {
    "id",
    "username",
    "display_name",
    "agency_id",
    "roles",
    "clearance",
    "active",
    "locked_until",
    "second_factor",
}


def form_login(client: TestClient, username: str, password: str, totp_code: str = ""):
    """Log in as a browser does: open the login page for its form token, then post the form."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "totp_code": totp_code,
            "csrf_token": token,
        },
        follow_redirects=False,
    )


def form_logout(client: TestClient, **kwargs: Any):
    """Press "Log out" on the home page (the form carries the session's token)."""
    token = csrf_of(client.get("/").text)
    return client.post("/logout", data={"csrf_token": token}, follow_redirects=False, **kwargs)


def session_id_of(db: Session, token: str) -> str:
    db.rollback()
    session_id = identity.authenticate(db, token).session_id
    assert session_id
    return session_id


# The UI: cookie login, the landing page, logout --------------------------------------------


def test_form_login_sets_a_strict_httponly_cookie_and_shows_the_user(
    client: TestClient, login_as
) -> None:
    ops = login_as("ops_officer")
    client.cookies.clear()
    response = form_login(client, ops.username, TEST_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    [cookie] = [c for c in response.headers.get_list("set-cookie") if "jsms_session=" in c]
    name, _, rest = cookie.partition("=")
    token = rest.split(";", 1)[0]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert name == "jsms_session" and len(token) >= 32
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes

    home = client.get("/")
    assert home.status_code == 200
    assert ops.username in home.text
    assert "SPU-S" in home.text  # the user's agency
    # The same cookie opens the API, as the user and nobody else.
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["username"] == ops.username


def test_landing_page_without_a_session_goes_to_login(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    page = client.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text


@pytest.mark.parametrize(
    ("username", "password"),
    [("known", "wrong-password-123"), ("nobody-by-this-name", TEST_PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_password_re_renders_the_login_page_with_an_error(
    username: str, password: str, client: TestClient, login_as
) -> None:
    ops = login_as("ops_officer")
    client.cookies.clear()
    response = form_login(client, ops.username if username == "known" else username, password)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text
    # The same words whether or not the account exists: no probing for usernames.
    assert "wrong username, password or code" in response.text
    assert 'name="password"' in response.text
    assert "jsms_session" not in response.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_login_failures_do_not_reveal_whether_an_account_exists(
    client: TestClient, login_as
) -> None:
    ops = login_as("ops_officer")
    answers = [
        client.post("/api/v1/auth/token", json={"username": name, "password": "wrong-pw-123"})
        for name in (ops.username, "no.such.user")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()


def test_form_login_of_an_approver_needs_the_second_factor(client: TestClient, login_as) -> None:
    approver = login_as("approver")
    client.cookies.clear()
    without = form_login(client, approver.username, TEST_PASSWORD)
    assert without.status_code == 401 and "a code is required" in without.text
    assert "jsms_session" not in without.headers.get("set-cookie", "")
    code = pyotp.TOTP(approver.totp_secret).now()
    with_code = form_login(client, approver.username, TEST_PASSWORD, code)
    assert with_code.status_code == 303
    assert approver.username in client.get("/").text


def test_logout_ends_the_cookie_session(client: TestClient, login_as) -> None:
    ops = login_as("ops_officer")
    client.cookies.clear()
    form_login(client, ops.username, TEST_PASSWORD)
    token = client.cookies["jsms_session"]
    assert client.get("/api/v1/auth/me").status_code == 200

    response = form_logout(client)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "jsms_session=" in response.headers["set-cookie"]  # told to forget the cookie
    assert "jsms_session" not in client.cookies

    # The token itself is dead, not merely forgotten by this browser.
    client.cookies.set("jsms_session", token)
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.clear()
    # The bearer token of the same user, another session, still works.
    assert client.get("/api/v1/auth/me", headers=ops.headers).status_code == 200


# Own sessions --------------------------------------------------------------------------------


def test_a_user_lists_and_revokes_own_sessions(client: TestClient, db: Session, login_as) -> None:
    ops = login_as("ops_officer")
    laptop = client.post(
        "/api/v1/auth/token", json={"username": ops.username, "password": TEST_PASSWORD}
    ).json()["access_token"]
    laptop_headers = {"Authorization": f"Bearer {laptop}"}
    client.cookies.clear()
    form_login(client, ops.username, TEST_PASSWORD)
    client.cookies.clear()

    listed = client.get("/api/v1/auth/sessions", headers=ops.headers)
    assert listed.status_code == 200
    sessions = listed.json()
    assert sorted(s["kind"] for s in sessions) == ["bearer", "bearer", "cookie"]
    for entry in sessions:
        assert set(entry) == {"id", "kind", "created_at", "expires_at", "client"}
        assert laptop not in str(entry) and ops.token not in str(entry)

    laptop_session = session_id_of(db, laptop)
    assert laptop_session in {s["id"] for s in sessions}
    revoked = client.delete(f"/api/v1/auth/sessions/{laptop_session}", headers=ops.headers)
    assert revoked.status_code == 204
    assert client.get("/api/v1/auth/me", headers=laptop_headers).status_code == 401
    assert client.get("/api/v1/auth/me", headers=ops.headers).status_code == 200
    remaining = client.get("/api/v1/auth/sessions", headers=ops.headers).json()
    assert laptop_session not in {s["id"] for s in remaining} and len(remaining) == 2


def test_nobody_revokes_or_sees_another_users_sessions(
    client: TestClient, db: Session, login_as
) -> None:
    ops = login_as("ops_officer")
    other = login_as("ops_officer")
    victim_session = session_id_of(db, ops.token)
    response = client.delete(f"/api/v1/auth/sessions/{victim_session}", headers=other.headers)
    assert response.status_code == 404
    assert client.get("/api/v1/auth/me", headers=ops.headers).status_code == 200
    theirs = client.get("/api/v1/auth/sessions", headers=other.headers).json()
    assert victim_session not in {s["id"] for s in theirs}


# Admin controls ------------------------------------------------------------------------------


def test_disabling_a_user_revokes_their_tokens_at_once(client: TestClient, login_as) -> None:
    admin = login_as("admin")
    ops = login_as("ops_officer")
    assert client.get("/api/v1/auth/me", headers=ops.headers).status_code == 200

    disabled = client.patch(
        f"/api/v1/users/{ops.user_id}", json={"active": False}, headers=admin.headers
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=ops.headers).status_code == 401
    assert client.get("/api/v1/persons", headers=ops.headers).status_code == 401
    relogin = client.post(
        "/api/v1/auth/token", json={"username": ops.username, "password": TEST_PASSWORD}
    )
    assert relogin.status_code == 401

    enabled = client.patch(
        f"/api/v1/users/{ops.user_id}", json={"active": True}, headers=admin.headers
    )
    assert enabled.json()["active"] is True
    # Re-enabling does not resurrect the old token; a fresh login works.
    assert client.get("/api/v1/auth/me", headers=ops.headers).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": ops.username, "password": TEST_PASSWORD}
        ).status_code
        == 200
    )


def test_admin_revokes_every_session_of_a_user(client: TestClient, login_as) -> None:
    admin = login_as("admin")
    ops = login_as("ops_officer")
    second = client.post(
        "/api/v1/auth/token", json={"username": ops.username, "password": TEST_PASSWORD}
    ).json()["access_token"]
    response = client.post(f"/api/v1/users/{ops.user_id}/revoke-sessions", headers=admin.headers)
    assert response.status_code == 200 and response.json() == {"revoked": 2}
    for token in (ops.token, second):
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200


def test_unlock_clears_a_lock_out(client: TestClient, login_as) -> None:
    admin = login_as("admin")
    ops = login_as("ops_officer")
    body = {"username": ops.username, "password": "wrong-password-1"}
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    right = {"username": ops.username, "password": TEST_PASSWORD}
    assert client.post("/api/v1/auth/token", json=right).status_code == 423
    shown = client.get(f"/api/v1/users/{ops.user_id}", headers=admin.headers).json()
    assert shown["locked_until"] is not None

    unlocked = client.patch(
        f"/api/v1/users/{ops.user_id}", json={"unlock": True}, headers=admin.headers
    )
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    assert client.post("/api/v1/auth/token", json=right).status_code == 200
    # The failure count starts again from nothing: one more miss does not re-lock.
    assert client.post("/api/v1/auth/token", json=body).status_code == 401
    assert client.post("/api/v1/auth/token", json=right).status_code == 200


# Creating users ------------------------------------------------------------------------------


def new_user(world, role: str, username: str, password: str = "a-long-enough-password") -> dict:
    return {
        "username": username,
        "display_name": username.replace(".", " ").title(),
        "agency_id": world.host_sindh,
        "roles": [role],
        "password": password,
    }


def test_new_approver_gets_a_totp_uri_once_and_no_secret_is_ever_shown(
    client: TestClient, db: Session, world, login_as
) -> None:
    admin = login_as("admin")
    created = client.post(
        "/api/v1/users", json=new_user(world, "approver", "ahmed.khan"), headers=admin.headers
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["second_factor"] is True
    totp = pyotp.parse_uri(user["totp_uri"])
    assert user["totp_uri"].startswith("otpauth://totp/") and totp.issuer == "JSMS"
    secret = totp.secret

    # The URI works: password and code open the account; the password alone does not.
    login = {"username": "ahmed.khan", "password": "a-long-enough-password"}
    assert client.post("/api/v1/auth/token", json=login).status_code == 401
    login["totp_code"] = totp.now()
    assert client.post("/api/v1/auth/token", json=login).status_code == 200

    db.rollback()
    stored = db.get(User, user["id"])
    assert stored is not None and stored.password_hash.startswith("$argon2id$")

    shown = [
        client.get(f"/api/v1/users/{user['id']}", headers=admin.headers).json(),
        *client.get("/api/v1/users", headers=admin.headers).json()["items"],
        client.patch(f"/api/v1/users/{user['id']}", json={}, headers=admin.headers).json(),
    ]
    for record in shown:
        assert PUBLIC_USER_FIELDS <= set(record) <= PUBLIC_USER_FIELDS | {"totp_uri"}
        assert record.get("totp_uri") is None
        text = str(record)
        assert secret not in text and "$argon2" not in text and "a-long-enough" not in text


def test_reset_second_factor_issues_a_new_uri_and_retires_the_old_secret(
    client: TestClient, world, login_as
) -> None:
    admin = login_as("admin")
    user = client.post(
        "/api/v1/users", json=new_user(world, "approver", "sana.mir"), headers=admin.headers
    ).json()
    old = pyotp.parse_uri(user["totp_uri"])
    reset = client.patch(
        f"/api/v1/users/{user['id']}", json={"reset_second_factor": True}, headers=admin.headers
    ).json()
    new = pyotp.parse_uri(reset["totp_uri"])
    assert new.secret != old.secret
    login = {"username": "sana.mir", "password": "a-long-enough-password"}
    if old.now() != new.now():
        refused = client.post("/api/v1/auth/token", json={**login, "totp_code": old.now()})
        assert refused.status_code == 401
    accepted = client.post("/api/v1/auth/token", json={**login, "totp_code": new.now()})
    assert accepted.status_code == 200


def test_a_user_without_second_factor_role_gets_no_totp_uri(
    client: TestClient, world, login_as
) -> None:
    admin = login_as("admin")
    user = client.post(
        "/api/v1/users", json=new_user(world, "ops_officer", "bilal.shah"), headers=admin.headers
    ).json()
    assert user["totp_uri"] is None and user["second_factor"] is False


@pytest.mark.parametrize("role", ["ops_officer", "approver", "auditor", "requester", "analyst"])
def test_a_non_admin_cannot_create_users(
    role: str, client: TestClient, db: Session, world, login_as
) -> None:
    caller = login_as(role)
    db.rollback()
    before = db.scalar(select(func.count(User.id)))
    response = client.post(
        "/api/v1/users", json=new_user(world, "admin", "mallory.x"), headers=caller.headers
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    db.rollback()
    assert db.scalar(select(func.count(User.id))) == before
    assert db.scalar(select(User.id).where(User.username == "mallory.x")) is None


@pytest.mark.parametrize(
    ("password", "status"),
    [("", 422), ("short", 422), ("elevenchars", 422), ("twelve-chars", 201)],
    ids=["empty", "5", "11", "12"],
)
def test_passwords_shorter_than_12_characters_are_refused(
    password: str, status: int, client: TestClient, db: Session, world, login_as
) -> None:
    admin = login_as("admin")
    body = new_user(world, "ops_officer", "short.pw", password=password)
    response = client.post("/api/v1/users", json=body, headers=admin.headers)
    assert response.status_code == status, response.text
    db.rollback()
    exists = db.scalar(select(User.id).where(User.username == "short.pw")) is not None
    assert exists is (status == 201)
    if status == 422:
        problem = response.json()
        assert {e["field"] for e in problem["errors"]} == {"body.password"}
        assert "12" in problem["detail"]


def test_the_service_refuses_short_passwords_too(db: Session, world) -> None:
    """The CLI and the demo loader go through the service, not the API schema."""
    from jsms.errors import Invalid

    with pytest.raises(Invalid, match="12"):
        identity.hash_password("elevenchars")


# Audit trail of logins -----------------------------------------------------------------------


def test_every_login_success_and_failure_is_in_the_audit_trail(
    client: TestClient, login_as
) -> None:
    ops = login_as("ops_officer")  # one bearer login
    auditor = login_as("auditor")
    client.post("/api/v1/auth/token", json={"username": ops.username, "password": "wrong-pw-1"})
    client.post("/api/v1/auth/token", json={"username": "ghost.user", "password": "whatever-1"})
    client.cookies.clear()
    form_login(client, ops.username, TEST_PASSWORD)
    form_login(client, ops.username, "wrong-pw-2")
    client.cookies.clear()

    response = client.get(
        "/api/v1/audit/events",
        params={"action": "auth.login", "per_page": 200},
        headers=auditor.headers,
    )
    assert response.status_code == 200
    events = [e for e in response.json()["items"] if e["action"] == "auth.login"]
    assert len(events) == response.json()["total"]
    mine = sorted(
        ((e["outcome"], e["detail"].get("kind") or e["detail"].get("reason")))
        for e in events
        if e["object_id"] == ops.user_id
    )
    assert mine == [
        ("failed", "wrong password"),
        ("failed", "wrong password"),
        ("ok", "bearer"),
        ("ok", "cookie"),
    ]
    ghost = [e for e in events if e["detail"].get("username") == "ghost.user"]
    assert len(ghost) == 1 and ghost[0]["outcome"] == "failed"
    assert ghost[0]["detail"]["reason"] == "unknown user"
    auditor_logins = [e for e in events if e["object_id"] == auditor.user_id]
    assert [e["outcome"] for e in auditor_logins] == ["ok"]

    failed = client.get(
        "/api/v1/audit/events",
        params={"action": "auth.login", "outcome": "failed"},
        headers=auditor.headers,
    ).json()
    assert failed["total"] == 3
    for event in events:  # nothing secret in the trail
        assert "wrong-pw" not in str(event) and TEST_PASSWORD not in str(event)
