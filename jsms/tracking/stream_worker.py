"""A monitor worker: one of N processes sharing the position stream's partitions.

Ownership is a lease per partition in a JetStream key-value bucket whose entries expire
(``lease_ttl``): a worker creates ``p.<n>`` to claim partition n and renews it with a
compare-and-set on every heartbeat; each worker also keeps ``w.<id>`` alive, so all know how
many share the work and take ``ceil(partitions / workers)`` each (a worker holding more
releases the surplus). A killed worker stops renewing; its leases expire and the others claim
its partitions within ``lease_ttl + heartbeat`` seconds.

Each partition is read through its own durable pull consumer, so whoever owns it continues
from the consumer's ack floor. A message is acknowledged only after its positions were
monitored and their findings raised; what a dead worker had not acknowledged is delivered
again (after ``ack_wait``) to the new owner, whose watches were rebuilt from the database and
ignore what they have seen. Alerts are idempotent by episode key: nothing is lost, nothing
raised twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import re
import secrets
import socket
from dataclasses import dataclass
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from jsms.tracking.live import LiveMonitor
from jsms.tracking.stream import StreamNames, decode, ensure_stream, partition_of

__all__ = ["MonitorWorker", "WorkerTimes"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerTimes:
    """How often a worker renews its leases, how long a lease lives without renewal, and how
    long an unacknowledged message waits before it is delivered again."""

    heartbeat_s: float = 2.0
    lease_ttl_s: float = 6.0
    ack_wait_s: float = 10.0
    fetch_batch: int = 64


class MonitorWorker:
    """Claims partitions, consumes them and runs a :class:`LiveMonitor` on what it owns."""

    def __init__(
        self,
        url: str,
        database_url: str,
        names: StreamNames | None = None,
        times: WorkerTimes | None = None,
        live: LiveMonitor | None = None,
    ) -> None:
        self.url = url
        self.names = names or StreamNames()
        self.times = times or WorkerTimes()
        host = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())
        self.id = f"{host}-{os.getpid()}-{secrets.token_hex(3)}"
        self.owned: dict[int, int] = {}  # partition -> lease revision
        self.live = live or LiveMonitor(database_url, owns=self.owns)
        self.messages = 0
        self.positions = 0
        self._fetchers: dict[int, asyncio.Task[None]] = {}
        self._nc: Any = None
        self._js: JetStreamContext | None = None
        self._kv: KeyValue | None = None

    def owns(self, movement_id: str) -> bool:
        return partition_of(movement_id, self.names.partitions) in self.owned

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then hand every partition back."""
        self._nc = await nats.connect(self.url, name=f"jsms-monitor-{self.id}")
        self._js = self._nc.jetstream(timeout=10)
        await ensure_stream(self._js, self.names)
        self._kv = await self._bucket(self._js)
        self.live.start()
        log.info("monitor worker %s started", self.id)
        try:
            while not stop.is_set():
                try:
                    await self._heartbeat()
                except Exception:
                    log.exception("heartbeat failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.times.heartbeat_s)
        finally:
            await self._shutdown()

    async def _bucket(self, js: JetStreamContext) -> KeyValue:
        try:
            return await js.key_value(self.names.bucket)
        except BucketNotFoundError:
            return await js.create_key_value(
                KeyValueConfig(
                    bucket=self.names.bucket,
                    ttl=self.times.lease_ttl_s,
                    history=1,
                    storage=StorageType.FILE,
                )
            )

    async def _workers(self) -> int:
        """How many workers are alive: their ``w.<id>`` keys, counted by the bucket's stream
        in one request."""
        assert self._js is not None
        bucket = self.names.bucket
        info = await self._js.stream_info(f"KV_{bucket}", subjects_filter=f"$KV.{bucket}.w.>")
        return max(1, len(info.state.subjects or {}))

    async def _renew(self, partition: int, revision: int) -> bool:
        assert self._kv is not None
        try:
            self.owned[partition] = await self._kv.update(
                f"p.{partition}", self.id.encode(), last=revision
            )
            return True
        except KeyWrongLastSequenceError:
            log.warning("lost partition %d (its lease expired)", partition)
            await self._stop_fetching(partition)
            return False

    async def _heartbeat(self) -> None:
        assert self._kv is not None
        kv = self._kv
        await kv.put(f"w.{self.id}", b"alive")
        target = math.ceil(self.names.partitions / await self._workers())
        renewed = await asyncio.gather(*(self._renew(p, r) for p, r in list(self.owned.items())))
        changed = not all(renewed)
        for partition in list(self.owned):
            fetcher = self._fetchers.get(partition)
            if fetcher is None or fetcher.done():
                log.warning("partition %d had no reader; starting one", partition)
                self._fetchers[partition] = asyncio.create_task(self._consume(partition))
        while len(self.owned) > target:
            await self._release(max(self.owned))
            changed = True
        free = [p for p in range(self.names.partitions) if p not in self.owned]
        random.shuffle(free)
        for partition in free:
            if len(self.owned) >= target:
                break
            try:
                revision = await kv.create(f"p.{partition}", self.id.encode())
            except KeyWrongLastSequenceError:
                continue
            await self._take(partition, revision)
            changed = True
        if changed:
            log.info("worker %s owns partitions %s", self.id, sorted(self.owned))
            self.live.reassign()

    async def _take(self, partition: int, revision: int) -> None:
        self.owned[partition] = revision
        self._fetchers[partition] = asyncio.create_task(self._consume(partition))

    async def _subscribe(self, partition: int) -> Any:
        assert self._js is not None
        return await self._js.pull_subscribe(
            self.names.subject_of(partition),
            durable=self.names.durable_of(partition),
            stream=self.names.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.times.ack_wait_s,
                max_ack_pending=1_000,
            ),
        )

    async def _consume(self, partition: int) -> None:
        """Bind to the partition's durable consumer, then fetch, monitor, raise, acknowledge,
        in order, for as long as the lease is ours; any failure (binding included, on a busy
        server) is retried, never left to silence the partition."""
        subscription = None
        try:
            while partition in self.owned:
                try:
                    if subscription is None:
                        subscription = await self._subscribe(partition)
                    await self._consume_once(subscription)
                except TimeoutError:  # nothing to fetch (nats' and asyncio's timeouts alike)
                    continue
                except Exception:
                    log.exception("consuming partition %d failed; trying again", partition)
                    await asyncio.sleep(1.0)
        finally:
            if subscription is not None:
                await subscription.unsubscribe()

    async def _consume_once(self, subscription: Any) -> None:
        messages = await subscription.fetch(self.times.fetch_batch, timeout=1.0)
        if not messages:  # a status answer, not a message
            return
        positions = []
        for message in messages:
            try:
                positions += decode(message.data)
            except ValueError:
                log.error("dropping a message that is not positions: %r", message.data[:80])
                await message.term()
        ok = await asyncio.wrap_future(self.live.submit(positions))
        for message in messages:
            await (message.ack() if ok else message.nak(delay=2))
        if ok:
            self.messages += len(messages)
            self.positions += len(positions)

    async def _stop_fetching(self, *partitions: int) -> None:
        """Stop reading these partitions now. A batch being monitored is abandoned before its
        acknowledgement: it is delivered again to the next owner, who ignores what it has
        seen (at least once, never a second alert)."""
        tasks = []
        for partition in partitions:
            self.owned.pop(partition, None)
            task = self._fetchers.pop(partition, None)
            if task is not None:
                task.cancel()
                tasks.append(task)
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    async def _release(self, *partitions: int) -> None:
        """Stop consuming partitions, then free their leases for another worker."""
        revisions = {p: self.owned.get(p) for p in partitions}
        await self._stop_fetching(*partitions)
        assert self._kv is not None
        for partition, revision in revisions.items():
            try:
                await self._kv.delete(f"p.{partition}", last=revision)
            except Exception:
                log.warning("could not release partition %d; it will expire", partition)

    async def _shutdown(self) -> None:
        await self._release(*self.owned)
        self.live.stop()
        if self._kv is not None:
            try:
                await self._kv.delete(f"w.{self.id}")
            except Exception:
                log.warning("could not remove worker %s from the bucket", self.id)
        if self._nc is not None:
            await self._nc.drain()
        log.info("monitor worker %s stopped", self.id)
