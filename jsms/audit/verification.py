"""Checking the audit chain: every event, the head, and the head against the anchor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit import anchor
from jsms.audit.chain import ChainBreak, check_anchor, hashable, verify_chain
from jsms.audit.models import AuditEvent, AuditHead
from jsms.keyring import get_keyring

__all__ = ["verify"]


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


def verify(db: Session) -> tuple[int, ChainBreak | None]:
    """Check the whole chain and its head against the anchor; events checked, first break."""
    mac = get_keyring().audit_mac
    key = anchor.database_key(db.get_bind().engine.url)
    try:
        anchored = anchor.read(key)  # before the head: the anchor only ever trails it
    except (OSError, ValueError) as exc:
        return 0, ChainBreak(1, f"the audit anchor {anchor.anchor_path()} is unreadable: {exc}")
    head = _head(db)
    if head is None:
        checked, broken = verify_chain(_records(db, None), None, mac)
        lost = f"; the audit anchor records {anchored.seq} events" if anchored else ""
        return checked, broken or ChainBreak(
            1,
            "chain head is missing: the whole trail was deleted (a migrated database "
            f"always has one){lost}",
        )
    checked, broken = verify_chain(_records(db, head["seq"]), head, mac)
    if broken:
        return checked, broken
    newest = _beyond(db, head["seq"])
    if newest is not None:
        moved = _head(db)  # written while we read? then the newer head covers them
        if moved is None or moved["seq"] < newest:
            return checked, ChainBreak(
                head["seq"] + 1, f"event {head['seq'] + 1} lies beyond the chain head"
            )
    if anchored is None:
        return checked, ChainBreak(
            1,
            f"the audit anchor {anchor.anchor_path()} has no record of this database "
            f"({key}): it was migrated with another key file or moved, or the anchor was lost",
        )
    at_anchor = db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored.seq))
    return checked, check_anchor(head, asdict(anchored), at_anchor)
