"""Issuing movement orders to need-to-know recipients.

Each recipient gets their own watermarked copy (text, HTML or PDF,
`jsms.movements.orders.render`); the copy is recorded with a snapshot of the order as issued,
so a leak can be traced even after the plan was amended
(:mod:`jsms.movements.orders.leak_trace` reads the snapshots back). The watermark key is
derived from the key file, never stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.identity.policy import Actor
from jsms.keyring import get_keyring
from jsms.movements.models import Movement, OrderCopy
from jsms.movements.orders import render as orders
from jsms.movements.orders.watermark import Recipient, derive_secret
from jsms.registry.models import SecurityUnit

PKT = orders.PKT
CLASSIFICATION = "RESTRICTED - NEED TO KNOW - DO NOT FORWARD"


def _secret() -> bytes:
    return derive_secret(get_keyring().audit_key)


def _unit(db: Session, unit_id: str) -> SecurityUnit | None:
    return db.get(SecurityUnit, unit_id)


def order_content(db: Session, movement: Movement) -> orders.OrderContent:
    """The order's facts from the current plan (no passenger names, only the count)."""
    departure = movement.departure_at.astimezone(PKT)
    arrival = movement.arrival_at.astimezone(PKT)
    inner = [e for e in movement.escorts if e.ring == "inner"]
    inner_unit = _unit(db, inner[0].unit_id) if inner else None
    outer = []
    for escort in sorted((e for e in movement.escorts if e.ring == "outer"), key=lambda e: e.leg):
        unit = _unit(db, escort.unit_id)
        outer.append(
            orders.EscortLeg(
                unit=unit.call_sign if unit else "host escort",
                start=escort.jurisdiction,
                end=escort.handover_name or movement.destination_name,
                handover=escort.handover_name if escort.handover_lat is not None else None,
            )
        )
    roles = ["lead", "principal", "chase"]
    vehicles = [
        orders.Vehicle(
            callsign=f"V{i + 1}",
            registration=v["registration"],
            armoured=bool(v["armoured"]),
            role=roles[min(i, 2)],
        )
        for i, v in enumerate(movement.vehicles)
    ]
    channel = int(hashlib.sha256(movement.id.encode()).hexdigest()[:4], 16) % 80 + 10
    checks = []
    moment = departure + timedelta(minutes=30)
    while moment < arrival and len(checks) < 12:
        checks.append(moment.time().replace(second=0, microsecond=0))
        moment += timedelta(minutes=30)
    return orders.OrderContent(
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
        inner_ring=orders.InnerRing(
            callsign=inner_unit.call_sign if inner_unit else "to be assigned",
            strength=inner[0].headcount if inner else 0,
        ),
        outer_ring=outer,
        rally_point=orders.RallyPoint(name=f"{movement.origin_name} assembly point"),
        communications=orders.Communications(radio_channel=f"CH {channel}", check_in_times=checks),
        emergency=orders.Emergency(qrf_callsign="host QRF on call"),
        arrival=arrival.time().replace(second=0, microsecond=0),
        distance_km=round(movement.route.get("distance_m", 0) / 1000, 1) or None,
    )


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def content_from_json(data: dict[str, Any]) -> orders.OrderContent:
    """The snapshot back as the dataclass the renderer and the tracer use."""
    comms = data["communications"]
    return orders.OrderContent(
        **{
            k: data[k]
            for k in (
                "movement_id",
                "reference",
                "classification",
                "origin",
                "destination",
                "via",
                "passengers",
                "distance_km",
            )
        },
        date=date.fromisoformat(data["date"]),
        departure=time.fromisoformat(data["departure"]),
        arrival=time.fromisoformat(data["arrival"]) if data.get("arrival") else None,
        vehicles=[orders.Vehicle(**v) for v in data["vehicles"]],
        inner_ring=orders.InnerRing(**data["inner_ring"]),
        outer_ring=[orders.EscortLeg(**leg) for leg in data["outer_ring"]],
        rally_point=orders.RallyPoint(**data["rally_point"]),
        communications=orders.Communications(
            radio_channel=comms["radio_channel"],
            control=comms["control"],
            spare_channel=comms.get("spare_channel"),
            check_in_times=[time.fromisoformat(t) for t in comms["check_in_times"]],
        ),
        emergency=orders.Emergency(
            qrf_callsign=data["emergency"]["qrf_callsign"],
            qrf_base=data["emergency"].get("qrf_base"),
            qrf_response_min=data["emergency"].get("qrf_response_min"),
            hospitals=[orders.Hospital(**h) for h in data["emergency"]["hospitals"]],
        ),
        contacts=[orders.Contact(**c) for c in data["contacts"]],
    )


def recipient(user_id: str, username: str) -> Recipient:
    return Recipient(recipient_id=user_id, secret=_secret(), label=f"Copy for {username}")


def issue(db: Session, actor: Actor, movement: Movement) -> tuple[orders.OrderContent, Recipient]:
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
            content=_to_json(content),
        )
        db.add(copy)
        db.flush()
    else:
        content = content_from_json(copy.content)
    return content, recipient(actor.user_id, actor.username)


def render(content: orders.OrderContent, who: Recipient, fmt: str) -> bytes | str:
    if fmt == "pdf":
        return orders.render_pdf(content, who)
    if fmt == "html":
        return orders.render_html(content, who)
    return orders.render_text(content, who)
