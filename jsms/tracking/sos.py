"""SOS from the phone view: the alert a tracker's `alarm=sos` raises, pressed by a person.

The press becomes a `sos` Finding handed to :func:`jsms.alerts.service.raise_alert`, the path
every device alarm takes. A press while the sender's own SOS alert is still open or
acknowledged, within the monitor's SOS episode, is a repeat of it: however often a frightened
person presses, the control rooms get one alert (its repeats counted). An SOS never fails for
want of a movement: without one live movement to name, it goes out without one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import audience
from jsms.alerts.access import SENDER_USER
from jsms.alerts.findings import Finding
from jsms.alerts.models import Alert
from jsms.alerts.service import OPEN, raise_alert
from jsms.db import utcnow
from jsms.errors import DomainError
from jsms.identity.models import User
from jsms.identity.policy import Actor
from jsms.movements.models import Movement
from jsms.tracking import checkins
from jsms.tracking.models import Device, Position
from jsms.tracking.monitor import Thresholds

__all__ = ["press_sos"]

RECENT_FIX = timedelta(minutes=30)  # an older position says nothing about where they are now


def _movement(db: Session, actor: Actor, movement_id: str | None) -> Movement | None:
    """The live movement the sender is on (the one named, else their only one), or none."""
    try:
        return checkins.movement_for(db, actor, movement_id)
    except DomainError:
        return None


def _last_fix(
    db: Session, actor: Actor, movement: Movement | None, now: datetime
) -> Position | None:
    """Where the sender was last seen: their own phone, else their movement's newest fix."""
    recent = Position.fixed_at >= now - RECENT_FIX
    if actor.person_id:
        own = db.scalar(
            select(Position)
            .join(Device, Device.id == Position.device_id)
            .where(Device.person_id == actor.person_id, recent)
            .order_by(Position.fixed_at.desc())
            .limit(1)
        )
        if own is not None:
            return own
    if movement is None:
        return None
    return db.scalar(
        select(Position)
        .where(Position.movement_id == movement.id, recent)
        .order_by(Position.fixed_at.desc())
        .limit(1)
    )


def _open_episode(db: Session, user_id: str, now: datetime) -> Alert | None:
    """The sender's own SOS alert still open within the SOS episode, if any."""
    since = now - Thresholds().sos_episode
    open_sos = db.scalars(
        select(Alert)
        .where(Alert.kind == "sos", Alert.status.in_(OPEN), Alert.opened_at >= since)
        .order_by(Alert.opened_at.desc())
    )
    return next((a for a in open_sos if a.detail.get(SENDER_USER) == user_id), None)


def press_sos(
    db: Session, actor: Actor, movement_id: str | None = None, now: datetime | None = None
) -> Alert:
    """Raise (or repeat) the sender's SOS alert."""
    now = now or utcnow()
    user = db.get(User, actor.user_id)
    name = user.display_name if user else actor.username
    movement = _movement(db, actor, movement_id)
    fix = _last_fix(db, actor, movement, now)
    episode = _open_episode(db, actor.user_id, now)
    where = f" on {movement.reference}" if movement else ""
    finding = Finding(
        kind="sos",
        severity="critical",
        key=episode.key
        if episode
        else f"{movement.id if movement else '-'}:sos:user:{actor.user_id}:{now.isoformat()}",
        title=f"SOS pressed by {name} in the phone view{where}",
        at=now,
        movement_id=movement.id if movement else None,
        lat=fix.lat if fix else None,
        lon=fix.lon if fix else None,
        detail={
            SENDER_USER: actor.user_id,
            "person_id": actor.person_id,
            "channel": "app",
            "position_at": fix.fixed_at.isoformat() if fix else None,
        },
    )
    hearing = set(audience.agencies_for(db, finding))
    if user is not None:
        hearing.add(user.agency_id)
    return raise_alert(db, finding, now, hearing)
