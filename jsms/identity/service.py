"""Agencies, users, logins and sessions (passwords and second factors: credentials)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.config import get_settings
from jsms.db import new_id, utcnow
from jsms.errors import AccountLocked, Conflict, Invalid, NotFound, Unauthorized
from jsms.identity.attempts import claim_attempt, clear_failures, take_totp_step
from jsms.identity.credentials import (
    hash_password,
    password_ok,
    requires_totp,
    set_totp_secret,
    spend_as_long_as_a_password_check,
    totp_secret,
    totp_step,
)
from jsms.identity.models import Agency, AuthSession, User
from jsms.identity.policy import Actor
from jsms.identity.roles import PROVINCES, ROLE_TITLES, ROLES_REQUIRING_TOTP, Role, Side

# One answer for an unknown user, a wrong password, a missing or wrong code: it must not tell
# which part was wrong, nor whether this account needs a code (so it says which kinds do).
BAD_LOGIN = "wrong username, password or code; a code is required for {} accounts".format(
    " and ".join(sorted(ROLE_TITLES[r][0] for r in ROLES_REQUIRING_TOTP))
)
# Only for a caller who gave the right password and a right, but used, code.
CODE_USED = "this code was already used; wait for the next one from your authenticator app"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user: User, session_id: str | None = None) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        agency_id=user.agency_id,
        side=Side(user.agency.side),
        roles=frozenset(Role(r) for r in user.roles),
        person_id=user.person_id,
        session_id=session_id,
    )


# Agencies ---------------------------------------------------------------------------------


def _check_jurisdiction(provinces: list[str]) -> None:
    unknown = sorted(set(provinces) - set(PROVINCES))
    if unknown:
        raise Invalid(f"unknown province(s): {', '.join(unknown)}; use {', '.join(PROVINCES)}")


def create_agency(
    db: Session,
    *,
    name: str,
    short_name: str,
    side: Side,
    country: str,
    provinces: list[str] | None = None,
    districts: list[str] | None = None,
) -> Agency:
    _check_jurisdiction(provinces or [])
    if side == Side.HOST and not provinces:
        raise Invalid("a host agency needs a jurisdiction (at least one province)")
    clash = db.scalar(
        select(Agency).where((Agency.name == name) | (Agency.short_name == short_name))
    )
    if clash:
        raise Conflict(f"an agency named {clash.name!r} ({clash.short_name}) already exists")
    agency = Agency(
        name=name,
        short_name=short_name,
        side=side.value,
        country=country.upper(),
        provinces=provinces or [],
        districts=districts or [],
    )
    db.add(agency)
    db.flush()
    return agency


def get_agency(db: Session, agency_id: str) -> Agency:
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency {agency_id}")
    return agency


# Users ------------------------------------------------------------------------------------


@dataclass
class NewUser:
    user: User
    totp_uri: str | None


def create_user(
    db: Session,
    *,
    username: str,
    display_name: str,
    agency_id: str,
    roles: list[Role],
    password: str,
    clearance: int = 1,
    person_id: str | None = None,
    totp_secret: str | None = None,
) -> NewUser:
    """A user; admins and approvers get a TOTP secret, returned once as a provisioning URI."""
    agency = get_agency(db, agency_id)
    if not roles:
        raise Invalid("a user needs at least one role")
    if db.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"username {username!r} is taken")
    if Role.PROTECTEE in roles and not person_id:
        raise Invalid("a protectee account must be linked to a protected person (person_id)")
    user = User(
        id=new_id(),
        username=username,
        display_name=display_name,
        agency_id=agency.id,
        roles=[r.value for r in roles],
        clearance=clearance,
        password_hash=hash_password(password),
        person_id=person_id,
    )
    uri = None
    if requires_totp(roles):
        uri = set_totp_secret(user, totp_secret or pyotp.random_base32())
    db.add(user)
    db.flush()
    db.refresh(user)
    return NewUser(user=user, totp_uri=uri)


def get_user(db: Session, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def unlock_user(db: Session, user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    db.flush()


def set_active(db: Session, user: User, active: bool) -> None:
    user.active = active
    if not active:
        revoke_all_sessions(db, user.id)
    db.flush()


# Login and sessions ----------------------------------------------------------------------


CODE_USED_REASON = "second factor code already used"


def _refusal(
    db: Session, user: User, password: str, totp_code: str | None, now: datetime
) -> str | None:
    """Why this login fails (for the trail), or None; a right code is used up here."""
    if not user.active:
        return "account disabled"
    if not password_ok(user.password_hash, password):
        return "wrong password"
    if not requires_totp(user.roles):
        return None
    if not totp_code:
        return "second factor required"
    step = totp_step(totp_secret(user), totp_code, now)
    if step is None:
        return "wrong second factor"
    if not take_totp_step(db, user.id, step):
        return CODE_USED_REASON
    return None


@dataclass
class Login:
    token: str
    session: AuthSession
    user: User


def login(
    db: Session,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    kind: str,
    client: str = "",
) -> Login:
    """Check password (and TOTP where the role needs it) and open a session.

    Every attempt is counted before the password is checked (see `attempts`); once
    `max_failed_logins` are counted the account locks for a while and no password is checked
    until it unlocks. The caller must commit even when this raises, so the failure's audit
    event is kept.
    """
    settings = get_settings()
    now = utcnow()
    # No username holds a NUL (the login form is not schema-checked); PostgreSQL cannot
    # even compare text containing one, so such a name is simply unknown.
    printable = username.replace("\x00", "\\x00")[:64]
    attempt = user = None
    if "\x00" not in username:
        attempt = claim_attempt(
            db,
            username=username,
            now=now,
            limit=settings.max_failed_logins,
            lockout=timedelta(minutes=settings.lockout_minutes),
        )
        user = db.scalar(select(User).where(User.username == username))
    if user is None:
        spend_as_long_as_a_password_check(password)
        audit.record(
            db,
            action="auth.login",
            object_type="user",
            outcome="failed",
            detail={"username": printable, "reason": "unknown user"},
            actor=printable,
        )
        # The same words as a wrong password, so the answer does not reveal who has an account.
        raise Unauthorized(BAD_LOGIN)
    db.info["actor"] = actor_of(user)
    if attempt is None:
        audit.record(
            db,
            action="auth.login",
            object_type="user",
            object_id=user.id,
            outcome="refused",
            detail={"reason": "locked"},
        )
        until = f" until {user.locked_until:%Y-%m-%d %H:%M} UTC" if user.locked_until else ""
        raise AccountLocked(
            f"account locked{until} after repeated failed logins; an admin can unlock it"
        )
    reason = _refusal(db, user, password, totp_code, now)
    if reason:
        detail: dict[str, object] = {"reason": reason, "failed_logins": attempt.failed_logins}
        if attempt.locked_until:
            detail["locked_until"] = attempt.locked_until.isoformat()
        audit.record(
            db,
            action="auth.login",
            object_type="user",
            object_id=user.id,
            outcome="failed",
            detail=detail,
        )
        raise Unauthorized(CODE_USED if reason == CODE_USED_REASON else BAD_LOGIN)
    clear_failures(db, user.id)
    token = secrets.token_urlsafe(32)
    hours = settings.session_hours if kind == "cookie" else settings.token_hours
    auth_session = AuthSession(
        user_id=user.id,
        token_hash=_token_hash(token),
        kind=kind,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        client=client[:200],
    )
    db.add(auth_session)
    db.flush()
    audit.record(
        db,
        action="auth.login",
        object_type="user",
        object_id=user.id,
        detail={"session_id": auth_session.id, "kind": kind},
    )
    return Login(token=token, session=auth_session, user=user)


def authenticate(db: Session, token: str) -> Actor:
    """The actor behind a bearer token or session cookie, or Unauthorized."""
    now = utcnow()
    found = db.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == _token_hash(token))
    ).first()
    if found is None:
        raise Unauthorized("unknown or expired token; log in again")
    auth_session, user = found
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        raise Unauthorized("session ended; log in again")
    if not user.active:
        raise Unauthorized("account disabled")
    return actor_of(user, auth_session.id)


def logout(db: Session, actor: Actor) -> None:
    if actor.session_id:
        db.execute(
            update(AuthSession)
            .where(AuthSession.id == actor.session_id)
            .values(revoked_at=utcnow())
        )
        audit.record(
            db,
            action="auth.logout",
            object_type="auth_session",
            object_id=actor.session_id,
            actor=actor,
        )


def list_sessions(db: Session, user_id: str) -> list[AuthSession]:
    return list(
        db.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.created_at.desc())
        )
    )


def revoke_session(db: Session, *, user_id: str, session_id: str) -> None:
    auth_session = db.get(AuthSession, session_id)
    if auth_session is None or auth_session.user_id != user_id:
        raise NotFound(f"no session {session_id} for this user")
    auth_session.revoked_at = utcnow()
    db.flush()


def revoke_all_sessions(db: Session, user_id: str) -> int:
    result = db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        db,
        action="auth.revoke_all",
        object_type="user",
        object_id=user_id,
        detail={"sessions": count},
    )
    return count
