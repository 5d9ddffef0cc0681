"""Cross-site writes with the session cookie are refused; every page carries the browser
protections (CSP, no framing, no sniffing)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TEST_PASSWORD
from tests.identity.test_sessions import form_login, form_logout

# Bodyless state-changing endpoints: a cross-site form could post to them with no JSON at all.
BODYLESS = [
    "/logout",
    "/api/v1/auth/logout",
    "/api/v1/movements/00000000-0000-0000-0000-000000000000/submit",
    "/api/v1/movements/00000000-0000-0000-0000-000000000000/start",
]


@pytest.mark.parametrize("path", BODYLESS)
@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
def test_a_cross_site_cookie_post_is_refused_before_it_reaches_the_endpoint(
    path: str, origin: str, client: TestClient, login_as: Any
) -> None:
    ops = login_as("ops_officer")
    client.cookies.clear()
    form_login(client, ops.username, TEST_PASSWORD)
    response = client.post(path, headers={"Origin": origin}, follow_redirects=False)
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "urn:jsms:problem:cross-site"
    assert client.get("/api/v1/auth/me").status_code == 200, "the session must survive"


def test_a_same_site_cookie_post_and_a_bearer_post_pass(client: TestClient, login_as: Any) -> None:
    ops = login_as("ops_officer")
    client.cookies.clear()
    form_login(client, ops.username, TEST_PASSWORD)
    same = form_logout(client, headers={"Origin": "http://testserver"})
    assert same.status_code == 303
    bearer = client.post(
        "/api/v1/auth/logout", headers={**ops.headers, "Origin": "https://evil.example"}
    )
    assert bearer.status_code in (200, 204), bearer.text


@pytest.mark.parametrize("path", ["/login", "/api/docs", "/api/openapi.json", "/healthz"])
def test_every_response_carries_the_browser_protections(path: str, client: TestClient) -> None:
    headers = client.get(path).headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    if path != "/api/docs":
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
