"""Where movements meet the other engines: routing, the SOP check and predictability."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.movements.models import Movement
from jsms.movements.predictability import Plan, find_repeats, suggestions


def _plan(movement: Movement) -> Plan:
    coords = tuple((lat, lon) for lon, lat in movement.route.get("coordinates", []))
    return Plan(
        movement.reference,
        (movement.origin_lat, movement.origin_lon),
        (movement.destination_lat, movement.destination_lon),
        movement.departure_at,
        coords,
    )


def predictability(db: Session, movement: Movement) -> list[dict[str, Any]]:
    """Recent movements this one repeats (same ends, same hour, same road), with advice."""
    window = timedelta(days=30)
    recent = db.scalars(
        select(Movement).where(
            Movement.id != movement.id,
            Movement.departure_at >= movement.departure_at - window,
            Movement.departure_at <= movement.departure_at + window,
            Movement.status.in_(("submitted", "approved", "in_progress", "completed")),
        )
    ).all()
    plan = _plan(movement)
    repeats = find_repeats(plan, [_plan(m) for m in recent])
    if not repeats:
        return []
    advice = suggestions(plan, repeats)
    return [
        {
            "repeats": r.reference,
            "departure_at": r.departure_at.isoformat(),
            "minutes_apart": r.minutes_apart,
            "route_overlap": r.route_overlap,
            "suggestions": advice,
        }
        for r in repeats
    ]
