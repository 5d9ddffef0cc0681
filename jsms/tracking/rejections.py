"""Counting refused device messages: per (source, reason), never per message.

Refusals are added up in memory and written with the next group commit (or within a second),
so a flood of garbage costs one counter update per reason, not one row per message. Each
counter keeps its newest sample, truncated, with any key in it masked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from jsms.db import utcnow
from jsms.tracking.models import IngestRejection

__all__ = ["RejectionCounter", "Tally", "redact", "rejection_query"]

SAMPLE_CHARS = 200
_KEY = re.compile(r"(?i)((?:^|[?&\s\"'{,])(?:key|password|pass)\s*[=:]\s*\"?)[^&\s\"',}]*")


def redact(sample: str | bytes) -> str:
    """The sample as kept: printable, at most 200 characters, keys masked."""
    text = sample.decode("utf-8", "replace") if isinstance(sample, bytes) else sample
    text = _KEY.sub(r"\1***", text[: SAMPLE_CHARS * 2])
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable[:SAMPLE_CHARS]


@dataclass
class Tally:
    source: str
    reason: str
    count: int
    last_at: datetime
    last_sample: str


class RejectionCounter:
    """Refusals waiting to be written, added up per (source, reason)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], Tally] = {}

    def add(self, source: str, reason: str, sample: str | bytes = "") -> None:
        now = utcnow()
        with self._lock:
            tally = self._pending.get((source, reason))
            if tally is None:
                self._pending[(source, reason)] = Tally(source, reason, 1, now, redact(sample))
            else:
                tally.count += 1
                tally.last_at = now
                tally.last_sample = redact(sample)

    def take(self) -> list[Tally]:
        with self._lock:
            pending, self._pending = self._pending, {}
        return list(pending.values())

    def put_back(self, tallies: Sequence[Tally]) -> None:
        """After a failed write: keep the counts for the next one."""
        with self._lock:
            for tally in tallies:
                mine = self._pending.get((tally.source, tally.reason))
                if mine is None:
                    self._pending[(tally.source, tally.reason)] = tally
                else:
                    mine.count += tally.count

    def __bool__(self) -> bool:
        return bool(self._pending)


def write(connection: Connection, tallies: Sequence[Tally]) -> None:
    """Add the tallies to the stored counters (one upsert per reason)."""
    if not tallies:
        return
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = IngestRejection.__table__
    for tally in tallies:
        stmt = dialect.insert(table).values(
            source=tally.source,
            reason=tally.reason,
            count=tally.count,
            last_at=tally.last_at,
            last_sample=tally.last_sample,
        )
        connection.execute(
            stmt.on_conflict_do_update(
                index_elements=["source", "reason"],
                set_={
                    "count": table.c.count + stmt.excluded.count,
                    "last_at": stmt.excluded.last_at,
                    "last_sample": stmt.excluded.last_sample,
                },
            )
        )


def rejection_query() -> Select[IngestRejection]:
    return select(IngestRejection).order_by(
        IngestRejection.source, IngestRejection.count.desc(), IngestRejection.reason
    )
