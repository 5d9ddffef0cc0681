"""A two-province movement world: Karachi airport (Sindh) to Hub (Balochistan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.identity import service as identity
from jsms.identity.models import User
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.movements import escorts, service
from jsms.movements.models import Movement
from jsms.registry import service as registry
from tests.conftest import World

AIRPORT = (24.9067, 67.1608)
BORDER = (24.98, 66.99)  # the Hub river, where Sindh meets Balochistan
HUB = (25.0255, 66.8853)


@dataclass
class MovementWorld:
    world: World
    host_bal: str
    passengers: list[str]
    guest_unit: str
    sindh_unit: str
    bal_unit: str
    departure: datetime
    route: dict


def actor_of(
    agency_id: str, side: Side, role: Role = Role.ADMIN, user_id: str = "fixture"
) -> Actor:
    return Actor(
        user_id=user_id,
        username="fixture",
        agency_id=agency_id,
        side=side,
        roles=frozenset({role}),
    )


@pytest.fixture
def mworld(db: Session, world: World) -> MovementWorld:
    host_bal = identity.create_agency(
        db,
        name="Balochistan SPU",
        short_name="SPU-B",
        side=Side.HOST,
        country="PK",
        provinces=["Balochistan"],
    ).id
    company = actor_of(world.company_a, Side.CLIENT)
    passengers = [
        registry.create_person(
            db, company, full_name=f"Engineer {i}", nationality="CN", passport_number=f"EA100000{i}"
        ).id
        for i in range(3)
    ]

    def unit(agency: str, call_sign: str, strength: int) -> str:
        return registry.create_unit(
            db,
            agency_id=agency,
            name=call_sign,
            call_sign=call_sign,
            unit_type="escort",
            strength=strength,
            vehicles=[
                {
                    "registration": f"{call_sign}-1",
                    "kind": "armoured pickup",
                    "armoured": True,
                    "seats": 6,
                }
            ],
        ).id

    guest_unit = unit(world.guest, "GSD-CP-9", 6)
    sindh_unit = unit(world.host_sindh, "SINDH-ESC-9", 12)
    bal_unit = unit(host_bal, "BAL-ESC-9", 12)
    now = datetime.now(UTC)
    registry.grant_authorisation(
        db,
        actor_of(world.host_sindh, Side.HOST),
        guest_agency_id=world.guest,
        unit_id=None,
        provinces=["Sindh"],
        districts=[],
        site_ids=[],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        headcount_cap=8,
        arms="sidearms",
        conditions="",
    )
    db.commit()
    route = {
        "label": "fastest",
        "coordinates": [[AIRPORT[1], AIRPORT[0]], [BORDER[1], BORDER[0]], [HUB[1], HUB[0]]],
        "distance_m": 32_000,
        "duration_s": 2_700,
        "exposure": 1.0,
        "max_level": 2,
        "jurisdictions": [
            {"jurisdiction": "Sindh", "enter": list(AIRPORT), "exit": list(BORDER)},
            {"jurisdiction": "Balochistan", "enter": list(BORDER), "exit": list(HUB)},
        ],
    }
    return MovementWorld(
        world,
        host_bal,
        passengers,
        guest_unit,
        sindh_unit,
        bal_unit,
        now + timedelta(days=2),
        route,
    )


def submit_hub_movement(db: Session, mworld: MovementWorld) -> Movement:
    """Karachi airport to Hub on the fixed route, submitted: awaiting Sindh, Balochistan, the
    guest detail and company A."""
    user_id = db.scalar(select(User.id).where(User.username == "fixture-requester"))
    if user_id is None:  # a test may ask for two movements (submitted and approved)
        user_id = identity.create_user(
            db,
            username="fixture-requester",
            display_name="requester",
            agency_id=mworld.world.company_a,
            roles=[Role.REQUESTER],
            password="fixture-password-1",
        ).user.id
    owner = actor_of(mworld.world.company_a, Side.CLIENT, Role.REQUESTER, user_id=user_id)
    movement = service.create_movement(
        db,
        owner,
        purpose="Airport pick-up",
        origin_name="Karachi airport",
        origin_lat=24.9067,
        origin_lon=67.1608,
        destination_name="Hub",
        destination_lat=25.0255,
        destination_lon=66.8853,
        departure_at=mworld.departure,
        arrival_at=mworld.departure + timedelta(hours=2),
        passenger_ids=mworld.passengers,
        vehicles=[],
    )
    service.set_route(db, owner, movement, mworld.route)
    service.submit(db, owner, movement)
    return movement


@pytest.fixture
def submitted(db: Session, mworld: MovementWorld) -> str:
    """A movement awaiting every party's decision."""
    movement = submit_hub_movement(db, mworld)
    db.commit()
    return movement.id


@pytest.fixture
def approved(db: Session, mworld: MovementWorld) -> str:
    """An approved movement with a guest inner ring and a Sindh outer ring on leg 0."""
    movement = submit_hub_movement(db, mworld)
    escorts.assign(
        db,
        actor_of(mworld.world.guest, Side.GUEST),
        movement,
        unit_id=mworld.guest_unit,
        leg=0,
        ring="inner",
    )
    escorts.assign(
        db,
        actor_of(mworld.world.host_sindh, Side.HOST),
        movement,
        unit_id=mworld.sindh_unit,
        leg=0,
        ring="outer",
    )
    for approval in movement.approvals:
        approval.status = "approved"
    movement.status = "approved"
    movement.release_at = mworld.departure - timedelta(hours=6)
    db.commit()
    return movement.id


def release_now(db: Session, movement_id: str) -> None:
    db.rollback()
    movement = db.get(Movement, movement_id)
    assert movement is not None
    movement.release_at = datetime.now(UTC) - timedelta(minutes=1)
    db.commit()
