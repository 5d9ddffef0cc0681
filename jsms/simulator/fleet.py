"""Which convoys to drive and with which devices: the movements the live monitor watches (on
the road, or approved and due within two hours) with their approved routes, and the devices
that report for them (as ingest places them: the assigned units' trackers, the passengers'
phones) whose keys the simulator holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jsms.movements.models import EscortAssignment, Movement
from jsms.simulator.script import Member
from jsms.tracking import live_plans
from jsms.tracking.models import Device

__all__ = ["Convoy", "DeviceKey", "live_convoys", "read_keys"]

TRACKER_EVERY_S = 5.0  # Traccar Client's usual interval on the road
PHONE_EVERY_S = 10.0  # OwnTracks in move mode


@dataclass(frozen=True)
class DeviceKey:
    identifier: str
    protocol: str
    key: str
    label: str


def read_keys(path: Path) -> dict[str, DeviceKey]:
    """The devices' keys, as the demo wrote them (jsms.demo.devices)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {
        row["identifier"]: DeviceKey(row["identifier"], row["protocol"], row["key"], row["label"])
        for row in data.get("devices", [])
    }


@dataclass(frozen=True)
class Convoy:
    """A movement to drive, with its route and its devices."""

    movement_id: str
    reference: str
    status: str
    route: list[list[float]]  # GeoJSON [lon, lat]
    departure_at: datetime
    arrival_at: datetime
    started_at: datetime | None
    members: tuple[Member, ...]

    def schedule_fraction(self, now: datetime) -> float:
        """How far along the plan says the convoy should be by now (0 before it started)."""
        if self.status != "in_progress":
            return 0.0
        start = self.started_at or self.departure_at
        span = (self.arrival_at - self.departure_at).total_seconds()
        return min(max((now - start).total_seconds() / span, 0.0), 1.0) if span > 0 else 0.0


def _members(db: Session, movement: Movement, keys: dict[str, DeviceKey]) -> list[Member]:
    units = list(
        db.scalars(
            select(EscortAssignment.unit_id).where(EscortAssignment.movement_id == movement.id)
        )
    )
    rows = db.scalars(
        select(Device)
        .where(
            Device.active.is_(True),
            or_(Device.unit_id.in_(units), Device.person_id.in_(movement.passenger_ids or [])),
        )
        .order_by(Device.identifier)
    ).all()
    members: list[Member] = []
    escorts = 0
    for device in rows:
        known = keys.get(device.identifier)
        if known is None or known.protocol != device.protocol:
            continue
        escort = device.person_id is None
        if escort:  # the escort vehicles take turns ahead of and behind the protected ones
            escorts += 1
            gap = 90.0 * ((escorts + 1) // 2) * (1 if escorts % 2 else -1)
        else:
            gap = 8.0 * (len(members) % 3)
        members.append(
            Member(
                identifier=device.identifier,
                protocol=device.protocol,
                role="escort" if escort else "protectee",
                key=known.key,
                label=known.label,
                gap_m=gap,
                every_s=TRACKER_EVERY_S if device.protocol == "osmand" else PHONE_EVERY_S,
                next_at=0.25 * len(members),  # not every device in the same second
            )
        )
    return members


def live_convoys(db: Session, keys: dict[str, DeviceKey], now: datetime) -> list[Convoy]:
    """Movements to drive now, on the road first; those without a route or devices are left."""
    convoys = []
    for movement in live_plans.movements_to_watch(db, now):
        coordinates = (movement.route or {}).get("coordinates") or []
        members = _members(db, movement, keys)
        if len(coordinates) < 2 or not members:
            continue
        convoys.append(
            Convoy(
                movement_id=movement.id,
                reference=movement.reference,
                status=movement.status,
                route=coordinates,
                departure_at=movement.departure_at,
                arrival_at=movement.arrival_at,
                started_at=movement.started_at,
                members=tuple(members),
            )
        )
    convoys.sort(key=lambda c: (c.status != "in_progress", c.departure_at))
    return convoys
