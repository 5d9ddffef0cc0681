"""Logging in through the login page, as a browser does, for the page tests."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TEST_PASSWORD, Login, unspent_code

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The form token a page carries (every state-changing form has one)."""
    found = TOKEN.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def page_login(client: TestClient, login: Login) -> TestClient:
    """Log `login` in through /login so the client holds the session cookie."""
    client.cookies.clear()
    form = {"username": login.username, "password": TEST_PASSWORD}
    if login.totp_secret:
        # a step after the one the bearer login spent
        form["totp_code"], login.spent_step = unspent_code(login.totp_secret, login.spent_step)
    form["csrf_token"] = csrf_of(client.get("/login").text)
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def browse(client: TestClient, login_as):
    """browse(role, agency_id=None) -> a client logged in through the page as that role."""

    def _browse(role: str, agency_id: str | None = None, person_id: str | None = None):
        login = login_as(role, agency_id=agency_id, person_id=person_id)
        page_login(client, login)
        return login

    return _browse
