"""Which movement a device reports for, and in what role, derived from who carries it.

- protectee: the device of a passenger, or of one of the company's vehicles on the movement;
- escort: the device of a unit assigned to one of the movement's legs.

Only movements on the road, or approved and due within two hours, take positions, and only
fixes made from then on (a late fix from before the movement is kept but not attached).
The rule is plain data in, plain data out (`role_on`), so the positions read API uses it too;
`Assignments` holds the live movements in memory for ingest and refreshes them.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine

from jsms.db import utcnow
from jsms.movements.models import EscortAssignment, Movement
from jsms.tracking.directory import KnownDevice

__all__ = ["Assignments", "LiveMovement", "role_on"]

DUE_WITHIN = timedelta(hours=2)
STALE_APPROVAL = timedelta(hours=24)  # an approved movement this late no longer takes fixes


@dataclass(frozen=True, slots=True)
class LiveMovement:
    id: str
    status: str
    client_agency_id: str
    since: datetime  # fixes before this are not the movement's
    passenger_ids: frozenset[str]
    vehicle_registrations: frozenset[str]
    unit_ids: frozenset[str]


def role_on(device: KnownDevice, movement: LiveMovement) -> str | None:
    """The role `device` plays on `movement`, or None when it has nothing to do with it."""
    if device.person_id and device.person_id in movement.passenger_ids:
        return "protectee"
    if device.unit_id and device.unit_id in movement.unit_ids:
        return "escort"
    if (
        device.unit_id is None
        and device.vehicle_registration
        and device.agency_id == movement.client_agency_id
        and device.vehicle_registration in movement.vehicle_registrations
    ):
        return "protectee"
    return None


def live_movement(movement: Any, unit_ids: set[str]) -> LiveMovement:
    """A movement (or a row of the movements table) as ingest places fixes on it."""
    started = movement.started_at or (movement.departure_at - DUE_WITHIN)
    return LiveMovement(
        id=movement.id,
        status=movement.status,
        client_agency_id=movement.client_agency_id,
        since=min(started, movement.departure_at - DUE_WITHIN),
        passenger_ids=frozenset(movement.passenger_ids or []),
        vehicle_registrations=frozenset(_registrations(movement.vehicles)),
        unit_ids=frozenset(unit_ids),
    )


def _registrations(vehicles: list[dict[str, Any]] | None) -> list[str]:
    return [str(v["registration"]) for v in vehicles or [] if v.get("registration")]


_COLUMNS = (
    Movement.id,
    Movement.status,
    Movement.client_agency_id,
    Movement.started_at,
    Movement.departure_at,
    Movement.passenger_ids,
    Movement.vehicles,
)


class Assignments:
    """The movements taking positions now, indexed by person, unit and vehicle."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._by_person: dict[str, list[LiveMovement]] = {}
        self._by_unit: dict[str, list[LiveMovement]] = {}
        self._by_vehicle: dict[str, list[LiveMovement]] = {}

    def refresh(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        live = or_(
            Movement.status == "in_progress",
            and_(
                Movement.status == "approved",
                Movement.departure_at <= now + DUE_WITHIN,
                Movement.departure_at >= now - STALE_APPROVAL,
            ),
        )
        with self._engine.connect() as connection:
            rows = connection.execute(select(*_COLUMNS).where(live)).all()
            ids = [row.id for row in rows]
            escorts = connection.execute(
                select(EscortAssignment.movement_id, EscortAssignment.unit_id).where(
                    EscortAssignment.movement_id.in_(ids)
                )
            ).all()
        units: dict[str, set[str]] = defaultdict(set)
        for movement_id, unit_id in escorts:
            units[movement_id].add(unit_id)
        by_person: dict[str, list[LiveMovement]] = defaultdict(list)
        by_unit: dict[str, list[LiveMovement]] = defaultdict(list)
        by_vehicle: dict[str, list[LiveMovement]] = defaultdict(list)
        for row in rows:
            movement = live_movement(row, units[row.id])
            for person in movement.passenger_ids:
                by_person[person].append(movement)
            for unit in movement.unit_ids:
                by_unit[unit].append(movement)
            for registration in movement.vehicle_registrations:
                by_vehicle[registration].append(movement)
        with self._lock:
            self._by_person, self._by_unit, self._by_vehicle = by_person, by_unit, by_vehicle

    def place(self, device: KnownDevice, fixed_at: datetime) -> tuple[str | None, str]:
        """(movement id, role) for a fix of `device`; (None, "unknown") when none applies.
        A movement on the road wins over one still waiting to leave."""
        candidates: list[LiveMovement] = []
        if device.person_id:
            candidates += self._by_person.get(device.person_id, [])
        if device.unit_id:
            candidates += self._by_unit.get(device.unit_id, [])
        elif device.vehicle_registration:
            candidates += self._by_vehicle.get(device.vehicle_registration, [])
        best: LiveMovement | None = None
        for movement in candidates:
            if fixed_at < movement.since or role_on(device, movement) is None:
                continue
            if best is None or (movement.status == "in_progress", movement.since) > (
                best.status == "in_progress",
                best.since,
            ):
                best = movement
        if best is None:
            return None, "unknown"
        return best.id, role_on(device, best) or "unknown"
