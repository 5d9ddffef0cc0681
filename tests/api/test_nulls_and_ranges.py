"""Explicit nulls in partial updates and times far outside any plan are refused with a reason
(they used to crash the server with a 500)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_bad_input import refused


@pytest.fixture
def person(client: TestClient, login_as: Any) -> tuple[Any, dict[str, Any]]:
    requester = login_as("requester")
    created = client.post(
        "/api/v1/persons",
        json={"full_name": "Li Wei", "nationality": "CN", "job_title": "engineer"},
        headers=requester.headers,
    )
    assert created.status_code == 201, created.text
    return requester, created.json()


@pytest.mark.parametrize("field", ["status", "job_title"])
def test_null_for_a_required_person_field_is_refused(
    field: str, client: TestClient, person: tuple[Any, dict[str, Any]], unchanged: Any
) -> None:
    requester, created = person
    unchanged()
    problem = refused(
        client.patch(
            f"/api/v1/persons/{created['id']}", json={field: None}, headers=requester.headers
        ),
        422,
        field,
    )
    assert "leave the field out" in problem["detail"]


def test_null_clears_a_clearable_person_field(
    client: TestClient, person: tuple[Any, dict[str, Any]]
) -> None:
    requester, created = person
    cleared = client.patch(
        f"/api/v1/persons/{created['id']}", json={"site_id": None}, headers=requester.headers
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["site_id"] is None


def _movement(
    client: TestClient, requester: Any, person_id: str, departure: str, arrival: str
) -> Any:
    return client.post(
        "/api/v1/movements",
        headers=requester.headers,
        json={
            "purpose": "Airport to site",
            "origin": {"lat": 24.9067, "lon": 67.1608},
            "destination": {"lat": 25.0255, "lon": 66.8853},
            "departure_at": departure,
            "arrival_at": arrival,
            "passenger_ids": [person_id],
        },
    )


@pytest.mark.parametrize(
    ("departure", "arrival"),
    [
        ("0001-01-01T08:00:00Z", "0001-01-01T10:00:00Z"),
        ("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z"),
    ],
)
def test_movement_times_outside_the_planning_range_are_refused(
    departure: str,
    arrival: str,
    client: TestClient,
    person: tuple[Any, dict[str, Any]],
    unchanged: Any,
) -> None:
    requester, created = person
    unchanged()
    refused(_movement(client, requester, created["id"], departure, arrival), 422, "departure_at")


def test_amending_to_a_null_or_far_time_is_refused(
    client: TestClient, person: tuple[Any, dict[str, Any]]
) -> None:
    requester, created = person
    soon = datetime.now(UTC) + timedelta(days=2)
    movement = _movement(
        client, requester, created["id"], soon.isoformat(), (soon + timedelta(hours=2)).isoformat()
    )
    assert movement.status_code == 201, movement.text
    url = f"/api/v1/movements/{movement.json()['id']}"
    refused(
        client.patch(url, json={"departure_at": None}, headers=requester.headers),
        422,
        "departure_at",
    )
    refused(
        client.patch(url, json={"arrival_at": "9999-12-31T23:59:59Z"}, headers=requester.headers),
        422,
        "arrival_at",
    )
    assert (
        client.get(f"{url}/plan", headers=requester.headers)
        .json()["departure_at"]
        .startswith(soon.strftime("%Y-%m-%d"))
    )
