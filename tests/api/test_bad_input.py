"""Bad input is refused with a 4xx problem+json that says what is wrong, and changes nothing.

"Nothing" is checked by counting the rows of every table (audit trail included) before and
after each refused request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jsms.identity.policy import is_allowed
from jsms.identity.roles import Role, Side
from tests.web.conftest import csrf_of

PROBLEM = "application/problem+json"
KARACHI = {"lat": 24.8607, "lon": 67.0011}
# A small square around the Karachi point, [longitude, latitude] as GeoJSON wants.
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[67.0, 24.86], [67.01, 24.86], [67.01, 24.87], [67.0, 24.87], [67.0, 24.86]]],
}


def refused(response: Any, status: int, *mentions: str) -> dict[str, Any]:
    """Assert a problem+json refusal whose text names each of `mentions`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:jsms:problem:")
    assert body["title"] and body["detail"]
    text = json.dumps(body)
    for mention in mentions:
        assert mention in text, f"{mention!r} not in {text}"
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


# Malformed JSON, wrong types and unknown fields ----------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b'{"full_name": "Li Wei", "nationality": "CN"', b"full_name=Li+Wei", b"\xff\xfe{}"],
    ids=["truncated", "form-encoded", "not-utf8"],
)
def test_malformed_json_is_refused(raw: bytes, client: TestClient, login_as, unchanged) -> None:
    requester = login_as("requester")
    unchanged()
    response = client.post(
        "/api/v1/persons",
        content=raw,
        headers={**requester.headers, "content-type": "application/json"},
    )
    body = refused(response, 422, "JSON")
    assert all(field.startswith("body") for field in fields(body))


@pytest.mark.parametrize(
    ("url", "body", "field", "reason"),
    [
        ("/api/v1/persons", {"full_name": 42, "nationality": "CN"}, "body.full_name", "string"),
        (
            "/api/v1/persons",
            {"full_name": "Li Wei", "nationality": "China"},
            "body.nationality",
            "pattern",
        ),
        (
            "/api/v1/persons",
            {"full_name": "Li Wei", "nationality": "CN", "blood_group": "C+"},
            "body.blood_group",
            "A+",
        ),
        ("/api/v1/persons", ["Li Wei", "CN"], "body", "dictionary"),
        ("/api/v1/sites", {"name": "Camp", "lat": "north", "lon": 67.0}, "body.lat", "number"),
        ("/api/v1/sites", {"name": "Camp", "lat": 24.86}, "body.lon", "Field required"),
        ("/api/v1/sites", {"name": "", **KARACHI}, "body.name", "at least 1 character"),
    ],
    ids=["int-name", "country-name", "blood-group", "array", "lat-text", "lon-missing", "empty"],
)
def test_wrong_types_are_refused_naming_the_field(
    url: str, body: Any, field: str, reason: str, client: TestClient, login_as, unchanged
) -> None:
    requester = login_as("requester")
    unchanged()
    problem = refused(client.post(url, json=body, headers=requester.headers), 422, field, reason)
    assert field in fields(problem)


def test_unknown_fields_are_refused_not_ignored(client: TestClient, login_as, unchanged) -> None:
    requester = login_as("requester")
    unchanged()
    body = {"full_name": "Li Wei", "nationality": "CN", "pasport_number": "E12345678"}
    problem = refused(
        client.post("/api/v1/persons", json=body, headers=requester.headers),
        422,
        "pasport_number",
        "Extra inputs are not permitted",
    )
    assert fields(problem) == {"body.pasport_number"}


def test_wrong_type_in_a_patch_changes_nothing(
    client: TestClient, login_as, unchanged, db_url: str
) -> None:
    requester = login_as("requester")
    person = client.post(
        "/api/v1/persons",
        json={"full_name": "Li Wei", "nationality": "CN", "job_title": "engineer"},
        headers=requester.headers,
    ).json()
    unchanged()
    refused(
        client.patch(
            f"/api/v1/persons/{person['id']}",
            json={"job_title": "site lead", "status": "fled"},
            headers=requester.headers,
        ),
        422,
        "body.status",
    )
    after = client.get(f"/api/v1/persons/{person['id']}", headers=requester.headers).json()
    assert after["job_title"] == "engineer" and after["status"] == person["status"]


# Unknown ids ---------------------------------------------------------------------------------


def test_unknown_ids_are_404_naming_the_id(client: TestClient, login_as, unchanged) -> None:
    requester = login_as("requester")
    ops = login_as("ops_officer")
    approver = login_as("approver")
    admin = login_as("admin")
    ghost = str(uuid.uuid4())
    unchanged()
    calls = [
        (requester, "GET", f"/api/v1/persons/{ghost}", None),
        (requester, "PATCH", f"/api/v1/persons/{ghost}", {"job_title": "site lead"}),
        (ops, "GET", f"/api/v1/persons/{ghost}/pii", None),
        (requester, "GET", f"/api/v1/sites/{ghost}", None),
        (requester, "POST", "/api/v1/sites", {"name": "Camp", "project_id": ghost, **KARACHI}),
        (
            requester,
            "POST",
            "/api/v1/persons",
            {"full_name": "Li Wei", "nationality": "CN", "site_id": ghost},
        ),
        (ops, "GET", f"/api/v1/units/{ghost}", None),
        (ops, "POST", "/api/v1/authorisations/check", {"unit_id": ghost, **KARACHI}),
        (approver, "POST", f"/api/v1/authorisations/{ghost}/revoke", {"reason": "ended early"}),
        (admin, "GET", f"/api/v1/users/{ghost}", None),
        (admin, "PATCH", f"/api/v1/users/{ghost}", {"active": False}),
        (admin, "POST", f"/api/v1/users/{ghost}/revoke-sessions", None),
        (admin, "GET", f"/api/v1/agencies/{ghost}", None),
        (
            admin,
            "POST",
            "/api/v1/users",
            {
                "username": "li.wei",
                "display_name": "Li Wei",
                "agency_id": ghost,
                "roles": ["ops_officer"],
                "password": "a-long-enough-password",
            },
        ),
        (ops, "DELETE", f"/api/v1/auth/sessions/{ghost}", None),
    ]
    for who, method, url, body in calls:
        params = {"reason": "escort planning"} if url.endswith("/pii") else None
        response = client.request(method, url, json=body, params=params, headers=who.headers)
        refused(response, 404, ghost)


def test_ids_that_name_the_wrong_kind_of_thing_are_refused(
    client: TestClient, login_as, world, unchanged
) -> None:
    approver = login_as("approver")
    unchanged()
    grant = {
        "guest_agency_id": world.company_a,  # a company, not a guest force
        "provinces": ["Sindh"],
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-02-01T00:00:00Z",
        "headcount_cap": 12,
    }
    refused(
        client.post("/api/v1/authorisations", json=grant, headers=approver.headers),
        422,
        "guest_agency_id",
    )


# Oversized bodies ----------------------------------------------------------------------------


def _huge_person() -> bytes:
    body = json.dumps({"full_name": "Li Wei", "nationality": "CN", "job_title": "x" * 1_100_000})
    return body.encode()


def test_oversized_body_is_413(client: TestClient, login_as, unchanged) -> None:
    requester = login_as("requester")
    unchanged()
    response = client.post(
        "/api/v1/persons",
        content=_huge_person(),
        headers={**requester.headers, "content-type": "application/json"},
    )
    refused(response, 413, "1000000")


def test_oversized_body_without_content_length_is_413(
    client: TestClient, login_as, unchanged
) -> None:
    requester = login_as("requester")
    unchanged()
    raw = _huge_person()

    def chunks() -> Iterator[bytes]:  # streamed: no Content-Length header to go by
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    response = client.post(
        "/api/v1/persons",
        content=chunks(),
        headers={**requester.headers, "content-type": "application/json"},
    )
    refused(response, 413, "1000000")


def test_oversized_login_form_is_413(client: TestClient, login_as, unchanged) -> None:
    ops = login_as("ops_officer")
    unchanged()
    response = client.post(
        "/login",
        data={"username": ops.username, "password": "p" * 1_100_000},
        follow_redirects=False,
    )
    # a page answers with a page a person can read, not problem+json
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "too large" in response.text and "1000000 bytes" in response.text
    assert "set-cookie" not in response.headers


# GeoJSON perimeters --------------------------------------------------------------------------

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[67.0, 24.86], [67.01, 24.87], [67.01, 24.86], [67.0, 24.87], [67.0, 24.86]]],
}
# Beijing given [latitude, longitude]: latitude 116 is off the globe.
SWAPPED = {
    "type": "Polygon",
    "coordinates": [[[39.9, 116.3], [39.95, 116.3], [39.95, 116.4], [39.9, 116.3]]],
}


@pytest.mark.parametrize(
    ("perimeter", "reason"),
    [
        (BOW_TIE, "Self-intersection"),
        ({"type": "Point", "coordinates": [67.0, 24.86]}, "must be a GeoJSON Polygon"),
        ({"type": "LineString", "coordinates": [[67.0, 24.86], [67.01, 24.87]]}, "Polygon"),
        (SWAPPED, "outside longitude/latitude range"),
        ({"type": "Polygon", "coordinates": [[[67.0, 24.86], [67.01, 24.86]]]}, "4 coordinates"),
        ({"type": "Polygon", "coordinates": "67.0,24.86"}, "not valid GeoJSON"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ("POLYGON((67 24, 67.1 24, 67.1 24.1, 67 24))", "dictionary"),
    ],
    ids=["bow-tie", "point", "line", "lat-lon-swapped", "open-ring", "text-coords", "empty", "wkt"],
)
def test_invalid_site_perimeter_is_refused(
    perimeter: Any, reason: str, client: TestClient, login_as, unchanged
) -> None:
    requester = login_as("requester")
    unchanged()
    body = {"name": "Port Qasim camp", **KARACHI, "perimeter": perimeter}
    problem = refused(
        client.post("/api/v1/sites", json=body, headers=requester.headers),
        422,
        "perimeter",
        reason,
    )
    assert fields(problem) == {"body.perimeter"}


def test_site_point_with_lat_and_lon_swapped_is_refused(
    client: TestClient, login_as, unchanged
) -> None:
    requester = login_as("requester")
    unchanged()
    body = {"name": "Beijing office", "lat": 116.4, "lon": 39.9}
    refused(client.post("/api/v1/sites", json=body, headers=requester.headers), 422, "body.lat")


def test_a_valid_perimeter_is_accepted(client: TestClient, login_as) -> None:
    """The control for the refusals above: the same request with a sound polygon works."""
    requester = login_as("requester")
    body = {"name": "Port Qasim camp", **KARACHI, "perimeter": SQUARE}
    response = client.post("/api/v1/sites", json=body, headers=requester.headers)
    assert response.status_code == 201, response.text
    assert response.json()["perimeter"] == SQUARE


# Routes and methods --------------------------------------------------------------------------


def test_unknown_route_is_404_problem(client: TestClient, login_as, unchanged) -> None:
    ops = login_as("ops_officer")
    unchanged()
    refused(client.get("/api/v1/no-such-thing", headers=ops.headers), 404)
    refused(client.get("/api/v2/persons", headers=ops.headers), 404)
    refused(client.post("/api/v1/persons/extra/segments", json={}, headers=ops.headers), 404)


def test_wrong_method_is_405_problem(client: TestClient, login_as, unchanged) -> None:
    ops = login_as("ops_officer")
    unchanged()
    refused(client.delete("/api/v1/persons", headers=ops.headers), 405)


# Timezone-less datetimes ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_timezone_less_datetime_in_a_grant_is_422(
    field: str, client: TestClient, login_as, world, unchanged
) -> None:
    approver = login_as("approver")
    unchanged()
    grant = {
        "guest_agency_id": world.guest,
        "provinces": ["Sindh"],
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-02-01T00:00:00Z",
        "headcount_cap": 12,
        field: "2026-01-15T06:00:00",
    }
    refused(
        client.post("/api/v1/authorisations", json=grant, headers=approver.headers),
        422,
        "timezone",
    )


def test_timezone_less_check_time_is_422(client: TestClient, login_as, unchanged) -> None:
    ops = login_as("ops_officer")
    unchanged()
    body = {"unit_id": str(uuid.uuid4()), **KARACHI, "at": "2026-01-15T06:00:00"}
    refused(
        client.post("/api/v1/authorisations/check", json=body, headers=ops.headers),
        422,
        "timezone",
    )


CALLERS = [Role.ADMIN, Role.OPS_OFFICER, Role.ANALYST, Role.AUDITOR]


def test_timezone_less_datetime_in_any_query_is_422(
    client: TestClient, login_as, unchanged
) -> None:
    """Every date-time query parameter in the OpenAPI document, given without a zone."""
    document = client.get("/api/openapi.json").json()
    targets = [
        (path, method, spec["x-permission"], parameter["name"])
        for path, item in document["paths"].items()
        for method, spec in item.items()
        for parameter in spec.get("parameters", [])
        if parameter["in"] == "query"
        and any(
            option.get("format") == "date-time"
            for option in parameter["schema"].get("anyOf", [parameter["schema"]])
        )
    ]
    assert any(path == "/api/v1/audit/events" for path, *_ in targets)
    logins: dict[Role, dict[str, str]] = {}
    for role in CALLERS:
        logins[role] = login_as(role).headers
    unchanged()
    wrong = []
    for path, method, permission, name in targets:
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)  # query checks come first
        role = next(r for r in CALLERS if is_allowed(permission, frozenset({r}), Side.HOST))
        response = client.request(
            method, path, params={name: "2026-01-15T06:00:00"}, headers=logins[role]
        )
        if response.status_code != 422 or f"query.{name}" not in response.text:
            wrong.append(f"{method.upper()} {path}?{name}=naive: {response.status_code}")
        else:
            refused(response, 422, "timezone")
    assert wrong == [], wrong


# NUL characters (PostgreSQL cannot store or even compare text holding one) ------------------


@pytest.mark.parametrize(
    ("url", "body", "where"),
    [
        ("/api/v1/persons", {"full_name": "Li\x00Wei", "nationality": "CN"}, "full_name"),
        (
            "/api/v1/persons",
            {"full_name": "Li Wei", "nationality": "CN", "job_title": "\x00"},
            "job_title",
        ),
        ("/api/v1/projects", {"name": "Thar", "description": "coal\x00"}, "description"),
        (
            "/api/v1/sites",
            {"name": "Camp", **KARACHI, "perimeter": {"type": "Polygon\x00", "coordinates": []}},
            "perimeter.type",
        ),
    ],
    ids=["name", "job-title", "project", "nested"],
)
def test_nul_characters_in_a_body_are_refused(
    url: str, body: dict, where: str, client: TestClient, login_as, unchanged
) -> None:
    requester = login_as("requester")
    unchanged()
    refused(client.post(url, json=body, headers=requester.headers), 422, where, "NUL")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/persons", {"name": "Li\x00"}),
        ("/api/v1/persons/abc%00def", None),
        ("/api/v1/sites", {"province": "\x00"}),
    ],
    ids=["query", "path", "filter"],
)
def test_nul_characters_in_the_url_are_refused(
    url: str, params: dict | None, client: TestClient, login_as, unchanged
) -> None:
    ops = login_as("ops_officer")
    unchanged()
    refused(client.get(url, params=params, headers=ops.headers), 422, "NUL")


def test_nul_character_in_the_login_form_is_a_failed_login(client: TestClient, login_as) -> None:
    ops = login_as("ops_officer")
    auditor = login_as("auditor")
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": ops.username + "\x00",
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 401 and "jsms_session" not in response.headers.get(
        "set-cookie", ""
    )
    events = client.get(
        "/api/v1/audit/events",
        params={"action": "auth.login", "outcome": "failed"},
        headers=auditor.headers,
    ).json()["items"]
    assert [e["detail"]["username"] for e in events] == [ops.username + "\\x00"]
