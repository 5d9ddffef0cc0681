"""Movements in the SITREP, with need-to-know.

A reader sees a movement here only where `movements.service.visible_to` lets them see it at
all. Where it gives them the route and times, the report says what happened in the period
with local times, and the read is audited exactly as a plan view (`read_details`), so it
shows in "who knew". Where it gives a summary only, the movement is listed by the date its
summary carries (never by the hour it fell in the period) with no times and no route.

The operator's full report (no reader) shows every movement in full; each is audited as a
plan view by the command-line operator.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.identity.policy import Actor, can
from jsms.movements import service as movements
from jsms.movements.models import Movement, MovementApproval
from jsms.movements.sop.local_time import LocalZone
from jsms.reports.period import DAY, summary_dates
from jsms.reports.schemas import MovementLine, MovementSection, Period

EVENTS = ("planned", "started", "completed", "aborted", "rejected", "in progress")
OPERATOR = "the operator's full report"


def _in(at: datetime | None, period: Period) -> bool:
    return at is not None and period.start <= at < period.end


def events_of(movement: Movement, period: Period) -> list[tuple[str, datetime]]:
    """What happened to the movement in the period, in order, each with its time."""
    found: list[tuple[str, datetime]] = []
    if _in(movement.departure_at, period):
        found.append(("planned", movement.departure_at))
    if _in(movement.started_at, period):
        assert movement.started_at is not None
        found.append(("started", movement.started_at))
    if movement.status in ("completed", "aborted") and _in(movement.ended_at, period):
        assert movement.ended_at is not None
        found.append((movement.status, movement.ended_at))
    for approval in movement.approvals:
        if approval.status == "rejected" and _in(approval.decided_at, period):
            assert approval.decided_at is not None
            found.append(("rejected", approval.decided_at))
    started = movement.started_at
    if (
        started is not None
        and started < period.end
        and (movement.ended_at is None or movement.ended_at >= period.end)
    ):
        found.append(("in progress", started))
    return sorted(found, key=lambda item: item[1])


def _say(event: str, at: datetime, movement: Movement, zone: LocalZone) -> str:
    if event == "planned":
        return f"planned to leave {zone.stamp(at)}"
    if event == "in progress":
        return f"in progress at the cut-off (started {zone.stamp(at)})"
    if event == "rejected":
        parties = [
            a.party
            for a in movement.approvals
            if a.status == "rejected" and a.decided_at is not None and a.decided_at == at
        ]
        return f"rejected by {', '.join(parties) or 'a party'} {zone.stamp(at)}"
    return f"{event} {zone.stamp(at)}"


def _candidates(reader: Actor | None, period: Period) -> Any:
    """Movements that may have something to report: a first cut in SQL, refined per row."""
    dates = summary_dates(period)
    first = datetime.combine(dates[0], time(0), UTC)
    last = datetime.combine(dates[-1], time(0), UTC) + DAY
    rejected = select(MovementApproval.movement_id).where(
        MovementApproval.status == "rejected",
        MovementApproval.decided_at >= period.start,
        MovementApproval.decided_at < period.end,
    )
    stmt = movements.candidate_query(reader) if reader is not None else select(Movement)
    return (
        stmt.where(
            or_(
                and_(
                    Movement.departure_at >= min(first, period.start),
                    Movement.departure_at < max(last, period.end),
                ),
                and_(
                    Movement.started_at.is_not(None),
                    Movement.started_at < period.end,
                    or_(Movement.ended_at.is_(None), Movement.ended_at >= period.start),
                ),
                Movement.id.in_(rejected),
            )
        )
        .order_by(None)
        .order_by(Movement.departure_at, Movement.reference)
    )


def _line(movement: Movement, details: bool, why: str) -> MovementLine:
    return MovementLine(
        id=movement.id,
        reference=movement.reference,
        purpose=movement.purpose,
        status=movement.status,
        departure_date=movement.departure_at.date(),
        jurisdictions=list(movement.jurisdictions),
        passengers=len(movement.passenger_ids),
        details=details,
        why=why,
        rejection=movement.rejection_reason,
    )


def _read_in_full(db: Session, reader: Actor | None, movement: Movement) -> None:
    """Audit the route and times as read, as a plan view is (so "who knew" lists it)."""
    if reader is not None:
        movements.read_details(db, reader, movement.id)
        return
    audit.record(
        db,
        action="movement.details.read",
        object_type="movement",
        object_id=movement.id,
        detail={
            "version": movement.version,
            "reason": OPERATOR,
            "via": "sitrep",
            "before_departure": utcnow() < movement.departure_at,
        },
    )


def movement_section(
    db: Session, reader: Actor | None, period: Period, zone: LocalZone
) -> MovementSection:
    if reader is not None and not can(reader, "movement.read"):
        return MovementSection(shown=False, note="Your role does not see movements.")
    known = movements.directory(db)
    dates = summary_dates(period)
    full: list[MovementLine] = []
    summaries: list[MovementLine] = []
    for movement in db.scalars(_candidates(reader, period)):
        if reader is None:
            details, why = True, OPERATOR
        else:
            seen = movements.visible_to(db, reader, movement, known)
            if not seen.summary:
                continue
            details, why = seen.details, seen.reason
        if not details:
            if movement.departure_at.date() in dates:
                summaries.append(_line(movement, False, why))
            continue
        happened = events_of(movement, period)
        if not happened:
            continue
        _read_in_full(db, reader, movement)
        line = _line(movement, True, why)
        line.events = [_say(event, at, movement, zone) for event, at in happened]
        line.origin, line.destination = movement.origin_name, movement.destination_name
        line.departure_at, line.arrival_at = movement.departure_at, movement.arrival_at
        line.debrief = movement.debrief
        line.happened = list(dict.fromkeys(event for event, _ in happened))
        full.append(line)
    counts = {event: 0 for event in EVENTS}
    for line in full:
        for event in line.happened:
            counts[event] += 1
    note = (
        "Every movement in full (operator's report)."
        if reader is None
        else "Only movements you may see; route and times only where they are released to you."
    )
    return MovementSection(
        shown=True,
        note=note,
        counts=counts,
        full=full,
        summaries=summaries,
        summary_dates=dates,
    )
