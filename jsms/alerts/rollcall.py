"""Roll calls: "are you safe?" to everyone near an incident (or a point), answered by app,
API or SMS keyword, tracked per person with the channel and time; silence after
`escalate_at` raises a `roll_call_unanswered` alert and "HELP" a `need_help` alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts.findings import Finding
from jsms.alerts.models import RollCall, RollCallTarget
from jsms.alerts.rollcall_targets import Area, targets_in
from jsms.alerts.service import raise_alert
from jsms.db import new_id, utcnow
from jsms.errors import Conflict, Invalid, NotFound
from jsms.identity.policy import Actor, person_scope
from jsms.registry.models import ProtectedPerson
from jsms.threat.models import Incident

ANSWERS = ("safe", "need_help")
ASK_TEXT = "JSMS roll call ({title}): are you safe? Reply SAFE or HELP."


def start(
    db: Session,
    actor: Actor,
    *,
    radius_km: float,
    incident_id: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    title: str | None = None,
    answer_within: timedelta = timedelta(minutes=15),
    sms: bool = True,
    now: datetime | None = None,
) -> RollCall:
    """Ask everyone within `radius_km` of the incident (or of the point)."""
    now = now or utcnow()
    if incident_id:
        incident = db.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        if incident.lat is None or incident.lon is None:
            raise Invalid(
                "the incident has no position: give a point instead",
                errors=[{"field": "incident_id", "reason": "has no position"}],
            )
        lat, lon = incident.lat, incident.lon
        title = title or f"Roll call: {incident.title}"
    if lat is None or lon is None:
        raise Invalid(
            "name an incident or give a point (lat and lon)",
            errors=[{"field": "lat", "reason": "required without an incident"}],
        )
    roll_call = RollCall(
        id=new_id(),
        incident_id=incident_id,
        title=(title or f"Roll call within {radius_km:g} km of {lat:.4f},{lon:.4f}")[:300],
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        started_by=actor.username,
        started_at=now,
        escalate_at=now + answer_within,
    )
    for target in targets_in(db, actor, Area(lat, lon, radius_km), now):
        roll_call.targets.append(
            RollCallTarget(
                roll_call_id=roll_call.id,
                person_id=target.person_id,
                movement_id=target.movement_id,
                why=target.why[:200],
                status="pending",
                sms_status="pending" if sms else None,
            )
        )
    db.add(roll_call)
    db.flush()
    return roll_call


def get(db: Session, roll_call_id: str) -> RollCall:
    roll_call = db.get(RollCall, roll_call_id)
    if roll_call is None:
        raise NotFound(f"no roll call {roll_call_id}")
    return roll_call


def visible_targets(db: Session, actor: Actor, roll_call: RollCall) -> list[RollCallTarget]:
    """The targets whose person the actor may know about (a company: its own staff)."""
    allowed = set(
        db.scalars(
            select(ProtectedPerson.id).where(
                person_scope(actor, ProtectedPerson),
                ProtectedPerson.id.in_([t.person_id for t in roll_call.targets]),
            )
        )
    )
    return [t for t in roll_call.targets if t.person_id in allowed]


def counts(targets: list[RollCallTarget]) -> dict[str, int]:
    """How many are safe, need help, have not answered: the live map's figures."""
    tally = {"total": len(targets), "safe": 0, "need_help": 0, "pending": 0}
    for target in targets:
        tally[target.status] = tally.get(target.status, 0) + 1
    return tally


def close(db: Session, roll_call_id: str, now: datetime | None = None) -> RollCall:
    roll_call = get(db, roll_call_id)
    if roll_call.closed_at is not None:
        raise Conflict("the roll call is already closed")
    roll_call.closed_at = now or utcnow()
    db.flush()
    return roll_call


def _title_of(db: Session, person_id: str) -> str:
    person = db.get(ProtectedPerson, person_id)
    return person.full_name if person else "a protected person"


def record_answer(
    db: Session, target: RollCallTarget, status: str, channel: str, now: datetime | None = None
) -> RollCallTarget:
    """Keep a person's answer; HELP raises a need_help alert at once."""
    if status not in ANSWERS:
        raise Invalid(
            f"answer safe or need_help, not {status!r}",
            errors=[{"field": "status", "reason": "safe or need_help"}],
        )
    roll_call = target.roll_call
    if roll_call.closed_at is not None:
        raise Conflict("this roll call is closed")
    now = now or utcnow()
    target.status = status
    target.answered_at = now
    target.channel = channel
    if status == "need_help":
        raise_alert(
            db,
            Finding(
                kind="need_help",
                severity="critical",
                key=f"need_help:{roll_call.id}:{target.person_id}",
                title=f"{_title_of(db, target.person_id)} asked for help ({roll_call.title})",
                at=now,
                movement_id=target.movement_id,
                lat=roll_call.lat,
                lon=roll_call.lon,
                detail={"person_id": target.person_id, "roll_call_id": roll_call.id},
            ),
            now,
        )
    db.flush()
    return target


def asking(db: Session, person_id: str) -> list[RollCallTarget]:
    """Open roll calls still waiting for this person's answer (the phone view asks these)."""
    return list(
        db.scalars(
            select(RollCallTarget)
            .join(RollCall)
            .where(
                RollCallTarget.person_id == person_id,
                RollCallTarget.status == "pending",
                RollCall.closed_at.is_(None),
            )
            .order_by(RollCall.started_at.desc())
        )
    )


def answer_for(
    db: Session, actor: Actor, roll_call_id: str, status: str, channel: str
) -> RollCallTarget:
    """A protected person answers for themselves."""
    target = db.scalar(
        select(RollCallTarget).where(
            RollCallTarget.roll_call_id == roll_call_id,
            RollCallTarget.person_id == (actor.person_id or ""),
        )
    )
    if target is None:
        raise NotFound(f"roll call {roll_call_id} does not ask you")
    return record_answer(db, target, status, channel)


def escalate_unanswered(db: Session, now: datetime) -> list[RollCallTarget]:
    """Silence after the deadline: one roll_call_unanswered alert per person."""
    overdue = db.scalars(
        select(RollCallTarget)
        .join(RollCall)
        .where(
            RollCall.closed_at.is_(None),
            RollCall.escalate_at <= now,
            RollCallTarget.status == "pending",
            RollCallTarget.escalated.is_(False),
        )
        .limit(500)
    ).all()
    for target in overdue:
        roll_call = target.roll_call
        target.escalated = True
        raise_alert(
            db,
            Finding(
                kind="roll_call_unanswered",
                severity="warning",
                key=f"roll_call_unanswered:{roll_call.id}:{target.person_id}",
                title=f"{_title_of(db, target.person_id)} has not answered ({roll_call.title})",
                at=now,
                movement_id=target.movement_id,
                lat=roll_call.lat,
                lon=roll_call.lon,
                detail={"person_id": target.person_id, "roll_call_id": roll_call.id},
            ),
            now,
        )
    db.flush()
    return list(overdue)


def pending_asks(db: Session, limit: int = 50) -> list[str]:
    """Targets of open roll calls whose SMS question has not been taken by the gateway."""
    return list(
        db.scalars(
            select(RollCallTarget.id)
            .join(RollCall)
            .where(
                RollCall.closed_at.is_(None),
                RollCallTarget.sms_status == "pending",
                RollCallTarget.status == "pending",
            )
            .limit(limit)
        )
    )
