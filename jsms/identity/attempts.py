"""Login attempts: the lock-out counter and one-use second-factor codes, updated atomically.

Requests that arrive together must not all pass a check made before any of them wrote. So an
attempt is counted before its password is checked, by one conditional UPDATE that also locks
the account when it reaches the limit; and a code's time step is taken by one conditional
UPDATE that only one login can win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, update
from sqlalchemy.orm import Session

from jsms.db import UTCDateTime
from jsms.identity.models import User


@dataclass(frozen=True)
class Attempt:
    """This attempt's place in the count, and the lock it set if it reached the limit."""

    user_id: str
    failed_logins: int
    locked_until: datetime | None


def claim_attempt(
    db: Session, *, username: str, now: datetime, limit: int, lockout: timedelta
) -> Attempt | None:
    """Count one attempt for `username`; None when there is no such user or it is locked.

    The count is committed in its own short transaction before anything is checked: it
    stands even if the caller's transaction fails, and no write lock is held while the
    password hash is computed. Call it before `db` touches the database, so that a login
    never holds two pooled connections at once (a burst would exhaust the pool). The
    attempt that reaches `limit` locks the account; a successful login clears both
    (`clear_failures`). An expired lock starts a new count.
    """
    moment = literal(now, UTCDateTime())
    expired = User.locked_until.is_not(None) & (User.locked_until <= moment)
    count = case((expired, 1), else_=User.failed_logins + 1)
    stmt = (
        update(User)
        .where(User.username == username, or_(User.locked_until.is_(None), expired))
        .values(
            failed_logins=count,
            locked_until=case((count >= limit, literal(now + lockout, UTCDateTime()))),
        )
        .returning(User.id, User.failed_logins, User.locked_until)
    )
    with db.get_bind().engine.connect() as connection:
        row = connection.execute(stmt).first()
        connection.commit()
    return Attempt(row.id, row.failed_logins, row.locked_until) if row else None


def clear_failures(db: Session, user_id: str) -> None:
    """A successful login: the count starts again (in the caller's transaction)."""
    db.execute(
        update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None),
        execution_options={"synchronize_session": False},
    )


def take_totp_step(db: Session, user_id: str, step: int) -> bool:
    """Mark a code's time step as used; True for the one login that got there first."""
    result = db.execute(
        update(User)
        .where(User.id == user_id, User.totp_last_step < step)
        .values(totp_last_step=step),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
