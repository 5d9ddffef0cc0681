"""Auditors search and verify the trail over HTTP; nobody else may read it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.identity.roles import Role


def _events(client: TestClient, headers, **params) -> list[dict]:
    response = client.get(
        "/api/v1/audit/events", headers=headers, params={"per_page": 200, **params}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return body["items"]


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_filters_by_action_object_type_outcome_and_time(
    client: TestClient, login_as, db: Session
) -> None:
    requester = login_as("requester")
    person = client.post(
        "/api/v1/persons",
        headers=requester.headers,
        json={"full_name": "Filter Person", "nationality": "CN", "passport_number": "ED1112223"},
    ).json()
    time.sleep(0.05)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    ops = login_as("ops_officer")
    pii = client.get(
        f"/api/v1/persons/{person['id']}/pii",
        headers=ops.headers,
        params={"reason": "medical emergency"},
    )
    assert pii.status_code == 200
    assert client.get("/api/v1/audit/verify", headers=ops.headers).status_code == 403
    auditor = login_as("auditor")

    everything = _events(client, auditor.headers)
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    assert "hash" in everything[0]

    reads = _events(client, auditor.headers, action="person.pii.read")
    assert len(reads) == 1
    assert reads[0]["object_id"] == person["id"]
    assert reads[0]["actor_name"] == ops.username
    assert reads[0]["detail"]["reason"] == "medical emergency"

    persons = _events(client, auditor.headers, object_type="person")
    assert {e["action"] for e in persons} == {"person.create", "person.pii.read"}
    assert all(e["object_id"] == person["id"] for e in persons)
    assert _events(client, auditor.headers, object_id=person["id"]) == persons

    denied = _events(client, auditor.headers, outcome="refused")
    assert len(denied) == 1
    assert denied[0]["action"] == "access.denied"
    assert denied[0]["actor_id"] == ops.user_id
    assert denied[0]["detail"]["permission"] == "audit.read"
    assert _events(client, auditor.headers, outcome="failed") == []

    mine = _events(client, auditor.headers, actor_id=ops.user_id)
    assert {e["action"] for e in mine} >= {"person.pii.read", "access.denied"}

    before = _events(client, auditor.headers, until=_z(middle))
    after = _events(client, auditor.headers, since=_z(middle))
    assert len(before) + len(after) == len(everything)
    assert "person.create" in {e["action"] for e in before}
    assert "person.create" not in {e["action"] for e in after}
    assert "person.pii.read" in {e["action"] for e in after}
    # The same instant written in Pakistan Standard Time (UTC+5) selects the same events.
    pkt = (middle + timedelta(hours=5)).replace(tzinfo=None).isoformat() + "+05:00"
    assert _events(client, auditor.headers, since=pkt) == after

    window = _events(
        client,
        auditor.headers,
        since=_z(middle - timedelta(days=1)),
        until=_z(middle),
        action="person.create",
    )
    assert [e["object_id"] for e in window] == [person["id"]]


def test_times_without_a_zone_are_refused_not_guessed(client: TestClient, login_as) -> None:
    auditor = login_as("auditor")
    for params in ({"since": "2026-01-01T00:00:00"}, {"until": "2026-01-01"}):
        response = client.get("/api/v1/audit/events", headers=auditor.headers, params=params)
        assert response.status_code == 422, response.text
        assert "timezone" in response.json()["detail"]
    bad = client.get("/api/v1/audit/events", headers=auditor.headers, params={"outcome": "x"})
    assert bad.status_code == 422


def test_verify_reports_an_intact_chain(client: TestClient, login_as, db: Session) -> None:
    audit.record(db, action="test.event", object_type="test", detail={"n": 1})
    db.commit()
    auditor = login_as("auditor")
    body = client.get("/api/v1/audit/verify", headers=auditor.headers).json()
    assert body["intact"] is True
    assert body["first_bad_seq"] is None
    assert body["reason"] is None
    assert body["checked"] >= 3


def test_write_events_name_the_object_written(
    client: TestClient, login_as, world, db: Session
) -> None:
    requester = login_as("requester")
    person = client.post(
        "/api/v1/persons",
        headers=requester.headers,
        json={"full_name": "Named Person", "nationality": "CN"},
    ).json()
    changed = client.patch(
        f"/api/v1/persons/{person['id']}", headers=requester.headers, json={"job_title": "cook"}
    )
    assert changed.status_code == 200
    auditor = login_as("auditor")

    created = _events(client, auditor.headers, action="agencies.create")
    assert {e["object_id"] for e in created} == {
        world.host_sindh,
        world.host_kp,
        world.guest,
        world.company_a,
        world.company_b,
    }
    person_events = _events(client, auditor.headers, object_id=person["id"])
    assert [e["action"] for e in person_events] == ["person.update", "person.create"]
    assert person_events[0]["detail"]["fields"] == ["job_title"]
    assert person_events[1]["actor_id"] == requester.user_id
    users = _events(client, auditor.headers, action="users.create")
    assert auditor.user_id in {e["object_id"] for e in users}
    assert None not in {e["object_id"] for e in _events(client, auditor.headers)}


# Every role against the policy table is tested in tests/identity; here, the endpoints.
@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPS_OFFICER, Role.ANALYST, Role.PROTECTEE])
def test_only_auditors_read_the_trail(client: TestClient, login_as, role: Role) -> None:
    person_id = None
    if role == Role.PROTECTEE:
        requester = login_as("requester")
        person_id = client.post(
            "/api/v1/persons",
            headers=requester.headers,
            json={"full_name": "Protected Engineer", "nationality": "CN"},
        ).json()["id"]
    who = login_as(role, person_id=person_id)
    for path in ("/api/v1/audit/events", "/api/v1/audit/verify"):
        response = client.get(path, headers=who.headers)
        assert response.status_code == 403, (role, path)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_the_trail_needs_a_login(client: TestClient) -> None:
    assert client.get("/api/v1/audit/events").status_code == 401
    assert client.get("/api/v1/audit/verify").status_code == 401
