"""Route options on an imported extract too small for the journey: the national corridors are
used instead, and the plan says so (never a 28 km journey reported as 1 km)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from tests.conftest import World
from tests.geo.test_routing_coverage import AIRPORT, grid_extract
from tests.movements.conftest import actor_of

PORT_QASIM = (24.7760, 67.3500)  # ~28 km from the airport, far outside a 3 x 3 km extract


@pytest.fixture
def small_extract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = grid_extract(AIRPORT).save(tmp_path / "roads.npz")
    monkeypatch.setenv("JSMS_ROAD_GRAPH", str(path))
    return path


def test_journey_leaving_the_extract_is_routed_on_the_national_graph_and_says_so(
    small_extract: Path, db: Session, client: TestClient, login_as, world: World
) -> None:
    company = actor_of(world.company_a, Side.CLIENT)
    person = registry.create_person(db, company, full_name="Port engineer", nationality="CN").id
    db.commit()
    requester = login_as(Role.REQUESTER)
    departure = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    created = client.post(
        "/api/v1/movements",
        headers=requester.headers,
        json={
            "purpose": "Airport to Port Qasim",
            "origin": {"lat": AIRPORT[0], "lon": AIRPORT[1]},
            "destination": {"lat": PORT_QASIM[0], "lon": PORT_QASIM[1]},
            "departure_at": departure.isoformat(),
            "arrival_at": (departure + timedelta(hours=2)).isoformat(),
            "passenger_ids": [person],
        },
    )
    assert created.status_code == 201, created.text
    options = client.get(
        f"/api/v1/movements/{created.json()['id']}/route-options", headers=requester.headers
    )
    assert options.status_code == 200, options.text
    for option in options.json():
        assert option["distance_m"] > 20_000, "the extract's 3 km must not stand for the journey"
        note = option["road_graph_note"]
        assert "national corridors" in note and "destination" in note and "km" in note
