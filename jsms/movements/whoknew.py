"""Who knew: everyone who saw a movement's route or times before it left, from the audit trail.

After a leak (the Karachi airport convoy in 2024) the first question is who could have told.
Every view of a plan and every order copy is an audit event; this reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.movements.models import Movement

DETAIL_ACTIONS = ("movement.details.read", "movement.order.read")


@dataclass
class Knower:
    user_id: str | None
    username: str
    agency_id: str | None
    first_seen: datetime
    views: int = 0
    how: set[str] = field(default_factory=set)
    roles: list[str] = field(default_factory=list)
    agency: str | None = None


def who_knew(db: Session, movement: Movement, *, before: datetime | None = None) -> list[Knower]:
    """People who read the route or times before departure (or `before`), first viewer first."""
    cutoff = before or movement.departure_at
    events = db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_id == movement.id,
            AuditEvent.action.in_(DETAIL_ACTIONS),
            AuditEvent.outcome == "ok",
            AuditEvent.at < cutoff,
        )
        .order_by(AuditEvent.seq)
    )
    people: dict[str, Knower] = {}
    for event in events:
        key = event.actor_id or event.actor_name
        knower = people.get(key)
        if knower is None:
            knower = people[key] = Knower(
                event.actor_id, event.actor_name, event.actor_agency_id, event.at
            )
        knower.views += 1
        knower.how.add(
            event.action.removeprefix("movement.").removesuffix(".read")
            + (f" ({event.detail.get('format')})" if event.detail.get("format") else "")
        )
    return sorted(people.values(), key=lambda k: k.first_seen)
