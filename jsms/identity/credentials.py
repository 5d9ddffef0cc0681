"""Passwords (argon2id) and second-factor secrets (TOTP, encrypted at rest)."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit.models import AuditEvent
from jsms.config import get_settings
from jsms.db import utcnow
from jsms.errors import Forbidden, Invalid
from jsms.identity.attempts import take_totp_step
from jsms.identity.models import User
from jsms.identity.policy import Actor
from jsms.identity.roles import ROLES_REQUIRING_TOTP, Role
from jsms.keyring import Keyring, get_keyring

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


class StepUpRefused(Forbidden):
    """A second-factor code refused at a decision; the caller commits to keep its audit."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def password_ok(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def spend_as_long_as_a_password_check(password: str) -> None:
    """For a login without an account: as slow as checking a real one."""
    password_ok(_DUMMY_HASH, password)


def requires_totp(roles: Collection[str]) -> bool:
    """True when any of `roles` (names or Role members) needs a second factor."""
    return any(Role(r) in ROLES_REQUIRING_TOTP for r in roles)


def _totp_context(user_id: str) -> str:
    return f"user:{user_id}:totp"


def set_totp_secret(user: User, secret: str) -> str:
    """Store `secret` encrypted for `user`; returns the provisioning URI (shown once)."""
    user.totp_secret_enc = get_keyring().encrypt(secret, _totp_context(user.id))
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="JSMS")


def totp_secret(user: User) -> str | None:
    if not user.totp_secret_enc:
        return None
    return get_keyring().decrypt(user.totp_secret_enc, _totp_context(user.id))


def totp_step(secret: str | None, code: str, now: datetime) -> int | None:
    """The time step a code belongs to (this one or either neighbour), or None if wrong."""
    if not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def reencrypt_totp_secrets(db: Session, keyring: Keyring) -> int:
    """Re-encrypt every second-factor secret under the current key; returns how many changed."""
    count = 0
    for user in db.scalars(select(User).where(User.totp_secret_enc.is_not(None))):
        fresh = keyring.reencrypt(user.totp_secret_enc, _totp_context(user.id))
        if fresh is not None:
            user.totp_secret_enc = fresh
            count += 1
    db.flush()
    return count


def reset_totp(db: Session, user: User) -> str:
    """A fresh TOTP secret (lost phone); returns the provisioning URI."""
    uri = set_totp_secret(user, pyotp.random_base32())
    user.totp_last_step = 0
    db.flush()
    return uri


# Why a step-up failed (as the audit trail records it) -> what the person is told.
STEP_UP_WORDS = {
    "wrong second factor": "wrong code: enter the current code from your authenticator app",
    "second factor code already used": (
        "this code was already used; wait for the next one from your authenticator app"
    ),
    "no second factor set up": "this account has no authenticator set up; ask an admin",
    "too many wrong codes": "too many wrong codes; wait {minutes} minutes and try again",
}


def _recent_step_up_failures(db: Session, user_id: str, now: datetime, minutes: float) -> int:
    since = now - timedelta(minutes=minutes)
    count = db.scalar(
        select(func.count(AuditEvent.seq)).where(
            AuditEvent.actor_id == user_id,
            AuditEvent.action == "auth.step_up",
            AuditEvent.outcome == "failed",
            AuditEvent.at >= since,
        )
    )
    return int(count or 0)


def step_up(db: Session, actor: Actor, code: str, now: datetime | None = None) -> None:
    """A fresh second factor before a decision that binds the agency (an approval): the code
    must be this user's, current, and unused, under the login's one-use rule (a code spent at
    login or at an earlier step-up is refused). Every attempt is audited; after as many wrong
    codes as a login may fail, step-up waits as long as a locked login does. The caller must
    commit even when this raises, so the failure's audit event is kept."""
    settings = get_settings()
    moment = now or utcnow()
    user = db.get(User, actor.user_id)
    failures = _recent_step_up_failures(db, actor.user_id, moment, settings.lockout_minutes)
    reason = None
    if failures >= settings.max_failed_logins:
        reason = "too many wrong codes"
    elif user is None or not user.totp_secret_enc:
        reason = "no second factor set up"
    else:
        step = totp_step(totp_secret(user), code.strip(), moment)
        if step is None:
            reason = "wrong second factor"
        elif not take_totp_step(db, user.id, step):
            reason = "second factor code already used"
    audit.record(
        db,
        action="auth.step_up",
        object_type="user",
        object_id=actor.user_id,
        outcome="failed" if reason else "ok",
        detail={"reason": reason} if reason else {},
    )
    if reason:
        minutes = round(settings.lockout_minutes)
        raise StepUpRefused(STEP_UP_WORDS[reason].format(minutes=minutes))
