"""Deployment authorisations over HTTP: the host grants, the guest acts only where granted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

KARACHI = {"lat": 24.86, "lon": 67.01}
BESHAM = {"lat": 34.93, "lon": 72.87}


def _period(days_before: int = 10, days_after: int = 90) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "starts_at": (now - timedelta(days=days_before)).isoformat(),
        "ends_at": (now + timedelta(days=days_after)).isoformat(),
    }


@pytest.fixture
def guest_unit(client: TestClient, login_as, world) -> str:
    admin = login_as("admin")
    response = client.post(
        "/api/v1/units",
        headers=admin.headers,
        json={
            "name": "Close protection team 1",
            "call_sign": "GSD-CP-1",
            "agency_id": world.guest,
            "unit_type": "close_protection",
            "strength": 8,
            "base_name": "Karachi",
            "base_lat": 24.86,
            "base_lon": 67.01,
            "vehicles": [
                {"registration": "GSD-101", "kind": "SUV", "armoured": True, "seats": 5},
                {"registration": "GSD-102", "kind": "SUV", "armoured": False, "seats": 5},
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["agency_id"] == world.guest
    assert body["armoured_vehicles"] == 1
    assert [v["registration"] for v in body["vehicles"]] == ["GSD-101", "GSD-102"]
    return body["id"]


def _grant(client: TestClient, headers, world, **changes):
    body = {
        "guest_agency_id": world.guest,
        "provinces": ["Sindh"],
        "headcount_cap": 12,
        "arms": "concealed sidearms",
        "conditions": "host escort present on every movement",
        **_period(),
        **changes,
    }
    return client.post("/api/v1/authorisations", headers=headers, json=body)


def _check(client: TestClient, headers, unit_id: str, **place):
    response = client.post(
        "/api/v1/authorisations/check", headers=headers, json={"unit_id": unit_id, **place}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_host_grant_lets_the_guest_act_in_sindh_only_until_revoked(
    client: TestClient, login_as, world, guest_unit: str
) -> None:
    approver = login_as("approver", agency_id=world.host_sindh)
    granted = _grant(client, approver.headers, world)
    assert granted.status_code == 201, granted.text
    grant = granted.json()
    assert grant["host_agency_id"] == world.host_sindh
    assert grant["reference"].startswith("DA-SPU-S-")

    ops = login_as("ops_officer", agency_id=world.guest)
    at_karachi = _check(client, ops.headers, guest_unit, **KARACHI)
    assert at_karachi["allowed"] is True
    assert at_karachi["province"] == "Sindh"
    assert at_karachi["authorisation_id"] == grant["id"]
    assert grant["reference"] in at_karachi["reason"]

    at_besham = _check(client, ops.headers, guest_unit, **BESHAM)
    assert at_besham["allowed"] is False
    assert at_besham["province"] == "Khyber Pakhtunkhwa"
    assert "no deployment authorisation covers" in at_besham["reason"]

    over_cap = _check(client, ops.headers, guest_unit, headcount=13, **KARACHI)
    assert over_cap["allowed"] is False
    assert "cap of 12" in over_cap["reason"]

    revoked = client.post(
        f"/api/v1/authorisations/{grant['id']}/revoke",
        headers=approver.headers,
        json={"reason": "threat level raised in Karachi"},
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_reason"] == "threat level raised in Karachi"
    after = _check(client, ops.headers, guest_unit, **KARACHI)
    assert after["allowed"] is False
    assert "revoked" in after["reason"]
    assert grant["reference"] in after["reason"]

    again = client.post(
        f"/api/v1/authorisations/{grant['id']}/revoke",
        headers=approver.headers,
        json={"reason": "twice"},
    )
    assert again.status_code == 409


def test_a_grant_outside_its_period_is_refused_with_the_period(
    client: TestClient, login_as, world, guest_unit: str
) -> None:
    approver = login_as("approver", agency_id=world.host_sindh)
    later = _grant(client, approver.headers, world, **_period(days_before=-5, days_after=30))
    assert later.status_code == 201, later.text
    ops = login_as("ops_officer", agency_id=world.guest)
    verdict = _check(client, ops.headers, guest_unit, **KARACHI)
    assert verdict["allowed"] is False
    assert "valid only from" in verdict["reason"]
    future = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    assert _check(client, ops.headers, guest_unit, at=future, **KARACHI)["allowed"] is True


def test_a_host_cannot_grant_outside_its_jurisdiction(
    client: TestClient, login_as, world, guest_unit: str
) -> None:
    kp_approver = login_as("approver", agency_id=world.host_kp)
    refused = _grant(client, kp_approver.headers, world)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "Sindh" in refused.json()["detail"]
    # Nothing was granted, so the guest still may not act in Sindh.
    ops = login_as("ops_officer", agency_id=world.guest)
    assert _check(client, ops.headers, guest_unit, **KARACHI)["allowed"] is False


def test_guest_and_client_side_cannot_grant(client: TestClient, login_as, world) -> None:
    guest_approver = login_as("approver", agency_id=world.guest)
    assert _grant(client, guest_approver.headers, world).status_code == 403
    requester = login_as("requester")
    assert _grant(client, requester.headers, world).status_code == 403


def test_only_the_granting_host_may_revoke(
    client: TestClient, login_as, world, guest_unit: str
) -> None:
    approver = login_as("approver", agency_id=world.host_sindh)
    grant = _grant(client, approver.headers, world).json()
    kp_approver = login_as("approver", agency_id=world.host_kp)
    response = client.post(
        f"/api/v1/authorisations/{grant['id']}/revoke",
        headers=kp_approver.headers,
        json={"reason": "not mine to revoke"},
    )
    assert response.status_code == 403


def test_a_unit_specific_grant_covers_that_unit_only(
    client: TestClient, login_as, world, guest_unit: str
) -> None:
    admin = login_as("admin")
    second = client.post(
        "/api/v1/units",
        headers=admin.headers,
        json={
            "name": "Close protection team 2",
            "call_sign": "GSD-CP-2",
            "agency_id": world.guest,
            "unit_type": "close_protection",
            "strength": 4,
        },
    )
    assert second.status_code == 201, second.text
    approver = login_as("approver", agency_id=world.host_sindh)
    assert _grant(client, approver.headers, world, unit_id=guest_unit).status_code == 201
    ops = login_as("ops_officer", agency_id=world.guest)
    assert _check(client, ops.headers, guest_unit, **KARACHI)["allowed"] is True
    other = _check(client, ops.headers, second.json()["id"], **KARACHI)
    assert other["allowed"] is False


def test_grant_input_is_validated(client: TestClient, login_as, world) -> None:
    approver = login_as("approver", agency_id=world.host_sindh)
    backwards = _grant(client, approver.headers, world, **_period(days_before=-10, days_after=-20))
    assert backwards.status_code == 422
    naive = _grant(
        client,
        approver.headers,
        world,
        starts_at="2026-01-01T00:00:00",
        ends_at="2026-06-01T00:00:00",
    )
    assert naive.status_code == 422
    assert "timezone" in naive.json()["detail"]
    no_scope = _grant(client, approver.headers, world, provinces=[])
    assert no_scope.status_code == 422
    to_a_client = _grant(client, approver.headers, world, guest_agency_id=world.company_a)
    assert to_a_client.status_code == 422


def test_units_belong_to_the_forces_and_call_signs_are_unique(
    client: TestClient, login_as, world, guest_unit: str
) -> None:
    admin = login_as("admin")
    body = {
        "name": "Duplicate",
        "call_sign": "GSD-CP-1",
        "agency_id": world.guest,
        "unit_type": "escort",
        "strength": 4,
    }
    assert client.post("/api/v1/units", headers=admin.headers, json=body).status_code == 409
    body |= {"call_sign": "CO-A-1", "agency_id": world.company_a}
    assert client.post("/api/v1/units", headers=admin.headers, json=body).status_code == 422
    ops = login_as("ops_officer")
    body |= {"call_sign": "X-1", "agency_id": world.guest}
    assert client.post("/api/v1/units", headers=ops.headers, json=body).status_code == 403
