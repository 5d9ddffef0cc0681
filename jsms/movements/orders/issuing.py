"""Issuing movement orders to need-to-know recipients.

Each recipient gets their own watermarked copy (text, HTML or PDF, :mod:`.render`); the copy
is recorded with a snapshot of the order as issued, so a leak can be traced even after the
plan was amended (:mod:`.leak_trace` reads the snapshots back). The watermark key is derived
from the key file, never stored.
"""

from __future__ import annotations

import hashlib
from datetime import time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.identity.policy import Actor
from jsms.keyring import get_keyring
from jsms.movements.models import Movement, OrderCopy
from jsms.movements.orders.content import (
    Communications,
    Emergency,
    EscortLeg,
    InnerRing,
    OrderContent,
    RallyPoint,
    Vehicle,
    content_from_json,
    content_to_json,
)
from jsms.movements.orders.render import render
from jsms.movements.orders.watermark import Recipient, derive_secret
from jsms.movements.sop import FEDERAL, default_policies
from jsms.movements.sop.local_time import LocalZone
from jsms.registry.models import SecurityUnit

__all__ = ["CLASSIFICATION", "issue", "order_content", "recipient", "render"]

CLASSIFICATION = "RESTRICTED - NEED TO KNOW - DO NOT FORWARD"


def _secret() -> bytes:
    return derive_secret(get_keyring().audit_key)


def _unit(db: Session, unit_id: str) -> SecurityUnit | None:
    return db.get(SecurityUnit, unit_id)


def _zone(movement: Movement) -> LocalZone:
    """The local time of the jurisdiction the movement starts in, from its SOP policy."""
    crossed = movement.route.get("jurisdictions") or [{}]
    jurisdiction = crossed[0].get("jurisdiction") or FEDERAL
    return default_policies().zone(jurisdiction, movement.departure_at.date())


def order_content(db: Session, movement: Movement) -> OrderContent:
    """The order's facts from the current plan (no passenger names, only the count)."""
    zone = _zone(movement)
    departure = movement.departure_at.astimezone(zone.tz)
    arrival = movement.arrival_at.astimezone(zone.tz)
    inner = [e for e in movement.escorts if e.ring == "inner"]
    inner_unit = _unit(db, inner[0].unit_id) if inner else None
    outer = []
    for escort in sorted((e for e in movement.escorts if e.ring == "outer"), key=lambda e: e.leg):
        unit = _unit(db, escort.unit_id)
        outer.append(
            EscortLeg(
                unit=unit.call_sign if unit else "host escort",
                start=escort.jurisdiction,
                end=escort.handover_name or movement.destination_name,
                handover=escort.handover_name if escort.handover_lat is not None else None,
            )
        )
    roles = ["lead", "principal", "chase"]
    vehicles = [
        Vehicle(
            callsign=f"V{i + 1}",
            registration=v["registration"],
            armoured=bool(v["armoured"]),
            role=roles[min(i, 2)],
        )
        for i, v in enumerate(movement.vehicles)
    ]
    channel = int(hashlib.sha256(movement.id.encode()).hexdigest()[:4], 16) % 80 + 10
    driving = timedelta(seconds=float(movement.route.get("duration_s", 0)))
    until = min(arrival, departure + driving) if driving else arrival
    checks: list[time] = []
    moment = departure + timedelta(minutes=30)
    while moment < until and len(checks) < 12:
        checks.append(moment.time().replace(second=0, microsecond=0))
        moment += timedelta(minutes=30)
    return OrderContent(
        movement_id=movement.id,
        reference=movement.reference,
        classification=CLASSIFICATION,
        date=departure.date(),
        departure=departure.time().replace(second=0, microsecond=0),
        origin=movement.origin_name,
        destination=movement.destination_name,
        via=list(movement.route.get("via", []))[:8],
        vehicles=vehicles,
        passengers=len(movement.passenger_ids),
        inner_ring=InnerRing(
            callsign=inner_unit.call_sign if inner_unit else "to be assigned",
            strength=inner[0].headcount if inner else 0,
        ),
        outer_ring=outer,
        rally_point=RallyPoint(name=f"{movement.origin_name} assembly point"),
        communications=Communications(radio_channel=f"CH {channel}", check_in_times=checks),
        emergency=Emergency(qrf_callsign=None),
        arrival=arrival.time().replace(second=0, microsecond=0),
        distance_km=round(movement.route.get("distance_m", 0) / 1000, 1) or None,
        driving_minutes=round(driving.total_seconds() / 60) or None,
        timezone=zone.name,
    )


def recipient(user_id: str, username: str) -> Recipient:
    return Recipient(recipient_id=user_id, secret=_secret(), label=username)


def issue(db: Session, actor: Actor, movement: Movement) -> tuple[OrderContent, Recipient]:
    """The caller's copy of the current order (recorded the first time it is issued)."""
    copy = db.scalar(
        select(OrderCopy).where(
            OrderCopy.movement_id == movement.id,
            OrderCopy.user_id == actor.user_id,
            OrderCopy.movement_version == movement.version,
        )
    )
    if copy is None:
        content = order_content(db, movement)
        copy = OrderCopy(
            movement_id=movement.id,
            movement_version=movement.version,
            user_id=actor.user_id,
            issued_at=utcnow(),
            content=content_to_json(content),
        )
        db.add(copy)
        db.flush()
    else:
        content = content_from_json(copy.content)
    return content, recipient(actor.user_id, actor.username)
