"""Who knew: everyone who saw a movement's route or times before it left, from the audit trail.

After a leak (the Karachi airport convoy in 2024) the first question is who could have told.
Every view of a plan and every order copy is an audit event; this reads them back, with each
person's roles and agency by name, as an investigator reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit.models import AuditEvent
from jsms.identity.models import Agency, User
from jsms.identity.policy import Actor
from jsms.movements import service
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
    """The user's roles now (an account since removed has none)."""
    agency: str | None = None
    """The name of the agency the user acted for when they saw the plan."""


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
    knowers = sorted(people.values(), key=lambda k: k.first_seen)
    user_ids = {k.user_id for k in knowers if k.user_id}
    roles = dict(db.execute(select(User.id, User.roles).where(User.id.in_(user_ids))).all())
    agency_ids = {k.agency_id for k in knowers if k.agency_id}
    names = dict(db.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))).all())
    for knower in knowers:
        knower.roles = sorted(roles.get(knower.user_id) or []) if knower.user_id else []
        knower.agency = names.get(knower.agency_id) if knower.agency_id else None
    return knowers


def report(db: Session, actor: Actor, movement_id: str) -> tuple[Movement, list[Knower]]:
    """The who-knew table an auditor asks for (API and page alike): the movement as the
    auditor may know it, and the asking itself recorded in the audit trail."""
    movement, _ = service.get_movement(db, actor, movement_id)
    audit.record(db, action="movement.who_knew", object_type="movement", object_id=movement.id)
    return movement, who_knew(db, movement)
