"""Joint approval: every host jurisdiction the route crosses, the guest detail and the
requesting company must approve the current version of a plan (dual key). Decisions are
taken under the movement's row lock, and the status that follows is derived in the same
transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.errors import Conflict, Forbidden, Invalid
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Side
from jsms.movements.models import Movement, MovementApproval
from jsms.registry.models import ProtectedPerson

RELEASE_BEFORE_DEPARTURE = timedelta(hours=6)
DECISION_BEFORE_DEPARTURE = timedelta(hours=12)


def host_for(db: Session, province: str) -> Agency:
    """The host agency answering for a province: its own provincial force, else a federal one."""
    hosts = db.scalars(
        select(Agency).where(Agency.side == Side.HOST.value, Agency.active.is_(True))
    ).all()
    own = [a for a in hosts if a.provinces == [province]]
    wider = sorted((a for a in hosts if province in a.provinces), key=lambda a: len(a.provinces))
    if own:
        return own[0]
    if wider:
        return wider[0]
    raise Invalid(f"no host agency has jurisdiction in {province}")


def guest_for(db: Session, movement: Movement) -> Agency:
    """The guest detail protecting the passengers' nationality (the only one, usually)."""
    guests = db.scalars(
        select(Agency).where(Agency.side == Side.GUEST.value, Agency.active.is_(True))
    ).all()
    if not guests:
        raise Invalid("no guest security detail is registered")
    nationalities = [
        p.nationality
        for p in db.scalars(
            select(ProtectedPerson).where(ProtectedPerson.id.in_(movement.passenger_ids))
        )
    ]
    for guest in guests:
        if guest.country in nationalities:
            return guest
    return guests[0]


def required_parties(db: Session, movement: Movement) -> dict[str, str]:
    """Party label -> agency id for every approval the current plan needs."""
    if not movement.jurisdictions:
        raise Invalid("the movement has no route yet: choose a route before submitting")
    parties = {f"host:{j}": host_for(db, j).id for j in movement.jurisdictions}
    parties["guest"] = guest_for(db, movement).id
    parties["client"] = movement.client_agency_id
    return parties


def approvals_needed(db: Session, movement: Movement) -> list[str]:
    """Who must approve the plan as it stands ("host:Sindh (SPU-S)"), empty without a route."""
    if not movement.jurisdictions:
        return []
    try:
        parties = required_parties(db, movement)
    except Invalid as exc:
        return [f"unresolved: {exc}"]
    names = dict(db.execute(select(Agency.id, Agency.short_name)).all())
    return [f"{party} ({names.get(agency_id, agency_id)})" for party, agency_id in parties.items()]


def lock(db: Session, movement: Movement) -> None:
    """Serialise changes to one movement: take its row lock (an UPDATE locks the row on
    PostgreSQL and the database on SQLite), then re-read it, so a decision is made on what is
    committed now and not on what this request read before another one committed."""
    db.execute(update(Movement).where(Movement.id == movement.id).values(version=Movement.version))
    db.refresh(movement)
    db.expire(movement, ["approvals", "escorts"])


def open_approvals(db: Session, movement: Movement) -> None:
    now = utcnow()
    due = max(now + timedelta(hours=1), movement.departure_at - DECISION_BEFORE_DEPARTURE)
    for party, agency_id in required_parties(db, movement).items():
        movement.approvals.append(
            MovementApproval(
                movement_version=movement.version, party=party, agency_id=agency_id, due_at=due
            )
        )


def owed(
    db: Session, actor: Actor, movement: Movement, *, approve: bool, reason: str | None
) -> MovementApproval:
    """The actor's agency's pending key on the current version, under the movement's lock,
    once everything that would refuse the decision has been checked."""
    lock(db, movement)
    if movement.status != "submitted":
        raise Conflict(f"{movement.reference} is {movement.status}, not awaiting decisions")
    mine = [
        a
        for a in movement.approvals
        if a.movement_version == movement.version and a.agency_id == actor.agency_id
    ]
    if not mine:
        raise Forbidden("your agency is not a party to this movement's approval")
    approval = next((a for a in mine if a.status == "pending"), None)
    if approval is None:
        raise Conflict("your agency has already decided on this version")
    if not approve and not reason:
        raise Invalid("a rejection needs a reason")
    return approval


def record(
    db: Session,
    actor: Actor,
    movement: Movement,
    approval: MovementApproval,
    *,
    approve: bool,
    reason: str | None,
) -> MovementApproval:
    """Write the decision; the movement's status that follows is derived in the same
    transaction, under the lock `owed` took."""
    approval.status = "approved" if approve else "rejected"
    approval.decided_by = actor.user_id
    approval.decided_at = utcnow()
    approval.reason = reason
    if not approve:
        movement.status = "rejected"
        movement.rejection_reason = f"{approval.party}: {reason}"
    elif all_approved(movement):
        movement.status = "approved"
        movement.release_at = max(utcnow(), movement.departure_at - RELEASE_BEFORE_DEPARTURE)
    db.flush()
    return approval


def decide(
    db: Session, actor: Actor, movement: Movement, *, approve: bool, reason: str | None
) -> MovementApproval:
    """An approver records their agency's decision on the current version (the check and the
    write in one step, for callers that have already confirmed the person)."""
    approval = owed(db, actor, movement, approve=approve, reason=reason)
    return record(db, actor, movement, approval, approve=approve, reason=reason)


def all_approved(movement: Movement) -> bool:
    current = [a for a in movement.approvals if a.movement_version == movement.version]
    return bool(current) and all(a.status == "approved" for a in current)


def pending_query(actor: Actor) -> Select[MovementApproval]:
    """Decisions waiting for the actor's agency on current versions, soonest deadline first."""
    return (
        select(MovementApproval)
        .join(Movement)
        .where(
            MovementApproval.agency_id == actor.agency_id,
            MovementApproval.status == "pending",
            Movement.status == "submitted",
            MovementApproval.movement_version == Movement.version,
        )
        .order_by(MovementApproval.due_at)
    )


def due_reminders(
    db: Session, now: datetime, within: timedelta = timedelta(hours=6)
) -> list[MovementApproval]:
    """Pending approvals due soon that nobody has been reminded of; marks and audits them."""
    rows = list(
        db.scalars(
            select(MovementApproval)
            .join(Movement)
            .where(
                MovementApproval.status == "pending",
                Movement.status == "submitted",
                MovementApproval.movement_version == Movement.version,
                MovementApproval.reminded_at.is_(None),
                MovementApproval.due_at <= now + within,
            )
        )
    )
    for approval in rows:
        approval.reminded_at = now
        audit.record(
            db,
            action="movement.approval.reminder",
            object_type="movement",
            object_id=approval.movement_id,
            detail={
                "party": approval.party,
                "due_at": approval.due_at.isoformat(),
                "overdue": approval.due_at <= now,
            },
        )
    db.flush()
    return rows


def release_now(db: Session, actor: Actor, movement: Movement, reason: str) -> Movement:
    """Hand the order to the assigned units and passengers now, before the usual time (a unit
    that must prepare overnight, a briefing the evening before). Only an approver of a force
    that is party to the movement may, once every key is turned; the earlier release, and
    why, goes into the audit trail and so into "who knew"."""
    lock(db, movement)
    if movement.status != "approved":
        raise Conflict(
            f"{movement.reference} is {movement.status}: only an approved movement's "
            "order is released"
        )
    if actor.side == Side.CLIENT or not any(
        a.agency_id == actor.agency_id
        for a in movement.approvals
        if a.movement_version == movement.version
    ):
        raise Forbidden(
            "only an approver of a host force or guest detail that is party to the movement "
            "may release its order early"
        )
    now = utcnow()
    if movement.release_at is not None and movement.release_at <= now:
        raise Conflict(f"the order of {movement.reference} is already released")
    before = movement.release_at
    movement.release_at = now
    db.flush()
    audit.record(
        db,
        action="movement.release",
        object_type="movement",
        object_id=movement.id,
        detail={
            "reason": reason,
            "was_due": before.isoformat() if before else None,
            "version": movement.version,
        },
    )
    return movement
