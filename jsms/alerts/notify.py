"""Notifications: one message per contact point per escalation step, retried with
exponential backoff until delivered or given up (the last error kept).

Sending is done outside any database transaction, in three short ones: claim (a lease, by
one conditional UPDATE, so two loops never send the same notification at once), send, record.
A crash between sending and recording sends again when the lease runs out: at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from jsms.alerts.cap import Addressed, to_cap
from jsms.alerts.channels import DeliveryFailed, Message, deliver
from jsms.alerts.channels.settings import channel_settings
from jsms.alerts.findings import KINDS
from jsms.alerts.ladders import ladder_for, severity_reaches
from jsms.alerts.models import Alert, AlertEvent, ContactPoint, Notification
from jsms.db import UTCDateTime
from jsms.identity.models import Agency
from jsms.keyring import get_keyring
from jsms.movements.models import Movement

LEASE = timedelta(minutes=2)
BATCH = 50


def secret_context(contact_point_id: str) -> str:
    return f"contact_point:{contact_point_id}:secret"


def enqueue(db: Session, alert: Alert, step: int, now: datetime) -> list[Notification]:
    """Notifications for the contact points that hear of this alert at this step."""
    ladder_step = ladder_for(alert.kind, alert.severity).step(step)
    if ladder_step is None or not alert.agency_ids:
        return []
    rows = db.execute(
        select(ContactPoint, Agency.side)
        .join(Agency, Agency.id == ContactPoint.agency_id)
        .where(
            ContactPoint.agency_id.in_(alert.agency_ids),
            ContactPoint.active.is_(True),
            ContactPoint.from_step <= step,
        )
    ).all()
    already = set(
        db.scalars(
            select(Notification.contact_point_id).where(
                Notification.alert_id == alert.id, Notification.step == step
            )
        )
    )
    created = []
    for point, side in rows:
        if side not in ladder_step.sides or point.id in already:
            continue
        if not severity_reaches(alert.severity, point.min_severity):
            continue
        notification = Notification(
            alert_id=alert.id,
            contact_point_id=point.id,
            step=step,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
        db.add(notification)
        created.append(notification)
    db.flush()
    return created


def message_for(db: Session, alert: Alert, step: int) -> Message:
    """What every channel sends about `alert` at `step`."""
    movement = db.get(Movement, alert.movement_id) if alert.movement_id else None
    reference = movement.reference if movement else None
    names = list(
        db.scalars(
            select(Agency.short_name)
            .where(Agency.id.in_(alert.agency_ids))
            .order_by(Agency.short_name)
        )
    )
    settings = channel_settings()
    cap_xml = to_cap(alert, Addressed(names, reference, settings.cap_sender))
    where = (
        f" at {alert.lat:.5f},{alert.lon:.5f}"
        if alert.lat is not None and alert.lon is not None
        else ""
    )
    on = f" ({reference})" if reference else ""
    subject = f"[JSMS {alert.severity.upper()}] {KINDS[alert.kind]}{on}"
    text = (
        f"{alert.title}{on}{where}. Status {alert.status}, escalation step {step}, "
        f"opened {alert.opened_at:%Y-%m-%d %H:%M} UTC. Acknowledge in the JSMS control room."
    )
    payload = {
        "alert_id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "title": alert.title,
        "step": step,
        "movement": reference,
        "lat": alert.lat,
        "lon": alert.lon,
        "opened_at": alert.opened_at.isoformat(),
        "agencies": names,
        "cap": cap_xml,
    }
    return Message(subject=subject, text=text, payload=payload, cap_xml=cap_xml)


def claim_due(db: Session, now: datetime, limit: int = BATCH) -> list[str]:
    """Take a lease on the notifications due now; returns the ids this caller may send."""
    due = db.scalars(
        select(Notification.id)
        .where(
            Notification.status == "pending",
            Notification.next_attempt_at <= literal(now, UTCDateTime()),
        )
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    ).all()
    claimed = []
    for notification_id in due:
        result = db.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.status == "pending",
                Notification.next_attempt_at <= literal(now, UTCDateTime()),
            )
            .values(next_attempt_at=now + LEASE),
            execution_options={"synchronize_session": False},
        )
        if int(getattr(result, "rowcount", 0) or 0) == 1:
            claimed.append(notification_id)
    return claimed


@dataclass(frozen=True)
class Job:
    """Everything one send needs, read before the transaction ends."""

    notification_id: str
    channel: str
    target: str
    secret: str | None
    message: Message


def prepare(db: Session, notification_id: str) -> Job:
    notification = db.get(Notification, notification_id)
    assert notification is not None
    point = db.get(ContactPoint, notification.contact_point_id)
    alert = db.get(Alert, notification.alert_id)
    assert point is not None and alert is not None
    secret = None
    if point.secret_enc:
        secret = get_keyring().decrypt(point.secret_enc, secret_context(point.id))
    return Job(
        notification.id,
        point.channel,
        point.target,
        secret,
        message_for(db, alert, notification.step),
    )


def send(job: Job) -> str | None:
    """Deliver; the error text, or None when the target took it."""
    try:
        deliver(job.channel, job.target, job.message, job.secret)
    except DeliveryFailed as exc:
        return str(exc)[:1000]
    except Exception as exc:  # a channel bug must not stop the loop; kept as the error
        return f"{type(exc).__name__}: {exc}"[:1000]
    return None


def record(db: Session, notification_id: str, error: str | None, now: datetime) -> Notification:
    """The outcome of one attempt: sent, retried later, or given up."""
    notification = db.get(Notification, notification_id)
    assert notification is not None
    point = db.get(ContactPoint, notification.contact_point_id)
    what = f"{point.channel} {point.target}" if point else "a removed contact point"
    notification.attempts += 1
    settings = channel_settings()
    event = None
    if error is None:
        notification.status = "sent"
        notification.sent_at = now
        notification.last_error = ""
        event = ("notified", f"{what} (step {notification.step})")
    else:
        notification.last_error = error
        if notification.attempts >= settings.notify_max_attempts:
            notification.status = "failed"
            event = (
                "notify_failed",
                f"{what} gave up after {notification.attempts} tries: {error}",
            )
        else:
            wait = settings.notify_backoff_s * 2 ** (notification.attempts - 1)
            notification.next_attempt_at = now + timedelta(seconds=wait)
    if event:
        db.add(
            AlertEvent(
                alert_id=notification.alert_id, at=now, action=event[0], by="system", note=event[1]
            )
        )
    db.flush()
    return notification
