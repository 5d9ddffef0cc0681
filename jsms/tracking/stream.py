"""Positions on NATS JetStream, for monitor workers that scale out.

The serving process stores each batch of positions first (durable in the database), then
publishes it to a JetStream stream with file storage, one subject per partition
(``jsms.pos.<partition>``, the partition a hash of the movement id), one message per
partition per batch with a message id for de-duplication, and returns only once JetStream has
acknowledged every message. Monitor workers (:mod:`jsms.tracking.stream_worker`) share the
partitions. See docs/live-operations.md, "Scaling out".

On start the publisher catches up: positions stored after the newest one in the stream (a
crash between commit and publish) are published again; a worker ignores what it has seen.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from sqlalchemy import select

from jsms.db import new_session, utcnow
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.models import Position

__all__ = [
    "JetStreamPublisher",
    "StreamNames",
    "decode",
    "encode",
    "ensure_stream",
    "partition_of",
    "stream_url_from_env",
]

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_S = 30.0
CATCH_UP_OVERLAP = 1_000  # re-publish this many sequence numbers before the newest seen
CATCH_UP_SPAN = timedelta(hours=1)  # and nothing older than this


def stream_url_from_env() -> str:
    """``JSMS_STREAM_URL`` (e.g. ``nats://127.0.0.1:4222``); empty: the embedded monitor."""
    from jsms.config import get_settings

    return get_settings().stream_url.strip()


@dataclass(frozen=True)
class StreamNames:
    """Where positions and leases live on the server; tests add a suffix of their own so
    parallel runs do not meet."""

    stream: str = "JSMS_POSITIONS"
    subject: str = "jsms.pos"
    bucket: str = "jsms_monitor"
    consumer: str = "jsms-monitor"
    partitions: int = 16
    max_age: timedelta = timedelta(days=2)

    def with_suffix(self, suffix: str) -> StreamNames:
        return replace(
            self,
            stream=f"{self.stream}_{suffix}",
            subject=f"{self.subject}.{suffix}",
            bucket=f"{self.bucket}_{suffix}",
            consumer=f"{self.consumer}-{suffix}",
        )

    def subject_of(self, partition: int) -> str:
        return f"{self.subject}.{partition}"

    def durable_of(self, partition: int) -> str:
        return f"{self.consumer}-p{partition}"


def partition_of(movement_id: str, partitions: int) -> int:
    """The partition a movement's positions go to: the same on every process.

    Examples
    --------
    >>> partition_of("3f1c0d6e-0000-4000-8000-000000000000", 16)
    6
    """
    return zlib.crc32(movement_id.encode()) % partitions


def _stamp(at: datetime) -> float:
    return round(at.timestamp(), 6)


def encode(positions: Sequence[StoredPosition]) -> bytes:
    """Positions as one compact JSON message (times as POSIX seconds).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = datetime(2026, 3, 1, 8, tzinfo=UTC)
    >>> p = StoredPosition(7, "dev", "mov", "escort", t, t, 24.9, 67.1, 12.5, None)
    >>> decode(encode([p])) == [p]
    True
    """
    rows = [
        [
            p.seq,
            p.device_id,
            p.movement_id,
            p.role,
            _stamp(p.fixed_at),
            _stamp(p.received_at),
            p.lat,
            p.lon,
            p.speed_mps,
            p.alarm,
        ]
        for p in positions
    ]
    return json.dumps({"v": 1, "p": rows}, separators=(",", ":")).encode()


def decode(data: bytes) -> list[StoredPosition]:
    """The positions of one message (``ValueError`` when it is not one)."""
    body = json.loads(data)
    if not isinstance(body, dict) or body.get("v") != 1:
        raise ValueError("not a JSMS positions message")
    return [
        StoredPosition(
            seq=int(r[0]),
            device_id=r[1],
            movement_id=r[2],
            role=r[3],
            fixed_at=datetime.fromtimestamp(r[4], UTC),
            received_at=datetime.fromtimestamp(r[5], UTC),
            lat=float(r[6]),
            lon=float(r[7]),
            speed_mps=r[8],
            alarm=r[9],
        )
        for r in body["p"]
    ]


async def ensure_stream(js: JetStreamContext, names: StreamNames) -> None:
    """Create the positions stream (file storage, kept ``max_age``) unless it exists."""
    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=names.stream,
                subjects=[f"{names.subject}.*"],
                storage=StorageType.FILE,
                retention=RetentionPolicy.LIMITS,
                max_age=names.max_age.total_seconds(),
                duplicate_window=120.0,
            )
        )


def _message_id(partition: int, positions: Sequence[StoredPosition]) -> str:
    """The same batch published twice (a retry) is stored once."""
    seqs = sorted(p.seq for p in positions)
    digest = zlib.crc32(",".join(map(str, seqs)).encode())
    return f"p{partition}-{seqs[0]}-{seqs[-1]}-{len(seqs)}-{digest:08x}"


class JetStreamPublisher:
    """A :class:`~jsms.tracking.bus.PositionBus` that publishes to JetStream.

    Runs its own event loop in a thread; :meth:`publish` blocks until JetStream has stored
    every message (or raises, and the caller logs it: the positions are in the database and
    the next start catches up).
    """

    def __init__(self, url: str, names: StreamNames | None = None) -> None:
        self.url = url
        self.names = names or StreamNames()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="jsms-stream", daemon=True
        )
        self._nc: Any = None
        self._js: JetStreamContext | None = None
        self.published = 0

    def start(self, database_url: str | None = None) -> JetStreamPublisher:
        """Connect, make sure the stream exists, and (given the database) catch up."""
        self._thread.start()
        self._run(self._connect())
        if database_url:
            self.catch_up(database_url)
        return self

    async def _connect(self) -> None:
        self._nc = await nats.connect(self.url, name="jsms-publisher", max_reconnect_attempts=-1)
        self._js = self._nc.jetstream(timeout=10)
        await ensure_stream(self._js, self.names)

    def _run(self, coroutine: Any, timeout: float = PUBLISH_TIMEOUT_S) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def publish(self, positions: Sequence[StoredPosition]) -> None:
        """Publish committed positions (those of no movement are of no monitor's concern)."""
        groups: dict[int, list[StoredPosition]] = defaultdict(list)
        for position in positions:
            if position.movement_id is not None:
                groups[partition_of(position.movement_id, self.names.partitions)].append(position)
        if groups:
            self._run(self._publish(groups))
            self.published += sum(len(g) for g in groups.values())

    async def _publish(self, groups: dict[int, list[StoredPosition]]) -> None:
        assert self._js is not None
        js = self._js
        await asyncio.gather(
            *(
                js.publish(
                    self.names.subject_of(partition),
                    encode(batch),
                    headers={"Nats-Msg-Id": _message_id(partition, batch)},
                )
                for partition, batch in groups.items()
            )
        )

    def newest_published(self) -> int:
        """The highest position sequence number in the stream (0 when it is empty)."""
        return int(self._run(self._newest()))

    async def _newest(self) -> int:
        assert self._js is not None
        newest = 0
        for partition in range(self.names.partitions):
            try:
                message = await self._js.get_last_msg(
                    self.names.stream, self.names.subject_of(partition)
                )
            except NotFoundError:
                continue
            if message.data:
                newest = max([newest, *(p.seq for p in decode(message.data))])
        return newest

    def catch_up(self, database_url: str, chunk: int = 2_000) -> int:
        """Publish again what was stored after the newest position in the stream (a crash
        between commit and publish); returns how many positions were published."""
        after = max(0, self.newest_published() - CATCH_UP_OVERLAP)
        db = new_session(database_url)
        try:
            rows = db.scalars(
                select(Position)
                .where(
                    Position.seq > after,
                    Position.movement_id.is_not(None),
                    Position.received_at >= utcnow() - CATCH_UP_SPAN,
                )
                .order_by(Position.seq)
            ).all()
            positions = [
                StoredPosition(
                    p.seq,
                    p.device_id,
                    p.movement_id,
                    "unknown",
                    p.fixed_at,
                    p.received_at,
                    p.lat,
                    p.lon,
                    p.speed_mps,
                    p.alarm,
                )
                for p in rows
            ]
        finally:
            db.close()
        for start in range(0, len(positions), chunk):
            self.publish(positions[start : start + chunk])
        if positions:
            log.info("published %d stored positions again after a restart", len(positions))
        return len(positions)

    def close(self) -> None:
        if self._nc is not None:
            try:
                self._run(self._nc.drain(), timeout=10)
            except Exception:
                log.exception("closing the stream connection")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
