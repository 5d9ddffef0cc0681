"""Fixtures for the live pages and the feed: the Karachi airport to Hub movement on the road
(tests/movements/conftest), a tracker in the Sindh escort's vehicle and a phone for the first
passenger, positions stored as ingest stores them, and findings raised as the monitor does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts.findings import Finding
from jsms.alerts.models import Alert
from jsms.alerts.service import raise_alert
from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.movements.models import Movement
from jsms.tracking import devices
from jsms.tracking.models import Position
from tests.movements.conftest import AIRPORT, BORDER, HUB, MovementWorld, actor_of

__all__ = ["AIRPORT", "BORDER", "HUB", "LiveWorld", "audit_count", "store_position"]


@dataclass
class LiveWorld:
    movement_id: str
    tracker: str  # device ids
    phone: str
    mworld: MovementWorld
    keys: dict[str, str]  # device identifier -> its key


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with light parameters: codes are checked the same way, only faster."""
    from argon2 import PasswordHasher

    from jsms.identity import credentials
    from jsms.tracking import checkins

    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", light)
    monkeypatch.setattr(checkins, "_hasher", light)


@pytest.fixture
def live(db: Session, mworld: MovementWorld, approved: str) -> Iterator[LiveWorld]:
    """The approved movement, started and released, with its two devices."""
    movement = db.get(Movement, approved)
    assert movement is not None
    movement.status = "in_progress"
    movement.started_at = datetime.now(UTC) - timedelta(minutes=10)
    movement.release_at = datetime.now(UTC) - timedelta(hours=1)
    world = mworld.world
    tracker_issued = devices.register(
        db,
        actor_of(world.host_sindh, Side.HOST),
        identifier="trk-sindh-esc-9-1",
        protocol="osmand",
        label="SINDH-ESC-9 lead vehicle",
        unit_id=mworld.sindh_unit,
        vehicle_registration="SINDH-ESC-9-1",
    )
    phone_issued = devices.register(
        db,
        actor_of(world.company_a, Side.CLIENT),
        identifier="co-a/phone-1",
        protocol="owntracks",
        label="Engineer 0's phone",
        person_id=mworld.passengers[0],
    )
    db.commit()
    keys = {i.device.identifier: i.key for i in (tracker_issued, phone_issued)}
    yield LiveWorld(approved, tracker_issued.device.id, phone_issued.device.id, mworld, keys)


def store_position(
    db: Session, world: LiveWorld, device_id: str, lat: float, lon: float, **extra: Any
) -> int:
    """A fix as ingest stores it (committed), placed on the movement; its seq."""
    now = datetime.now(UTC)
    position = Position(
        device_id=device_id,
        movement_id=world.movement_id,
        fixed_at=extra.pop("fixed_at", now),
        received_at=now,
        lat=lat,
        lon=lon,
        source="osmand",
        **extra,
    )
    db.add(position)
    db.commit()
    return position.seq


def deviation(world: LiveWorld, key: str = "dev-1", **overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "kind": "deviation",
        "severity": "warning",
        "key": f"{world.movement_id}:deviation:{key}",
        "title": "MV left the approved corridor by 1.2 km",
        "at": datetime.now(UTC),
        "movement_id": world.movement_id,
        "lat": AIRPORT[0] + 0.01,
        "lon": AIRPORT[1],
    }
    values.update(overrides)
    return Finding(**values)


def raise_finding(db: Session, finding: Finding) -> Alert:
    alert = raise_alert(db, finding)
    db.commit()
    return alert


def audit_count(db: Session, action: str, object_id: str | None = None) -> int:
    db.rollback()
    stmt = select(func.count(AuditEvent.seq)).where(AuditEvent.action == action)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    return db.scalar(stmt) or 0


def actor(login_user_id: str, agency_id: str, side: Side, role: Role) -> Any:
    return actor_of(agency_id, side, role, user_id=login_user_id)
