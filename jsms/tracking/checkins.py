"""Check-ins: "all well" from escort commanders and protectees, by app, API or SMS.

Each user sets two codes: the usual check-in code and a duress code (argon2 hashes, the two
must differ). A duress check-in answers exactly like a normal one: the same status, the same
body (a random id, the time, the movement), the same work on the way (both codes are always
checked and the alert's audience is worked out either way), but it is stored as `duress` and
raises a silent, critical alert that the control rooms see and the sender never does. A
wrong code is refused and counted like a failed login: after JSMS_MAX_FAILED_LOGINS the
account locks (no code is checked while locked) until it unlocks or an admin unlocks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from jsms.alerts import audience
from jsms.alerts.findings import Finding
from jsms.alerts.service import raise_alert
from jsms.config import get_settings
from jsms.db import new_id, utcnow
from jsms.errors import AccountLocked, Conflict, Forbidden, Invalid, NotFound
from jsms.identity.attempts import claim_attempt, clear_failures
from jsms.identity.models import User
from jsms.identity.policy import Actor
from jsms.identity.roles import Role
from jsms.movements import service as movements
from jsms.movements.models import Movement
from jsms.registry.models import SecurityUnit
from jsms.tracking.models import CheckIn

PIN = re.compile(r"^[0-9]{4,8}$")
CHANNELS = ("app", "api", "sms", "web")
LIVE = ("approved", "in_progress")
_hasher = PasswordHasher()
WRONG_CODE = "wrong check-in code"


class PinInvalid(Invalid):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def _matches(stored: str | None, pin: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_pins(db: Session, actor: Actor, checkin_pin: str, duress_pin: str) -> None:
    """Set (or change) the actor's check-in code and duress code."""
    for field, pin in (("checkin_pin", checkin_pin), ("duress_pin", duress_pin)):
        if not PIN.match(pin):
            raise PinInvalid(field, "use 4 to 8 digits")
    if checkin_pin == duress_pin:
        raise PinInvalid("duress_pin", "the duress code must differ from the check-in code")
    user = db.get(User, actor.user_id)
    if user is None:
        raise NotFound("no such user")
    user.checkin_pin_hash = _hasher.hash(checkin_pin)
    user.duress_pin_hash = _hasher.hash(duress_pin)
    db.flush()


def has_pins(db: Session, user_id: str) -> bool:
    user = db.get(User, user_id)
    return bool(user and user.checkin_pin_hash and user.duress_pin_hash)


def _involved(db: Session, actor: Actor, movement: Movement) -> bool:
    """A passenger, or an escort commander of an agency with a unit on the movement."""
    if actor.person_id and actor.person_id in movement.passenger_ids:
        return True
    if not actor.has(Role.ESCORT_COMMANDER):
        return False
    unit_ids = [e.unit_id for e in movement.escorts]
    return bool(
        unit_ids
        and db.scalar(
            select(SecurityUnit.id).where(
                SecurityUnit.id.in_(unit_ids), SecurityUnit.agency_id == actor.agency_id
            )
        )
    )


def movement_for(db: Session, actor: Actor, movement_id: str | None) -> Movement | None:
    """The movement a check-in is for: the one named, else the one live movement the sender
    is on (none when there is none)."""
    if movement_id:
        movement = db.get(Movement, movement_id)
        if movement is None or not _involved(db, actor, movement):
            raise NotFound(f"no movement {movement_id} that you are on")
        if movement.status not in LIVE:
            raise Conflict(
                f"{movement.reference} is {movement.status}: check-ins are for live movements"
            )
        return movement
    stmt = select(Movement).where(Movement.status.in_(LIVE))
    if actor.person_id and not actor.has(Role.ESCORT_COMMANDER):
        stmt = stmt.where(cast(Movement.passenger_ids, String).like(f'%"{actor.person_id}"%'))
    live = [m for m in db.scalars(stmt) if _involved(db, actor, m)]
    running = [m for m in live if m.status == "in_progress"] or live
    if len(running) > 1:
        raise Invalid(
            "you are on several live movements: name the movement",
            errors=[{"field": "movement_id", "reason": "name the movement"}],
        )
    return running[0] if running else None


@dataclass(frozen=True)
class Receipt:
    """What the sender is shown: the same for a normal and a duress check-in."""

    id: str
    at: datetime
    movement_id: str | None
    movement_reference: str | None


def check_in(
    db: Session,
    actor: Actor,
    *,
    pin: str,
    channel: str,
    movement_id: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    note: str = "",
) -> Receipt:
    """Record a check-in; a duress code raises a silent alert. Wrong codes count as failed
    logins (the count is committed even when this refuses)."""
    if channel not in CHANNELS:
        raise Invalid(f"channel must be one of {', '.join(CHANNELS)}")
    settings = get_settings()
    now = utcnow()
    movement = movement_for(db, actor, movement_id)
    if not has_pins(db, actor.user_id):
        raise Conflict("set your check-in code and duress code first")
    attempt = claim_attempt(
        db,
        username=actor.username,
        now=now,
        limit=settings.max_failed_logins,
        lockout=timedelta(minutes=settings.lockout_minutes),
    )
    if attempt is None:
        raise AccountLocked("check-ins are locked after repeated wrong codes; an admin can unlock")
    user = db.get(User, actor.user_id)
    assert user is not None
    normal = _matches(user.checkin_pin_hash, pin)
    duress = _matches(user.duress_pin_hash, pin)  # always both: the same work either way
    if not (normal or duress):
        left = max(settings.max_failed_logins - attempt.failed_logins, 0)
        raise Forbidden(f"{WRONG_CODE}; {left} more wrong code(s) lock check-ins")
    clear_failures(db, user.id)
    record = CheckIn(
        id=new_id(),
        movement_id=movement.id if movement else None,
        user_id=user.id,
        person_id=actor.person_id,
        at=now,
        kind="duress" if duress and not normal else "ok",
        channel=channel,
        lat=lat,
        lon=lon,
        note=note[:500],
    )
    db.add(record)
    finding = Finding(
        kind="duress",
        severity="critical",
        key=f"duress:{record.movement_id or '-'}:{user.id}",
        title=f"Duress check-in by {user.display_name}",
        at=now,
        movement_id=record.movement_id,
        lat=lat,
        lon=lon,
        detail={
            "sender_user_id": user.id,
            "sender_person_id": actor.person_id,
            "person_id": actor.person_id,
            "check_in_id": record.id,
            "channel": channel,
        },
        silent=True,
    )
    hearing = set(audience.agencies_for(db, finding)) | {user.agency_id}
    if record.kind == "duress":
        raise_alert(db, finding, now, hearing)
    db.flush()
    reference = movement.reference if movement else None
    return Receipt(record.id, now, record.movement_id, reference)


def check_ins_of(db: Session, actor: Actor, movement_id: str) -> list[CheckIn]:
    """A movement's check-ins for the control rooms (route detail: audited by the read)."""
    movements.read_details(db, actor, movement_id)
    return list(
        db.scalars(
            select(CheckIn).where(CheckIn.movement_id == movement_id).order_by(CheckIn.at.desc())
        )
    )


def last_check_in(db: Session, movement_id: str) -> datetime | None:
    """When anyone on the movement last checked in (the monitor's overdue timer starts here)."""
    return db.scalar(
        select(CheckIn.at)
        .where(CheckIn.movement_id == movement_id)
        .order_by(CheckIn.at.desc())
        .limit(1)
    )
