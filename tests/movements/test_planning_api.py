"""Planning through the API on the national corridor graph: route options, the SOP check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.geo import h3cells
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.threat.service import create_override, load_curated_incidents
from tests.conftest import World
from tests.movements.conftest import actor_of

BESHAM = (34.93, 72.87)


def kkh_world(db: Session, world: World, departure: datetime) -> list[str]:
    """Passengers of company A and an analyst's level-5 assessment around Besham."""
    from jsms.identity import service as identity

    for province, short in (("Punjab", "SPU-PB"), ("Islamabad", "ICT-P")):
        identity.create_agency(
            db,
            name=f"{province} police",
            short_name=short,
            side=Side.HOST,
            country="PK",
            provinces=[province],
        )
    load_curated_incidents(db)
    analyst = actor_of(world.host_kp, Side.HOST, Role.ANALYST)
    create_override(
        db,
        analyst,
        area_kind="cell",
        area=h3cells.parent_of(h3cells.cell_of(*BESHAM), 5),
        level=5,
        reason="KKH convoy attacks",
        starts_at=departure - timedelta(days=5),
        expires_at=departure + timedelta(days=5),
    )
    company = actor_of(world.company_a, Side.CLIENT)
    people = [
        registry.create_person(db, company, full_name=f"Dam engineer {i}", nationality="CN").id
        for i in range(2)
    ]
    db.commit()
    return people


def request(client: TestClient, requester, people: list[str], departure: datetime) -> str:
    body = {
        "purpose": "Rotation to Dasu camp",
        "origin": {"name": "Islamabad International Airport"},
        "destination": {"name": "Dasu Hydropower Plant"},
        "departure_at": departure.isoformat(),
        "arrival_at": (departure + timedelta(hours=8)).isoformat(),
        "passenger_ids": people,
        "vehicles": [{"registration": "RLH-7", "armoured": True, "seats": 4, "passengers": 2}],
    }
    created = client.post("/api/v1/movements", headers=requester.headers, json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_night_movement_through_a_level_5_area_is_blocked_citing_the_rule(
    db: Session, client: TestClient, login_as, world: World
) -> None:
    # 13:00 UTC = 18:00 in Pakistan: after dark before the convoy reaches Besham
    departure = (datetime.now(UTC) + timedelta(days=7)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    people = kkh_world(db, world, departure)
    requester = login_as("requester")
    movement_id = request(client, requester, people, departure)

    options = client.get(
        f"/api/v1/movements/{movement_id}/route-options", headers=requester.headers
    )
    assert options.status_code == 200, options.text
    best = options.json()[0]
    assert best["max_level"] >= 5
    assert [j["jurisdiction"] for j in best["jurisdictions"]][-1] == "Khyber Pakhtunkhwa"
    assert any("Besham" in c for c in best["chokepoints"])

    chosen = client.put(
        f"/api/v1/movements/{movement_id}/route",
        headers=requester.headers,
        json={"label": best["label"]},
    )
    assert chosen.status_code == 200, chosen.text
    submitted = client.post(f"/api/v1/movements/{movement_id}/submit", headers=requester.headers)
    assert submitted.status_code == 422
    problem = submitted.json()
    assert "KP-WINDOW-1" in problem["detail"]
    assert any(v["rule_id"] == "KP-WINDOW-1" for v in problem["violations"])

    # the same trip leaving at 08:00 local is cleared, and needs every host crossed
    morning = departure - timedelta(hours=10)
    moved = client.patch(
        f"/api/v1/movements/{movement_id}",
        headers=requester.headers,
        json={
            "departure_at": morning.isoformat(),
            "arrival_at": (morning + timedelta(hours=8)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text
    cleared = client.post(f"/api/v1/movements/{movement_id}/submit", headers=requester.headers)
    assert cleared.status_code == 200, cleared.text
    parties = {a["party"] for a in cleared.json()["approvals"]}
    assert {"host:Khyber Pakhtunkhwa", "guest", "client"} <= parties
    plan = cleared.json()
    assert plan["evaluation"]["requirements"]
    assert plan["evaluation"]["blocked"] is False
