"""The hash chain, as pure functions over plain records.

Each event's hash is an HMAC (key outside the database) over its number, its fields and the
previous hash. Editing, deleting, inserting or reordering rows breaks the chain at that row;
cutting rows off the end no longer matches the separately MAC'd head. The head's MAC names
the database it belongs to, and the anchor kept outside the database (jsms.audit.anchor)
says how far the head had got, so an older or a foreign head is caught too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64

__all__ = [
    "GENESIS",
    "ChainBreak",
    "check_anchor",
    "event_hash",
    "hashable",
    "head_mac",
    "legacy_head_mac",
    "verify_chain",
]

Mac = Callable[[bytes], str]

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "actor_agency_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "detail",
)


def hashable(record: Mapping[str, Any]) -> dict[str, Any]:
    """Timestamps hash as ISO text so both databases give the same bytes back."""
    out = dict(record)
    at = out["at"]
    out["at"] = at.isoformat() if isinstance(at, datetime) else at
    return out


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: the same on SQLite and PostgreSQL."""
    data = {name: record[name] for name in HASHED_FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(record: Mapping[str, Any], prev_hash: str, mac: Mac) -> str:
    return mac(prev_hash.encode() + b"|" + canonical(record))


def head_mac(database_id: str, seq: int, last_hash: str, mac: Mac) -> str:
    return mac(f"head|{database_id}|{seq}|{last_hash}".encode())


def legacy_head_mac(seq: int, last_hash: str, mac: Mac) -> str:
    """The MAC of heads written before they named their database (migration 0006)."""
    return mac(f"head|{seq}|{last_hash}".encode())


@dataclass(frozen=True)
class ChainBreak:
    """Where verification first failed, and why."""

    seq: int
    reason: str


def verify_chain(
    records: Iterable[Mapping[str, Any]],
    head: Mapping[str, Any] | None,
    mac: Mac,
) -> tuple[int, ChainBreak | None]:
    """Walk events in `seq` order; return how many were checked and the first break."""
    expected_seq, prev, count = 1, GENESIS, 0
    for record in records:
        seq = record["seq"]
        if seq != expected_seq:
            return count, ChainBreak(expected_seq, f"event {expected_seq} is missing (found {seq})")
        if record["prev_hash"] != prev:
            return count, ChainBreak(seq, "link to the previous event is broken")
        if event_hash(record, prev, mac) != record["hash"]:
            return count, ChainBreak(seq, "contents do not match the hash")
        prev, expected_seq, count = record["hash"], seq + 1, count + 1
    if head is None:
        if count:
            return count, ChainBreak(count, "chain head is missing")
        return count, None
    if head["database_id"] is None:
        return count, ChainBreak(
            head["seq"],
            "chain head names no database (written before heads did): "
            "`jsms db upgrade` re-seals it if it is genuine",
        )
    if head_mac(head["database_id"], head["seq"], head["hash"], mac) != head["mac"]:
        return count, ChainBreak(head["seq"], "chain head was altered")
    if head["seq"] != count or head["hash"] != prev:
        return count, ChainBreak(
            count + 1, f"events after {count} were removed (head is {head['seq']})"
        )
    return count, None


def _short(database_id: str) -> str:
    return database_id[:8] + "…"


def check_anchor(
    head: Mapping[str, Any],
    anchor: Mapping[str, Any],
    hash_at_anchor: str | None,
) -> ChainBreak | None:
    """Compare a verified head with the anchor recorded outside the database.

    `hash_at_anchor` is the hash of the event the anchor names, as the database now holds it
    (None when there is no such event).
    """
    if head["database_id"] != anchor["database_id"]:
        return ChainBreak(
            1,
            f"the chain head (event {head['seq']}) belongs to another database "
            f"(id {_short(head['database_id'] or 'none')}; this database is "
            f"{_short(anchor['database_id'])}): it was copied in from another database",
        )
    if head["seq"] < anchor["seq"]:
        return ChainBreak(
            head["seq"] + 1,
            f"the chain head is event {head['seq']} but event {anchor['seq']} had been "
            f"recorded: events {head['seq'] + 1}-{anchor['seq']} were removed and an older "
            "head put back",
        )
    if anchor["seq"] > 0 and hash_at_anchor != anchor["hash"]:
        return ChainBreak(
            anchor["seq"],
            f"event {anchor['seq']} is not the one recorded when it was written: the trail "
            "was rolled back and written again",
        )
    return None
