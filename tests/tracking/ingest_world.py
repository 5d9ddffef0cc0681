"""Devices for the ingest tests: a movement on the road (Karachi airport to Hub, from
tests/movements), its passengers' phones, an escort unit's vehicle tracker, a company
gateway, and another company's device; plus a bus that records what it is handed."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.identity.roles import Side
from jsms.movements.models import Movement
from jsms.tracking import devices
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.models import IngestRejection, Position
from tests.movements.conftest import MovementWorld, actor_of

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Registered:
    id: str
    identifier: str
    key: str


@dataclass
class Fleet:
    phone: Registered  # osmand, carried by passenger 0
    owntracks: Registered  # owntracks "li/phone", carried by passenger 1
    escort: Registered  # osmand, the guest unit's vehicle
    gateway: Registered  # company A's gateway
    stranger: Registered  # osmand, company B's vehicle
    movement_id: str


class RecordingBus:
    """A PositionBus that keeps what it was handed, for the tests to look at."""

    def __init__(self) -> None:
        self.batches: list[list[StoredPosition]] = []
        self.arrived = threading.Condition()

    def publish(self, positions: Sequence[StoredPosition]) -> None:
        with self.arrived:
            self.batches.append(list(positions))
            self.arrived.notify_all()

    @property
    def positions(self) -> list[StoredPosition]:
        return [p for batch in self.batches for p in batch]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[StoredPosition]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.positions) >= count, timeout)
        return self.positions


def register(db: Session, agency_id: str, side: Side, **fields: Any) -> Registered:
    issued = devices.register(db, actor_of(agency_id, side), **fields)
    return Registered(issued.device.id, issued.device.identifier, issued.key)


@pytest.fixture
def on_the_road(db: Session, approved: str) -> str:
    """The approved movement, left ten minutes ago, route released to its escorts."""
    db.rollback()
    movement = db.get(Movement, approved)
    assert movement is not None
    now = datetime.now(UTC)
    movement.departure_at = now - timedelta(minutes=10)
    movement.arrival_at = now + timedelta(hours=2)
    movement.release_at = now - timedelta(hours=1)
    movement.started_at = now - timedelta(minutes=10)
    movement.status = "in_progress"
    db.commit()
    return approved


@pytest.fixture
def fleet(db: Session, mworld: MovementWorld, on_the_road: str) -> Fleet:
    world = mworld.world
    made = Fleet(
        phone=register(
            db,
            world.company_a,
            Side.CLIENT,
            identifier="353861053849681",
            protocol="osmand",
            label="Engineer 0's phone",
            person_id=mworld.passengers[0],
        ),
        owntracks=register(
            db,
            world.company_a,
            Side.CLIENT,
            identifier="li/phone",
            protocol="owntracks",
            person_id=mworld.passengers[1],
        ),
        escort=register(
            db,
            world.guest,
            Side.GUEST,
            identifier="gsd-cp-9-tracker",
            protocol="osmand",
            unit_id=mworld.guest_unit,
            vehicle_registration="GSD-CP-9-1",
        ),
        gateway=register(
            db, world.company_a, Side.CLIENT, identifier="gw-co-a", protocol="gateway"
        ),
        stranger=register(
            db,
            world.company_b,
            Side.CLIENT,
            identifier="co-b-77",
            protocol="osmand",
            vehicle_registration="CO-B-77",
        ),
        movement_id=on_the_road,
    )
    db.commit()
    return made


@pytest.fixture
def bus(app: Any) -> RecordingBus:
    """What the app's ingest hands on (set before the first device request)."""
    recording = RecordingBus()
    app.state.position_bus = recording
    return recording


@pytest.fixture
def fresh_client(client: Any, fleet: Fleet, bus: RecordingBus) -> Iterator[Any]:
    """The API client with the fleet registered and the recording bus in place."""
    yield client


def stored(db: Session, device_id: str | None = None) -> list[Position]:
    db.rollback()
    stmt = select(Position).order_by(Position.seq)
    if device_id:
        stmt = stmt.where(Position.device_id == device_id)
    return list(db.scalars(stmt))


def refusals(db: Session, pipeline: Any) -> dict[tuple[str, str], int]:
    """The stored counters, once the pipeline has written what it added up."""
    pipeline.flush()
    db.rollback()
    return {(r.source, r.reason): r.count for r in db.scalars(select(IngestRejection))}


def count_positions(db: Session) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(Position)) or 0)
