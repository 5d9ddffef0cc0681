"""Login, logout and the home page per role, through the pages as a browser uses them."""

from __future__ import annotations

from tests.web.conftest import csrf_of


def test_a_page_without_login_goes_to_the_login_page_and_back(client) -> None:
    response = client.get("/?tab=today", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Ftab%3Dtoday"


def test_login_form_without_its_token_is_refused(client, login_as) -> None:
    login = login_as("analyst")
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": login.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 403
    assert "reload the page" in response.text


def test_wrong_password_re_renders_the_form_with_the_reason(client, login_as) -> None:
    login = login_as("analyst")
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": login.username, "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert login.username in response.text  # the username is kept in the form


def test_analyst_home_shows_the_review_queue_and_only_their_menu(browse, client) -> None:
    browse("analyst")
    page = client.get("/").text
    assert "OSINT review queue" in page
    assert 'href="/review"' in page
    assert 'href="/approvals"' not in page  # analysts approve nothing
    assert 'href="/audit"' not in page


def test_approver_home_lists_decisions_owed(browse, client) -> None:
    browse("approver")
    page = client.get("/").text
    assert "Decisions your agency owes" in page
    assert 'href="/approvals"' in page


def test_auditor_home_shows_anomalies(browse, client) -> None:
    browse("auditor")
    page = client.get("/").text
    assert "Anomalies in the last 7 days" in page


def test_logout_needs_the_form_token_and_ends_the_session(browse, client) -> None:
    browse("analyst")
    assert client.post("/logout", data={}).status_code == 403
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
