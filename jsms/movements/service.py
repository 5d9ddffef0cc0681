"""Movement lifecycle: draft -> submitted -> approved -> in progress -> completed / aborted,
and reading a movement with need-to-know. Who must approve, and the decisions themselves,
are in `jsms.movements.approvals`; an amendment opens a new version and new approvals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.errors import Busy, Conflict, Forbidden, Invalid, NotFound
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.movements.access import Involvement, Visibility, visibility
from jsms.movements.approvals import all_approved, lock, open_approvals
from jsms.movements.models import EscortAssignment, Movement
from jsms.movements.sop.facts import PKT
from jsms.registry.models import ProtectedPerson

AMENDABLE = ("draft", "submitted", "approved", "rejected")
REFERENCE_ATTEMPTS = 20
# Escorts and the SOP check are for the planned time: a convoy may not leave hours early.
EARLIEST_START = timedelta(hours=2)


# Parties and agencies ------------------------------------------------------------------------


# Reading, with need-to-know -------------------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    """Who is who, read once per request: host jurisdictions, guest agencies, unit owners."""

    host_provinces: dict[str, frozenset[str]]
    guest_ids: frozenset[str]
    unit_agency: dict[str, str]


def directory(db: Session) -> Directory:
    from jsms.registry.models import SecurityUnit

    agencies = db.scalars(select(Agency).where(Agency.side != Side.CLIENT.value)).all()
    return Directory(
        host_provinces={
            a.id: frozenset(a.provinces) for a in agencies if a.side == Side.HOST.value
        },
        guest_ids=frozenset(a.id for a in agencies if a.side == Side.GUEST.value),
        unit_agency=dict(db.execute(select(SecurityUnit.id, SecurityUnit.agency_id)).all()),
    )


def involvement(movement: Movement, known: Directory) -> Involvement:
    """The need-to-know facts of one movement (pure, given the directory)."""
    current = [a for a in movement.approvals if a.movement_version == movement.version]
    crossed = set(movement.jurisdictions)
    return Involvement(
        status=movement.status,
        client_agency_id=movement.client_agency_id,
        release_at=movement.release_at,
        approver_agency_ids=frozenset(a.agency_id for a in current),
        assigned_agency_ids=frozenset(
            known.unit_agency[e.unit_id] for e in movement.escorts if e.unit_id in known.unit_agency
        ),
        passenger_ids=frozenset(movement.passenger_ids),
        host_agency_ids=frozenset(
            h for h, provinces in known.host_provinces.items() if provinces & crossed
        ),
        guest_agency_ids=known.guest_ids,
    )


def visible_to(
    db: Session, actor: Actor, movement: Movement, known: Directory | None = None
) -> Visibility:
    return visibility(actor, involvement(movement, known or directory(db)), utcnow())


def candidate_query(actor: Actor) -> Select[Movement]:
    """A first filter in SQL (a company sees only its own); need-to-know refines per row."""
    stmt = select(Movement).order_by(Movement.departure_at.desc())
    if actor.side == Side.CLIENT and not actor.has(Role.PROTECTEE):
        stmt = stmt.where(Movement.client_agency_id == actor.agency_id)
    return stmt


def get_movement(db: Session, actor: Actor, movement_id: str) -> tuple[Movement, Visibility]:
    """The movement and what the actor may see of it; unknown to outsiders (404)."""
    movement = db.get(Movement, movement_id)
    if movement is None:
        raise NotFound(f"no movement {movement_id}")
    seen = visible_to(db, actor, movement)
    if not seen.summary:
        audit.record(
            db,
            action="movement.read",
            object_type="movement",
            object_id=movement.id,
            outcome="denied",
            detail={"reason": seen.reason},
        )
        raise NotFound(f"no movement {movement_id}")
    return movement, seen


def read_details(db: Session, actor: Actor, movement_id: str) -> Movement:
    """Route and times for a need-to-know caller; every view is audited, refusals too."""
    movement, seen = get_movement(db, actor, movement_id)
    if not seen.details:
        audit.record(
            db,
            action="movement.details.read",
            object_type="movement",
            object_id=movement.id,
            outcome="denied",
            detail={"reason": seen.reason},
        )
        raise Forbidden(f"route and times of {movement.reference} are need-to-know: {seen.reason}")
    audit.record(
        db,
        action="movement.details.read",
        object_type="movement",
        object_id=movement.id,
        detail={
            "version": movement.version,
            "reason": seen.reason,
            "before_departure": utcnow() < movement.departure_at,
        },
    )
    return movement


# Writing ---------------------------------------------------------------------------------------


def _next_reference(db: Session, departure: datetime) -> str:
    """The year's next number, from the highest one issued (the unique constraint and the
    retry in `create_movement` settle two requests that read the same highest number)."""
    prefix = f"MV-{departure:%Y}-"
    highest = db.scalar(  # longest first: MV-2026-100000 comes after MV-2026-99999
        select(Movement.reference)
        .where(Movement.reference.like(prefix + "%"))
        .order_by(func.length(Movement.reference).desc(), Movement.reference.desc())
        .limit(1)
    )
    number = int(highest.removeprefix(prefix)) if highest else 0
    return f"{prefix}{number + 1:05d}"


def _check_passengers(db: Session, actor: Actor, person_ids: list[str], client_id: str) -> None:
    if not person_ids:
        raise Invalid("a movement needs at least one passenger")
    found = db.scalars(select(ProtectedPerson).where(ProtectedPerson.id.in_(person_ids))).all()
    missing = sorted(set(person_ids) - {p.id for p in found})
    if missing:
        raise Invalid(f"unknown person(s): {', '.join(missing[:5])}")
    foreign = [p.full_name for p in found if p.employer_agency_id != client_id]
    if foreign:
        raise Forbidden(f"{len(foreign)} passenger(s) are not employees of the requesting company")


def _check_times(departure: datetime, arrival: datetime) -> None:
    if arrival <= departure:
        raise Invalid("arrival must be after departure")
    if arrival - departure > timedelta(days=3):
        raise Invalid("a movement longer than 72 hours should be split into legs")


def _own_movement(actor: Actor, movement: Movement) -> None:
    if actor.side != Side.CLIENT or actor.agency_id != movement.client_agency_id:
        raise Forbidden("only the requesting company may change this movement")


def create_movement(db: Session, actor: Actor, **fields: Any) -> Movement:
    if actor.side != Side.CLIENT:
        raise Forbidden("movements are requested by the company that employs the passengers")
    _check_times(fields["departure_at"], fields["arrival_at"])
    _check_passengers(db, actor, fields["passenger_ids"], actor.agency_id)
    for _attempt in range(REFERENCE_ATTEMPTS):
        movement = Movement(
            reference=_next_reference(db, fields["departure_at"]),
            client_agency_id=actor.agency_id,
            created_by=actor.user_id,
            **fields,
        )
        try:
            with db.begin_nested():
                db.add(movement)
        except IntegrityError:
            continue  # another request took this number first: read the highest again
        return movement
    raise Busy("movement references are being allocated by many requests at once")


CLONED_FIELDS = (
    "purpose",
    "origin_name",
    "origin_lat",
    "origin_lon",
    "destination_name",
    "destination_lat",
    "destination_lon",
)


def clone(
    db: Session, actor: Actor, movement: Movement, departure_at: datetime, arrival_at: datetime
) -> Movement:
    """A new draft with the same ends, passengers, vehicles and route, at new times."""
    _own_movement(actor, movement)
    same = {name: getattr(movement, name) for name in CLONED_FIELDS}
    copy = create_movement(
        db,
        actor,
        **same,
        departure_at=departure_at,
        arrival_at=arrival_at,
        passenger_ids=list(movement.passenger_ids),
        vehicles=[dict(v) for v in movement.vehicles],
    )
    copy.route = dict(movement.route)
    copy.jurisdictions = list(movement.jurisdictions)
    audit.record(
        db,
        action="movement.cloned",
        object_type="movement",
        object_id=copy.id,
        detail={"from": movement.id, "reference": movement.reference},
    )
    db.flush()
    return copy


def set_route(db: Session, actor: Actor, movement: Movement, route: dict[str, Any]) -> Movement:
    """Adopt a route (one of the planned options); an approved plan becomes a new version."""
    _own_movement(actor, movement)
    lock(db, movement)
    if movement.status not in AMENDABLE:
        raise Conflict(f"{movement.reference} is {movement.status}; its route is fixed")
    movement.route = route
    movement.jurisdictions = list(
        dict.fromkeys(
            j["jurisdiction"] for j in route.get("jurisdictions", []) if j.get("jurisdiction")
        )
    )
    _reopen_if_decided(db, movement, "route changed")
    db.flush()
    return movement


def amend(db: Session, actor: Actor, movement: Movement, changes: dict[str, Any]) -> Movement:
    """Change times, passengers or vehicles; any decided approval is reopened (new version)."""
    _own_movement(actor, movement)
    lock(db, movement)
    if movement.status not in AMENDABLE:
        raise Conflict(f"{movement.reference} is {movement.status}; it can no longer be amended")
    if "passenger_ids" in changes:
        _check_passengers(db, actor, changes["passenger_ids"], movement.client_agency_id)
    for key, value in changes.items():
        setattr(movement, key, value)
    _check_times(movement.departure_at, movement.arrival_at)
    _reopen_if_decided(db, movement, "amended: " + ", ".join(sorted(changes)))
    db.flush()
    return movement


def _reopen_if_decided(db: Session, movement: Movement, why: str) -> None:
    """A decided plan that changes is a new version: approvals start again (a rejected one goes
    back to draft, to be resubmitted); the earlier decisions stay in the history."""
    if movement.status == "rejected":
        movement.version += 1
        movement.status = "draft"
        movement.submitted_at = None
        audit.record(
            db,
            action="movement.reopened",
            object_type="movement",
            object_id=movement.id,
            detail={"version": movement.version, "why": why, "after": "rejection"},
        )
    elif movement.status in ("submitted", "approved"):
        movement.version += 1
        movement.status = "submitted"
        movement.release_at = None
        open_approvals(db, movement)
        audit.record(
            db,
            action="movement.reopened",
            object_type="movement",
            object_id=movement.id,
            detail={"version": movement.version, "why": why},
        )


def submit(
    db: Session, actor: Actor, movement: Movement, evaluation: dict[str, Any] | None = None
) -> Movement:
    """Send the plan for approval once the SOP check has no blocking violation; a rejected plan
    may be sent again as a new version (the rejection stays in its history)."""
    _own_movement(actor, movement)
    lock(db, movement)
    if movement.status not in ("draft", "rejected"):
        raise Conflict(f"{movement.reference} is already {movement.status}")
    if evaluation is not None:
        _refuse_if_blocked(movement, evaluation, "cannot be submitted")
    if movement.status == "rejected":
        movement.version += 1
        audit.record(
            db,
            action="movement.resubmitted",
            object_type="movement",
            object_id=movement.id,
            detail={"version": movement.version, "rejected": movement.rejection_reason},
        )
    if evaluation is not None:
        movement.evaluation = {**evaluation, "version": movement.version}
    movement.status = "submitted"
    movement.submitted_at = utcnow()
    open_approvals(db, movement)
    db.flush()
    return movement


def _refuse_if_blocked(movement: Movement, evaluation: dict[str, Any], what: str) -> None:
    """Blocking SOP violations stop the movement, each cited by its rule."""
    violations = evaluation.get("violations") or []
    if violations:
        cited = "; ".join(
            f"{v['policy']} rule {v['rule_id']}: {v['message']}" for v in violations[:5]
        )
        raise Invalid(f"{movement.reference} {what}: {cited}", violations=violations)


def start(
    db: Session, actor: Actor, movement: Movement, evaluation: dict[str, Any] | None = None
) -> Movement:
    """Wheels up: only with every key turned, escorts in place and the SOPs met."""
    lock(db, movement)
    if movement.status != "approved" or not all_approved(movement):
        missing = [
            a.party
            for a in movement.approvals
            if a.movement_version == movement.version and a.status != "approved"
        ]
        raise Conflict(
            f"{movement.reference} cannot start: approvals missing from "
            f"{', '.join(missing) or 'all parties'}"
        )
    earliest = movement.departure_at - EARLIEST_START
    if utcnow() < earliest:
        planned = movement.departure_at.astimezone(PKT)
        raise Conflict(
            f"{movement.reference} is planned to leave at {planned:%H:%M} PKT (UTC+5) on "
            f"{planned:%d %b %Y}; it may start from {earliest.astimezone(PKT):%H:%M} PKT, "
            "or be amended to leave earlier"
        )
    rings = {e.ring for e in movement.escorts}
    if "outer" not in rings:
        raise Conflict(f"{movement.reference} cannot start without a host outer-ring escort")
    if evaluation is not None:
        movement.evaluation = evaluation
        _refuse_if_blocked(movement, evaluation, "cannot start")
    movement.status = "in_progress"
    movement.started_at = utcnow()
    db.flush()
    return movement


def finish(
    db: Session, actor: Actor, movement: Movement, *, outcome: str, debrief: str
) -> Movement:
    if outcome not in ("completed", "aborted"):
        raise Invalid("outcome must be completed or aborted")
    lock(db, movement)
    if outcome == "completed" and movement.status != "in_progress":
        raise Conflict(
            f"{movement.reference} is {movement.status}; only a movement in "
            "progress can be completed"
        )
    if outcome == "aborted" and movement.status not in ("approved", "in_progress", "submitted"):
        raise Conflict(f"{movement.reference} is {movement.status}; it cannot be aborted")
    movement.status = outcome
    movement.ended_at = utcnow()
    movement.debrief = debrief
    db.flush()
    return movement


def escort_overlaps(
    db: Session, unit_id: str, starts_at: datetime, ends_at: datetime, movement_id: str
) -> list[EscortAssignment]:
    """Bookings of this unit on other live movements that overlap the window."""
    return list(
        db.scalars(
            select(EscortAssignment)
            .join(Movement)
            .where(
                EscortAssignment.unit_id == unit_id,
                EscortAssignment.movement_id != movement_id,
                EscortAssignment.starts_at < ends_at,
                EscortAssignment.ends_at > starts_at,
                Movement.status.in_(("draft", "submitted", "approved", "in_progress")),
            )
        )
    )
