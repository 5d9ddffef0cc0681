"""Every operation of the OpenAPI document, called as every role, against the one policy table.

The document is the contract: each operation names its permission in `x-permission`, and
`jsms.identity.policy.is_allowed` says which roles (on which agency side) hold it. Calling every
operation as every role must give exactly that answer: a refusal is a 403 problem+json (and an
`access.denied` event in the audit trail); an allowed call is anything but 401/403.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.policy import DEVICE, PARTNER, PUBLIC, Actor, is_allowed
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry

METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = "application/problem+json"
LOGOUT = "/api/v1/auth/logout"
# Everything else needs a login; adding to this list is a deliberate decision.
PUBLIC_OPERATIONS = {
    "GET /healthz",
    "POST /api/v1/auth/token",
    "POST /api/v1/sms/inbound",  # the SMS gateway, proven by its own token
}
# Positions from trackers: the device authenticates by its own key, never by a person's login.
DEVICE_OPERATIONS = {
    "GET /api/v1/tracking/osmand",
    "POST /api/v1/tracking/osmand",
    "POST /api/v1/tracking/owntracks",
    "POST /api/v1/tracking/batch",
}
# TAXII 2.1 and audit heads: a partner instance authenticates by its own credential, never a
# person's login.
PARTNER_OPERATIONS = {
    "POST /api/v1/exchange/heads",
    "GET /taxii2/",
    "GET /taxii2/{root}/",
    "GET /taxii2/{root}/collections/",
    "GET /taxii2/{root}/collections/{cid}/",
    "GET /taxii2/{root}/collections/{cid}/objects/",
    "GET /taxii2/{root}/collections/{cid}/objects/{object_id}/",
    "GET /taxii2/{root}/collections/{cid}/objects/{object_id}/versions/",
    "GET /taxii2/{root}/collections/{cid}/manifest/",
}

# Realistic values for required query parameters the schema alone cannot make meaningful.
QUERY_VALUES = {
    "lat": "24.8607",
    "lon": "67.0011",
    "q": "Kar",
    "reason": "escort planning for a site visit",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    permission: str | None
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(client: TestClient) -> list[Operation]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    found = [
        Operation(method, path, spec.get("x-permission"), spec)
        for path, item in response.json()["paths"].items()
        for method, spec in item.items()
        if method in METHODS
    ]
    assert len(found) >= 30, "the OpenAPI document lost most of its operations"
    # Logging out ends the caller's session, so it goes last.
    return sorted(found, key=lambda op: op.path == LOGOUT)


def _query_value(name: str, schema: dict[str, Any]) -> str:
    if name in QUERY_VALUES:
        return QUERY_VALUES[name]
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    schema = options[0] if options else schema
    if "enum" in schema:
        return str(schema["enum"][0])
    kind = schema.get("type")
    if kind in {"integer", "number"}:
        return str(schema.get("minimum", 1))
    if kind == "boolean":
        return "true"
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    raise AssertionError(f"no realistic value for required query parameter {name!r}: {schema}")


def request_for(operation: Operation) -> dict[str, Any]:
    """Random (nonexistent) path ids, required query parameters, `{}` where a body is needed."""
    path = operation.path
    params = {}
    for parameter in operation.spec.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(uuid.uuid4()))
        elif parameter["in"] == "query" and parameter.get("required"):
            params[parameter["name"]] = _query_value(parameter["name"], parameter["schema"])
    request: dict[str, Any] = {"method": operation.method.upper(), "url": path, "params": params}
    if operation.spec.get("requestBody", {}).get("required"):
        request["json"] = {}
    return request


def test_every_operation_declares_its_permission(client: TestClient) -> None:
    from jsms.identity.policy import PERMISSIONS

    missing = [op.label for op in operations(client) if not op.permission]
    assert missing == [], f"operations without x-permission: {missing}"
    unknown = [
        f"{op.label}: {op.permission}"
        for op in operations(client)
        if op.permission not in (PUBLIC, DEVICE, PARTNER) and op.permission not in PERMISSIONS
    ]
    assert unknown == [], f"x-permission names no entry of the policy table: {unknown}"
    public = {op.label for op in operations(client) if op.permission == PUBLIC}
    assert public == PUBLIC_OPERATIONS, "a new public operation must be added here on purpose"
    device = {op.label for op in operations(client) if op.permission == DEVICE}
    assert device == DEVICE_OPERATIONS, "a new device-key operation must be added here on purpose"
    partner = {op.label for op in operations(client) if op.permission == PARTNER}
    assert partner == PARTNER_OPERATIONS, "a new partner operation must be added here on purpose"


# Staff on the host side, clients on company A, the escort commander on the guest detail.
ROLE_SIDES = {
    Role.REQUESTER: Side.CLIENT,
    Role.PROTECTEE: Side.CLIENT,
    Role.ESCORT_COMMANDER: Side.GUEST,
}


def _protectee_person(db: Session, company_id: str) -> str:
    clerk = Actor(
        user_id="test",
        username="test-clerk",
        agency_id=company_id,
        side=Side.CLIENT,
        roles=frozenset({Role.REQUESTER}),
    )
    person = registry.create_person(db, clerk, full_name="Li Wei", nationality="CN")
    db.commit()
    return person.id


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_role_gets_exactly_what_the_policy_table_says(
    role: Role, client: TestClient, db: Session, world, login_as
) -> None:
    side = ROLE_SIDES.get(role, Side.HOST)
    person_id = _protectee_person(db, world.company_a) if role == Role.PROTECTEE else None
    who = login_as(role, person_id=person_id)
    me = client.get("/api/v1/auth/me", headers=who.headers).json()
    assert me["side"] == side.value

    mismatches: list[str] = []
    denied: set[tuple[str, str, str]] = set()
    for operation in operations(client):
        request = request_for(operation)
        response = client.request(**request, headers=who.headers)
        status = response.status_code
        if operation.permission == DEVICE:
            # a person's login is no device credential: refused, but not by the policy table
            if not 400 <= status < 500 or status == 403:
                mismatches.append(f"{operation.label}: device door answered a person {status}")
            continue
        if operation.permission == PARTNER:
            # a person's login is no partner credential: TAXII answers 401, whoever asks
            if status != 401:
                mismatches.append(f"{operation.label}: TAXII answered a person {status}")
            continue
        allowed = is_allowed(operation.permission or "", frozenset({role}), side)
        if allowed:
            if status in (401, 403):
                mismatches.append(f"{operation.label}: allowed, got {status} {response.text}")
            elif status == 422 and any(
                e["field"].startswith("query.") for e in response.json().get("errors", [])
            ):
                mismatches.append(f"{operation.label}: test sent a bad query: {response.text}")
            continue
        content_type = response.headers.get("content-type", "")
        if status != 403 or not content_type.startswith(PROBLEM):
            mismatches.append(f"{operation.label}: should be refused, got {status} {content_type}")
            continue
        body = response.json()
        if body["status"] != 403 or body.get("permission") != operation.permission:
            mismatches.append(f"{operation.label}: refusal does not name the permission: {body}")
        denied.add((request["url"][:64], operation.permission or "", request["method"]))

    assert mismatches == [], f"{role}: {len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    if role != Role.ADMIN:
        assert denied, f"{role} is refused nothing; the matrix tests nothing"

    # Every refusal is kept in the audit trail, although the request's transaction rolled back.
    db.rollback()
    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "access.denied", AuditEvent.actor_id == who.user_id
        )
    ).all()
    recorded = {(e.object_id, e.detail["permission"], e.detail["method"]) for e in events}
    assert all(e.outcome == "refused" for e in events)
    assert recorded == denied


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Cookie": "jsms_session=not-a-real-session"},
    ],
    ids=["none", "unknown-bearer", "basic-auth", "unknown-cookie"],
)
def test_without_valid_credentials_every_non_public_operation_answers_401(
    credentials: dict[str, str], client: TestClient, db: Session, world
) -> None:
    wrong: list[str] = []
    for operation in operations(client):
        response = client.request(**request_for(operation), headers=credentials)
        if operation.permission == DEVICE:
            challenge = response.headers.get("www-authenticate", "Basic")
            if not 400 <= response.status_code < 500 or not challenge.startswith("Basic"):
                wrong.append(f"{operation.label}: device door answered {response.status_code}")
            continue
        if operation.permission == PARTNER:
            challenge = response.headers.get("www-authenticate", "")
            if response.status_code != 401 or not challenge.startswith("Basic"):
                wrong.append(f"{operation.label}: TAXII answered {response.status_code}")
            continue
        if operation.permission == PUBLIC:
            if response.status_code in (401, 403):
                wrong.append(f"{operation.label}: public, got {response.status_code}")
            continue
        if (
            response.status_code != 401
            or not response.headers["content-type"].startswith(PROBLEM)
            or response.headers.get("www-authenticate") != "Bearer"
        ):
            wrong.append(f"{operation.label}: {response.status_code} {response.text[:200]}")
    assert wrong == [], "\n".join(wrong)
    # Nobody was identified, so nothing was attributed to anyone.
    db.rollback()
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all() == []


def test_a_refusal_is_visible_to_the_auditor(client: TestClient, login_as) -> None:
    analyst = login_as(Role.ANALYST)
    auditor = login_as(Role.AUDITOR)
    refused = client.get("/api/v1/users", headers=analyst.headers)
    assert refused.status_code == 403

    trail = client.get(
        "/api/v1/audit/events",
        params={"action": "access.denied", "actor_id": analyst.user_id},
        headers=auditor.headers,
    )
    assert trail.status_code == 200
    [event] = trail.json()["items"]
    assert event["outcome"] == "refused"
    assert event["object_id"] == "/api/v1/users"
    assert event["detail"] == {"permission": "user.read", "method": "GET"}
    assert event["actor_name"] == analyst.username
