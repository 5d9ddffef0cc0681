"""Alerts: open or repeat on a finding, then acknowledged -> resolved, with a timeline.

`raise_alert` is idempotent on `Finding.key`: the same key while the alert is open or
acknowledged counts a repeat (no new notification: tracking users complain of alert storms),
also when two processes raise it at the same moment (the unique key decides, the loser
counts a repeat). After an alert is resolved its key is retired, and the same kind for the
same movement and device stays quiet for the ladder's quiet period before a new alert opens.

Every state change is an ORM write, so the audit hook records it; repeats are counted by one
UPDATE (atomic across processes) and noted on the timeline at most once a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, String, case, cast, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from jsms.alerts import audience, notify
from jsms.alerts.access import may_see
from jsms.alerts.findings import Finding
from jsms.alerts.ladders import ladder_for
from jsms.alerts.models import Alert, AlertEvent
from jsms.audit import service as audit
from jsms.db import UTCDateTime, new_id, utcnow
from jsms.errors import Conflict, NotFound
from jsms.identity.policy import Actor

log = logging.getLogger("jsms.alerts")
OPEN = ("open", "acknowledged")
REPEAT_NOTE_EVERY = timedelta(minutes=1)
SYSTEM = "system"


def note_event(alert: Alert, action: str, by: str, note: str, at: datetime) -> None:
    """One line on the alert's timeline."""
    alert.events.append(AlertEvent(alert_id=alert.id, at=at, action=action, by=by, note=note))


def _by_key(db: Session, key: str) -> Alert | None:
    return db.scalar(select(Alert).where(Alert.key == key))


def _same(column: InstrumentedAttribute[str | None], value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _quiet_alert(db: Session, finding: Finding, now: datetime) -> Alert | None:
    """The resolved alert of this kind, movement and device still in its quiet period."""
    quiet = ladder_for(finding.kind, finding.severity).quiet
    if not quiet:
        return None
    return db.scalar(
        select(Alert)
        .where(
            Alert.kind == finding.kind,
            Alert.status == "resolved",
            _same(Alert.movement_id, finding.movement_id),
            _same(Alert.device_id, finding.device_id),
            Alert.resolved_at > literal(now - quiet, UTCDateTime()),
        )
        .order_by(Alert.resolved_at.desc())
        .limit(1)
    )


def _repeat(db: Session, alert: Alert, finding: Finding, now: datetime) -> Alert:
    seen = literal(finding.at, UTCDateTime())
    db.execute(
        update(Alert)
        .where(Alert.id == alert.id)
        .values(
            repeats=Alert.repeats + 1,
            last_seen_at=case((Alert.last_seen_at < seen, seen), else_=Alert.last_seen_at),
            updated_at=utcnow(),  # the live feed picks up changes by updated_at
        ),
        execution_options={"synchronize_session": False},
    )
    db.expire(alert, ["repeats", "last_seen_at", "updated_at"])
    recent = any(e.action == "repeated" and e.at > now - REPEAT_NOTE_EVERY for e in alert.events)
    if alert.status in OPEN and not recent:
        note_event(alert, "repeated", SYSTEM, f"seen again ({alert.repeats} repeats)", now)
        db.flush()
    return alert


def raise_alert(
    db: Session,
    finding: Finding,
    now: datetime | None = None,
    agency_ids: Collection[str] | None = None,
) -> Alert:
    """Open the alert for `finding.key`, or count a repeat of it; never a duplicate.

    `agency_ids`, when given, are the agencies that must hear (else worked out from the
    finding by jsms.alerts.audience)."""
    now = now or utcnow()
    existing = _by_key(db, finding.key)
    if existing is None:
        existing = _quiet_alert(db, finding, now)
    if existing is not None:
        return _repeat(db, existing, finding, now)
    ladder = ladder_for(finding.kind, finding.severity)
    alert = Alert(
        id=new_id(),
        key=finding.key,
        kind=finding.kind,
        severity=finding.severity,
        status="open",
        title=finding.title[:300],
        detail={**finding.detail, "observed_at": finding.at.isoformat()},
        movement_id=finding.movement_id,
        device_id=finding.device_id,
        incident_id=finding.incident_id,
        lat=finding.lat,
        lon=finding.lon,
        agency_ids=sorted(agency_ids)
        if agency_ids is not None
        else audience.agencies_for(db, finding),
        silent=finding.silent,
        opened_at=now,
        last_seen_at=finding.at,
        repeats=0,
        escalation_step=0,
        next_escalation_at=ladder.due_at(now, 1),
    )
    try:
        with db.begin_nested():
            db.add(alert)
    except IntegrityError:
        # another process opened this key between our look and our insert: theirs stands
        winner = _by_key(db, finding.key)
        if winner is None:
            raise
        return _repeat(db, winner, finding, now)
    note_event(alert, "opened", SYSTEM, f"{finding.title}; step 0: {ladder.steps[0].note}", now)
    notify.enqueue(db, alert, 0, now)
    db.flush()
    return alert


# Reading with need-to-know ------------------------------------------------------------------


def alert_query(
    actor: Actor,
    *,
    status: str | None = None,
    kind: str | None = None,
    movement_id: str | None = None,
) -> Select[Alert]:
    """Alerts naming the actor's agency (filtered in SQL; `visible` decides each row)."""
    stmt = select(Alert).where(cast(Alert.agency_ids, String).like(f'%"{actor.agency_id}"%'))
    if status:
        stmt = stmt.where(Alert.status == status)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if movement_id:
        stmt = stmt.where(Alert.movement_id == movement_id)
    return stmt.order_by(Alert.opened_at.desc())


def visible(actor: Actor, alert: Alert) -> bool:
    return may_see(actor, alert.agency_ids, alert.silent, alert.detail)


def list_alerts(db: Session, actor: Actor, limit: int = 1000, **filters: str | None) -> list[Alert]:
    """The alerts `actor` may see, newest first; the listing is audited as one read."""
    found = [a for a in db.scalars(alert_query(actor, **filters).limit(limit)) if visible(actor, a)]
    audit.record(
        db,
        action="alert.list",
        object_type="alert",
        detail={"filters": {k: v for k, v in filters.items() if v}, "count": len(found)},
        actor=actor,
    )
    return found


def _record_denied(db: Session, actor: Actor, alert_id: str) -> None:
    """A need-to-know miss, kept in its own transaction (the request's rolls back on the 404);
    failing to write it must not change the answer."""
    try:
        with Session(bind=db.get_bind()) as log_db:
            audit.record(
                log_db,
                action="alert.read",
                object_type="alert",
                object_id=alert_id,
                outcome="denied",
                detail={"reason": "not among the agencies that must hear of it"},
                actor=actor,
            )
            log_db.commit()
    except Exception:
        log.exception("could not audit a refused read of alert %s", alert_id)


def get_alert(db: Session, actor: Actor, alert_id: str, *, audited: bool = True) -> Alert:
    """One alert with its timeline; unknown to those who may not see it (404, audited)."""
    alert = db.get(Alert, alert_id)
    if alert is None or not visible(actor, alert):
        if alert is not None:
            _record_denied(db, actor, alert.id)
        raise NotFound(f"no alert {alert_id}")
    if audited:
        audit.record(db, action="alert.read", object_type="alert", object_id=alert.id, actor=actor)
    return alert


# Lifecycle -----------------------------------------------------------------------------------


def acknowledge(db: Session, actor: Actor, alert_id: str, note: str = "") -> Alert:
    """Someone in a control room has it: it stops climbing the ladder."""
    alert = get_alert(db, actor, alert_id, audited=False)
    if alert.status != "open":
        by = f" by {alert.acknowledged_by}" if alert.acknowledged_by else ""
        raise Conflict(f"the alert is already {alert.status}{by}")
    now = utcnow()
    alert.status = "acknowledged"
    alert.acknowledged_at = now
    alert.acknowledged_by = actor.username
    alert.next_escalation_at = None
    note_event(alert, "acknowledged", actor.username, note, now)
    db.flush()
    return alert


def resolve(db: Session, actor: Actor, alert_id: str, note: str) -> Alert:
    """Dealt with: closed, its key retired so a later episode opens a new alert."""
    alert = get_alert(db, actor, alert_id, audited=False)
    if alert.status not in OPEN:
        raise Conflict(f"the alert was already resolved by {alert.resolved_by}")
    now = utcnow()
    alert.status = "resolved"
    alert.resolved_at = now
    alert.resolved_by = actor.username
    alert.next_escalation_at = None
    alert.key = f"{alert.key[:150]}#resolved:{alert.id}"
    note_event(alert, "resolved", actor.username, note, now)
    db.flush()
    return alert


def escalate(db: Session, actor: Actor, alert_id: str, note: str = "") -> Alert:
    """By hand: the next step of the ladder now, whether or not it was acknowledged."""
    alert = get_alert(db, actor, alert_id, audited=False)
    if alert.status not in OPEN:
        raise Conflict("a resolved alert cannot be escalated")
    if not climb(db, alert, actor.username, note, utcnow()):
        raise Conflict("the alert is already at the top of its escalation ladder")
    return alert


def climb(db: Session, alert: Alert, by: str, note: str, now: datetime) -> bool:
    """Move the alert one step up and notify that step's contact points; False at the top.

    The step is taken by one conditional UPDATE, so two escalation loops (or a loop and a
    person) never take the same step twice.
    """
    ladder = ladder_for(alert.kind, alert.severity)
    step = ladder.step(alert.escalation_step + 1)
    if step is None:
        return False
    following = ladder.due_at(alert.opened_at, step.number + 1)
    taken = db.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.escalation_step == step.number - 1)
        .values(
            escalation_step=step.number,
            next_escalation_at=following if alert.status == "open" else None,
            updated_at=utcnow(),
        ),
        execution_options={"synchronize_session": False},
    )
    if int(getattr(taken, "rowcount", 0) or 0) != 1:
        db.refresh(alert)
        return False
    db.expire(alert, ["escalation_step", "next_escalation_at", "updated_at"])
    text = f"step {step.number}: {step.note}" + (f" ({note})" if note else "")
    note_event(alert, "escalated", by, text, now)
    notify.enqueue(db, alert, step.number, now)
    db.flush()
    audit.record(
        db,
        action="alert.escalate",
        object_type="alert",
        object_id=alert.id,
        detail={"step": step.number, "by": by},
    )
    return True


def escalate_due(db: Session, now: datetime) -> list[Alert]:
    """Every open alert whose next step is due climbs one step (the loop calls this)."""
    due = db.scalars(
        select(Alert)
        .where(
            Alert.status == "open",
            Alert.next_escalation_at.is_not(None),
            Alert.next_escalation_at <= literal(now, UTCDateTime()),
        )
        .order_by(Alert.next_escalation_at)
        .limit(200)
    ).all()
    return [a for a in due if climb(db, a, SYSTEM, "not acknowledged", now)]
