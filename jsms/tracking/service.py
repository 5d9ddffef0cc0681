"""Reading what ingest stored: a movement's positions (route detail: need-to-know, audited)
and the counters of refused device messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.errors import Forbidden
from jsms.identity.policy import Actor
from jsms.movements import service as movements
from jsms.movements.models import EscortAssignment, Movement
from jsms.tracking.assignment import live_movement, role_on
from jsms.tracking.directory import KnownDevice
from jsms.tracking.models import Device, IngestRejection, Position
from jsms.tracking.rejections import rejection_query

__all__ = ["MovementTrack", "movement_positions", "rejection_counts"]

MAX_POSITIONS = 5_000


@dataclass(frozen=True)
class MovementTrack:
    movement: Movement
    positions: list[tuple[Position, Device, str]]  # each with its device and role


def known(device: Device) -> KnownDevice:
    return KnownDevice(
        id=device.id,
        identifier=device.identifier,
        protocol=device.protocol,
        agency_id=device.agency_id,
        active=device.active,
        secret_hash="",
        person_id=device.person_id,
        unit_id=device.unit_id,
        vehicle_registration=device.vehicle_registration,
    )


def movement_positions(
    db: Session,
    actor: Actor,
    movement_id: str,
    *,
    after_seq: int = 0,
    since: datetime | None = None,
    limit: int = 1_000,
) -> MovementTrack:
    """The movement's positions in arrival order (after `after_seq`, for polling), for those
    who may see its route and times; each read is audited, a refusal too."""
    movement, seen = movements.get_movement(db, actor, movement_id)
    if not seen.details:
        raise Forbidden(
            f"the positions of {movement.reference} are need-to-know like its route: {seen.reason}"
        )
    stmt = (
        select(Position, Device)
        .join(Device, Device.id == Position.device_id)
        .where(Position.movement_id == movement.id, Position.seq > after_seq)
        .order_by(Position.seq)
        .limit(min(limit, MAX_POSITIONS))
    )
    if since is not None:
        stmt = stmt.where(Position.fixed_at >= since)
    rows = db.execute(stmt).all()
    units = set(
        db.scalars(
            select(EscortAssignment.unit_id).where(EscortAssignment.movement_id == movement.id)
        )
    )
    live = live_movement(movement, units)
    positions = [
        (position, device, role_on(known(device), live) or "unknown") for position, device in rows
    ]
    audit.record(
        db,
        action="movement.positions.read",
        object_type="movement",
        object_id=movement.id,
        detail={"count": len(positions), "after_seq": after_seq, "reason": seen.reason},
    )
    return MovementTrack(movement, positions)


def rejection_counts(db: Session) -> list[IngestRejection]:
    return list(db.scalars(rejection_query()))
