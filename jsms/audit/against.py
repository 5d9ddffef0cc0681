"""`jsms audit verify --against FILE`: our chain checked against the heads a partner keeps of
us (exported there with `jsms audit heads export --partner US`).

A rewritten history (an event edited, deleted or re-chained with our own key, the anchor file
updated to match) still verifies on its own, but no longer holds the hash a partner signed-for
head names at that number. The check names the first such head, and the last head that still
matches, so the rewrite lies between the two.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.chain import GENESIS
from jsms.audit.models import AuditEvent, AuditHead
from jsms.audit.signing import HeadFormatError, SignedHead, fingerprint, signature_holds
from jsms.keyring import get_keyring

__all__ = ["HEADS_FORMAT", "HeadFailure", "check_heads", "read_heads_file", "verify_against"]

HEADS_FORMAT = "jsms-partner-heads/1"


@dataclass(frozen=True)
class HeadFailure:
    """The first partner-held head our chain no longer matches, and why."""

    head: SignedHead
    position: int  # 1-based, in seq order
    reason: str

    def describe(self, total: int) -> str:
        return (
            f"head {self.position} of {total} (event {self.head.seq}, signed "
            f"{self.head.signed_at}): {self.reason}"
        )


def read_heads_file(path: Path) -> list[SignedHead]:
    """The heads in an exported file (HeadFormatError naming the entry that is wrong)."""
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise HeadFormatError(f"{path} is not a heads file: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != HEADS_FORMAT:
        raise HeadFormatError(f"{path} is not a {HEADS_FORMAT} file (`jsms audit heads export`)")
    heads = []
    for number, entry in enumerate(data.get("heads") or [], start=1):
        try:
            heads.append(SignedHead.from_dict(entry))
        except HeadFormatError as exc:
            raise HeadFormatError(f"{path}: head {number}: {exc}") from None
    return heads


def _signature_problem(head: SignedHead, ours: str, public_raw: bytes) -> str | None:
    if head.key == ours and signature_holds(head, public_raw):
        return None
    return (
        f"not signed by this instance's key {ours} (it names {head.key}): this file does "
        "not hold our heads, or it was altered"
    )


def _chain_problem(
    head: SignedHead, database_id: str, hash_at: Callable[[int], str | None]
) -> str | None:
    if head.database_id != database_id:
        return f"it names database {head.database_id}, this database is {database_id}"
    held = GENESIS if head.seq == 0 else hash_at(head.seq)
    if held is None:
        return f"event {head.seq} no longer exists: events were removed"
    if held != head.hash:
        return (
            f"event {head.seq} is not the one the partner holds a signed head for "
            f"(hash {held[:12]}… now, {head.hash[:12]}… when signed)"
        )
    return None


def check_heads(
    heads: Iterable[SignedHead],
    *,
    database_id: str,
    public_raw: bytes,
    hash_at: Callable[[int], str | None],
) -> tuple[int, HeadFailure | None]:
    """Walk the heads in order of number; how many hold before the first that does not.

    `hash_at(seq)` is the hash of our event `seq` as the database holds it now (None when
    there is no such event).
    """
    ordered = sorted(heads, key=lambda h: (h.seq, h.signed_at))
    ours = fingerprint(public_raw)
    last_good: SignedHead | None = None
    for position, head in enumerate(ordered, start=1):
        problem = _signature_problem(head, ours, public_raw)
        if problem is None:
            problem = _chain_problem(head, database_id, hash_at)
            if problem is not None:
                since = f"after event {last_good.seq}" if last_good else "from the start"
                problem += f"; the history was rewritten {since}"
        if problem is not None:
            return position - 1, HeadFailure(head, position, problem)
        last_good = head
    return len(ordered), None


def verify_against(db: Session, heads: list[SignedHead]) -> tuple[int, HeadFailure | None]:
    """Check this database's chain against `heads` (those a partner keeps of us)."""
    head = db.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    database_id = (head.database_id if head else None) or ""
    public_raw = get_keyring().signer().public_key().public_bytes_raw()

    def hash_at(seq: int) -> str | None:
        return db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))

    return check_heads(heads, database_id=database_id, public_raw=public_raw, hash_at=hash_at)
