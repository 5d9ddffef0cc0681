"""Checking the audit chain: every event, the head, and the head against the anchor; and an
operator's acceptance of a head after a deliberate restore."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit import anchor
from jsms.audit.chain import ChainBreak, check_anchor, hashable, verify_chain
from jsms.audit.models import AuditEvent, AuditHead
from jsms.audit.service import record
from jsms.errors import Invalid
from jsms.keyring import get_keyring

__all__ = ["accept_head", "anchor_head", "verify", "verify_trail"]


def _records(db: Session, upto: int | None, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Events in order, up to number `upto` (all when None), as plain hashable records."""
    last = 0
    while True:
        stmt = select(AuditEvent).where(AuditEvent.seq > last)
        if upto is not None:
            stmt = stmt.where(AuditEvent.seq <= upto)
        rows = db.execute(stmt.order_by(AuditEvent.seq).limit(batch)).scalars().all()
        if not rows:
            return
        for row in rows:
            yield hashable(
                {
                    "seq": row.seq,
                    "at": row.at,
                    "actor_id": row.actor_id,
                    "actor_name": row.actor_name,
                    "actor_agency_id": row.actor_agency_id,
                    "action": row.action,
                    "object_type": row.object_type,
                    "object_id": row.object_id,
                    "outcome": row.outcome,
                    "detail": row.detail,
                    "prev_hash": row.prev_hash,
                    "hash": row.hash,
                }
            )
        last = rows[-1].seq
        db.expunge_all()


def _head(db: Session) -> dict[str, Any] | None:
    row = db.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if row is None:
        return None
    return {"seq": row.seq, "hash": row.hash, "mac": row.mac, "database_id": row.database_id}


def _beyond(db: Session, seq: int) -> int | None:
    """The newest event number after `seq`, if any."""
    return db.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.seq > seq))


def verify_trail(db: Session) -> tuple[int, ChainBreak | None, dict[str, Any] | None]:
    """Check every event and the head's MAC (not the anchor); events checked, break, head."""
    mac = get_keyring().audit_mac
    head = _head(db)
    if head is None:
        checked, broken = verify_chain(_records(db, None), None, mac)
        missing = ChainBreak(
            1, "chain head is missing: the whole trail was deleted (a migrated database has one)"
        )
        return checked, broken or missing, None
    checked, broken = verify_chain(_records(db, head["seq"]), head, mac)
    if broken:
        return checked, broken, head
    newest = _beyond(db, head["seq"])
    if newest is not None:
        moved = _head(db)  # written while we read? then the newer head covers them
        if moved is None or moved["seq"] < newest:
            beyond = ChainBreak(head["seq"] + 1, f"event {head['seq'] + 1} lies beyond the head")
            return checked, beyond, head
    return checked, None, head


def verify(db: Session) -> tuple[int, ChainBreak | None]:
    """Check the whole chain and its head against the anchor; events checked, first break."""
    key = anchor.database_key(db.get_bind().engine.url)
    try:
        anchored = anchor.read(key)  # before the head: the anchor only ever trails it
    except (OSError, ValueError) as exc:
        return 0, ChainBreak(1, f"the audit anchor {anchor.anchor_path()} is unreadable: {exc}")
    checked, broken, head = verify_trail(db)
    if broken and head is None and anchored:
        broken = ChainBreak(
            broken.seq, f"{broken.reason}; the audit anchor records {anchored.seq} events"
        )
    if broken or head is None:
        return checked, broken
    if anchored is None:
        return checked, ChainBreak(
            1,
            f"the audit anchor {anchor.anchor_path()} has no record of this database "
            f"({key}): it was migrated with another key file or moved, or the anchor was lost",
        )
    at_anchor = db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored.seq))
    return checked, check_anchor(head, asdict(anchored), at_anchor)


def accept_head(db: Session, *, reason: str) -> None:
    """Record, in `db`'s transaction, that an operator accepts the database's current head
    (a deliberate restore from backup, a moved database); refused if the trail itself is
    broken. After the commit, `anchor_head` points the anchor at the head."""
    if not reason.strip():
        raise Invalid("say why the head is accepted (--reason), e.g. which backup was restored")
    _, broken, head = verify_trail(db)
    if broken or head is None:
        why = broken.reason if broken else "no chain head"
        raise Invalid(f"the trail itself is broken ({why}); nothing was accepted")
    key = anchor.database_key(db.get_bind().engine.url)
    previous = anchor.read(key)
    record(
        db,
        action="audit.anchor.accept",
        object_type="audit_anchor",
        object_id=head["database_id"],
        detail={
            "reason": reason.strip()[:500],
            "head_seq": head["seq"],
            "anchor_was": asdict(previous) if previous else None,
        },
    )


def anchor_head(db: Session) -> anchor.Anchor:
    """Point the anchor at the database's committed head (after `accept_head`)."""
    head = _head(db)
    if head is None or not head["database_id"]:
        raise Invalid("the database has no chain head naming it; run `jsms db upgrade` first")
    key = anchor.database_key(db.get_bind().engine.url)
    return anchor.replace(key, anchor.Anchor(head["database_id"], head["seq"], head["hash"]))
