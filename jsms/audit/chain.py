"""The hash chain, as pure functions over plain records.

Each event's hash is an HMAC (key outside the database) over its number, its fields and the
previous hash. Editing, deleting, inserting or reordering rows breaks the chain at that row;
cutting rows off the end no longer matches the separately MAC'd head.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

__all__ = ["GENESIS", "ChainBreak", "event_hash", "head_mac", "verify_chain"]

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


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: the same on SQLite and PostgreSQL."""
    data = {name: record[name] for name in HASHED_FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(record: Mapping[str, Any], prev_hash: str, mac: Mac) -> str:
    return mac(prev_hash.encode() + b"|" + canonical(record))


def head_mac(seq: int, last_hash: str, mac: Mac) -> str:
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
    if head_mac(head["seq"], head["hash"], mac) != head["mac"]:
        return count, ChainBreak(head["seq"], "chain head was altered")
    if head["seq"] != count or head["hash"] != prev:
        return count, ChainBreak(
            count + 1, f"events after {count} were removed (head is {head['seq']})"
        )
    return count, None
