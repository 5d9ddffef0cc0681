"""Text messages from the SMS gateway: SAFE / HELP answer the sender's open roll calls,
"OK <code>" checks the sender in (a duress code gets the same reply as the right one).

The sender is found by the keyed hash of their number (jsms.registry.phones), never by
decrypting every phone. Replies never say whether a number is registered beyond what its
owner would need, and a duress check-in's reply is the normal one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.alerts.findings import Finding
from jsms.alerts.service import raise_alert
from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.errors import DomainError
from jsms.identity import service as identity
from jsms.identity.models import User
from jsms.identity.roles import Role
from jsms.registry import phones
from jsms.registry.models import ProtectedPerson
from jsms.tracking import checkins

HOW = "Reply SAFE or HELP to a roll call, or OK and your code to check in."
UNKNOWN = "JSMS: this number is not registered. " + HOW
HELP = "JSMS: your call for help is with the control room. Stay where you are safest."


def _person_of(db: Session, sender: str) -> ProtectedPerson | None:
    lookup = phones.lookup_hash(sender)
    if lookup is None:
        return None
    return db.scalar(select(ProtectedPerson).where(ProtectedPerson.phone_lookup == lookup))


def _answer_roll_calls(db: Session, person: ProtectedPerson, status: str) -> str:
    waiting = rollcall.asking(db, person.id)
    if not waiting and status == "need_help":
        now = utcnow()
        raise_alert(
            db,
            Finding(
                kind="need_help",
                severity="critical",
                key=f"need_help:sms:{person.id}",
                title=f"{person.full_name} asked for help by SMS",
                at=now,
                detail={"person_id": person.id, "channel": "sms"},
            ),
            now,
        )
    if not waiting:
        return "JSMS: no roll call is waiting for your answer." if status == "safe" else HELP
    for target in waiting:
        rollcall.record_answer(db, target, status, "sms")
    if status == "safe":
        return "JSMS: thank you, you are recorded as safe."
    return HELP


def _check_in(db: Session, person: ProtectedPerson, code: str) -> str:
    user = db.scalar(select(User).where(User.person_id == person.id, User.active.is_(True)))
    if user is None or Role.PROTECTEE.value not in user.roles:
        return "JSMS: check-ins by SMS need a protectee account. " + HOW
    actor = identity.actor_of(user)
    db.info["actor"] = actor
    try:
        checkins.check_in(db, actor, pin=code, channel="sms")
    except DomainError as exc:
        audit.record(
            db,
            action="checkin.sms",
            object_type="user",
            object_id=user.id,
            outcome="refused",
            detail={"reason": exc.detail[:200]},
            actor=actor,
        )
        if checkins.WRONG_CODE in exc.detail:
            return "JSMS: check-in refused: wrong code."
        return f"JSMS: check-in refused: {exc.detail}"
    return "JSMS: check-in received."


def handle(db: Session, sender: str, body: str) -> str:
    """The reply to one incoming text."""
    words = body.strip().split()
    person = _person_of(db, sender)
    if person is None:
        audit.record(
            db,
            action="sms.inbound",
            object_type="sms",
            outcome="refused",
            detail={"reason": "unknown number"},
        )
        return UNKNOWN
    keyword = words[0].upper() if words else ""
    if keyword in ("SAFE", "HELP") and len(words) == 1:
        return _answer_roll_calls(db, person, "safe" if keyword == "SAFE" else "need_help")
    if keyword == "OK" and len(words) == 2:
        return _check_in(db, person, words[1])
    return "JSMS: not understood. " + HOW
