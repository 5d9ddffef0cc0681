"""Ingest: check each fix, store it durably, then hand it to the monitor.

Every request (an OsmAnd GET, an OwnTracks message, a batch) is checked where it arrives
(device known and active, its key, the time window) against the in-memory registry, then
queued for the one writer thread. The writer takes everything queued, inserts it in ONE
transaction (Core inserts; duplicates of (device, fix time) dropped by the unique constraint),
updates the devices' last fix, adds up the refusals, and commits: a group commit, so many
concurrent requests share one transaction. Only then is each request answered (durable
before acknowledged) and the committed positions handed to the PositionBus, on a thread of
their own so a slow monitor never holds up a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jsms.config import get_settings
from jsms.db import get_engine, utcnow
from jsms.tracking import rejections, store
from jsms.tracking.assignment import Assignments
from jsms.tracking.bus import InProcessBus, PositionBus
from jsms.tracking.directory import DeviceDirectory, KnownDevice
from jsms.tracking.fixes import Fix, StoredPosition
from jsms.tracking.protocols import Reason, Rejected

__all__ = ["Limits", "Pipeline", "Receipt", "pipeline_for"]

log = logging.getLogger("jsms.ingest")

MAX_BATCH_ROWS = 5_000
REFRESH_SECONDS = 1.0
MOVEMENT_REFRESH_ROUNDS = 5  # movements taking positions are re-read every 5 s
CREDENTIALS = "device not recognised, or its key is wrong"
Callback = Callable[["Receipt | BaseException"], None]


@dataclass(frozen=True)
class Limits:
    future: timedelta = timedelta(minutes=5)
    store_forward: timedelta = timedelta(days=7)
    max_message_bytes: int = 65_536

    @classmethod
    def from_settings(cls) -> Limits:
        settings = get_settings()
        return cls(
            store_forward=timedelta(days=settings.store_forward_days),
            max_message_bytes=settings.max_device_message_bytes,
        )


@dataclass(frozen=True)
class Receipt:
    """What became of a request's fixes once committed."""

    stored: int
    duplicates: int


@dataclass
class _Submission:
    items: Sequence[tuple[Fix, KnownDevice]]
    done: Callback
    loop: asyncio.AbstractEventLoop | None = None
    stored: int = 0
    duplicates: int = 0


class Pipeline:
    """The checks, the group-committing writer and the hand-over to the bus, for one database."""

    def __init__(
        self, database_url: str, bus: PositionBus | None = None, limits: Limits | None = None
    ) -> None:
        self.engine = get_engine(database_url)
        self.directory = DeviceDirectory(self.engine)
        self.assignments = Assignments(self.engine)
        self.refusals = rejections.RejectionCounter()
        self.bus: PositionBus = bus if bus is not None else InProcessBus()
        self.limits = limits or Limits.from_settings()
        self._queue: queue.SimpleQueue[_Submission | None] = queue.SimpleQueue()
        self._published: queue.Queue[list[StoredPosition] | None] = queue.Queue(maxsize=256)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.stored_total = 0  # positions committed by this pipeline (the writer's count)

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> Pipeline:
        self.refresh()
        for name, target in (
            ("jsms-ingest-writer", self._write_loop),
            ("jsms-ingest-publisher", self._publish_loop),
            ("jsms-ingest-refresh", self._refresh_loop),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Store what is queued, hand it on, and stop the threads."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def refresh(self) -> None:
        """Re-read changed devices and the movements taking positions."""
        self.directory.refresh()
        self.assignments.refresh()

    # Checks ----------------------------------------------------------------------------------

    def admit(
        self,
        fix: Fix,
        *,
        protocols: tuple[str, ...],
        key_checked: bool = True,
        now: datetime | None = None,
    ) -> KnownDevice:
        """The registered device behind `fix`, once its key and time pass; else Rejected."""
        device = self.directory.get(fix.device)
        if device is None:
            raise Rejected(Reason.UNKNOWN_DEVICE, CREDENTIALS)
        if not device.active:
            raise Rejected(Reason.INACTIVE_DEVICE, CREDENTIALS)
        if key_checked:
            if not fix.key:
                raise Rejected(Reason.MISSING_KEY, "the device key is missing (key=... or Basic)")
            if not device.key_matches(fix.key):
                raise Rejected(Reason.WRONG_KEY, CREDENTIALS)
        if device.protocol not in protocols:
            raise Rejected(
                Reason.WRONG_PROTOCOL,
                f"{device.identifier} is registered as a {device.protocol} device",
            )
        self.check_time(fix, now or utcnow())
        return device

    def admit_for(self, poster: KnownDevice, fix: Fix, now: datetime) -> KnownDevice:
        """A fix posted by a gateway (for a device of its agency) or by the device itself."""
        device = poster if fix.device == poster.identifier else self.directory.get(fix.device)
        if device is None or not device.active:
            reason = Reason.UNKNOWN_DEVICE if device is None else Reason.INACTIVE_DEVICE
            raise Rejected(reason, f"{fix.device}: not a registered, active device")
        if device is not poster and (
            poster.protocol != "gateway" or device.agency_id != poster.agency_id
        ):
            raise Rejected(Reason.NOT_YOUR_DEVICE, f"{fix.device}: not a device you post for")
        if device.protocol == "gateway":
            raise Rejected(Reason.WRONG_PROTOCOL, "a gateway has no position of its own")
        self.check_time(fix, now)
        return device

    def authenticate(self, identifier: str, key: str) -> KnownDevice:
        """A poster (device or gateway) by its identifier and key; else Rejected."""
        device = self.directory.get(identifier)
        if device is None:
            raise Rejected(Reason.UNKNOWN_DEVICE, CREDENTIALS)
        if not device.key_matches(key):
            raise Rejected(Reason.WRONG_KEY, CREDENTIALS)
        if not device.active:
            raise Rejected(Reason.INACTIVE_DEVICE, CREDENTIALS)
        return device

    def check_time(self, fix: Fix, now: datetime) -> None:
        if fix.fixed_at > now + self.limits.future:
            raise Rejected(
                Reason.FUTURE_TIMESTAMP,
                f"the fix time {fix.fixed_at:%Y-%m-%d %H:%M:%S}Z is in the future: "
                "check the device's clock",
            )
        if fix.fixed_at < now - self.limits.store_forward:
            days = self.limits.store_forward / timedelta(days=1)
            raise Rejected(
                Reason.TOO_OLD,
                f"the fix time {fix.fixed_at:%Y-%m-%d}Z is older than the {days:g}-day "
                "store-and-forward window",
            )

    def refuse(self, source: str, refused: Rejected, sample: str | bytes = "") -> None:
        """Count a refusal (written with the next commit)."""
        self.refusals.add(source, refused.reason.value, sample)

    # Storing ---------------------------------------------------------------------------------

    def submit(self, items: Sequence[tuple[Fix, KnownDevice]], done: Callback) -> None:
        """Queue checked fixes; `done` is called on the writer thread after the commit."""
        self._enqueue(_Submission(items, done))

    def _enqueue(self, submission: _Submission) -> None:
        if self._stopping.is_set():
            submission.done(RuntimeError("ingest is shutting down"))
        else:
            self._queue.put(submission)

    def store_async(self, items: Sequence[tuple[Fix, KnownDevice]]) -> asyncio.Future[Receipt]:
        """Queue checked fixes; the future (of the running loop) resolves after the commit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Receipt] = loop.create_future()

        def done(outcome: Receipt | BaseException) -> None:
            if future.done():
                return
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

        self._enqueue(_Submission(items, done, loop))
        return future

    def store_blocking(
        self, items: Sequence[tuple[Fix, KnownDevice]], timeout: float = 30
    ) -> Receipt:
        """Queue checked fixes and wait for the commit (for threads, not event loops)."""
        future: Future[Receipt] = Future()

        def done(outcome: Receipt | BaseException) -> None:
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

        self.submit(items, done)
        return future.result(timeout)

    def flush(self, timeout: float = 30) -> None:
        """Wait until everything queued so far, refusal counts included, is committed."""
        self.store_blocking([], timeout)

    def _write_loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=REFRESH_SECONDS)
            except queue.Empty:
                if self.refusals:
                    self._commit([])
                continue
            stop = first is None
            batch = [] if first is None else [first]
            rows = sum(len(s.items) for s in batch)
            while rows < MAX_BATCH_ROWS:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    continue
                batch.append(more)
                rows += len(more.items)
            try:
                self._commit(batch)
            except Exception as error:  # never let one bad batch stop the writer
                log.exception("ingest failed on a batch of %d requests", len(batch))
                self._finish(batch, error)
            if stop:
                self._published.put(None)
                return

    def _commit(self, batch: list[_Submission]) -> None:
        received_at = utcnow()
        rows = self._rows(batch)
        tallies = self.refusals.take()
        try:
            with self.engine.begin() as connection:
                inserted = store.insert_positions(connection, rows, received_at)
                store.note_last_fixes(connection, inserted)
                rejections.write(connection, tallies)
        except Exception as error:
            log.error(  # the database's own words, without the statement and its values
                "could not store %d positions; they were not acknowledged: %s",
                len(rows),
                getattr(error, "orig", None) or error,
            )
            self.refusals.put_back(tallies)
            self._finish(batch, error)
            return
        self.stored_total += len(inserted)
        stored = [0] * len(batch)
        for _seq, row in inserted:
            stored[row.owner] += 1
        for submission, count in zip(batch, stored, strict=True):
            submission.stored = count
            submission.duplicates = len(submission.items) - count
        self._finish(batch, None)
        if inserted:
            self._published.put(
                [
                    StoredPosition(
                        seq,
                        row.device.id,
                        row.movement_id,
                        row.role,
                        row.fix.fixed_at,
                        received_at,
                        row.fix.lat,
                        row.fix.lon,
                        row.fix.speed_mps,
                        row.fix.alarm,
                    )
                    for seq, row in inserted
                ]
            )

    def _rows(self, batch: list[_Submission]) -> list[store.Row]:
        """Each distinct (device, fix time) once, placed on its movement, and owned by the
        first request that brought it: a repeat, in the same request or another one of the
        commit, counts as a duplicate."""
        rows: list[store.Row] = []
        seen: set[tuple[str, datetime]] = set()
        place = self.assignments.place
        for owner, submission in enumerate(batch):
            for fix, device in submission.items:
                key = (device.id, fix.fixed_at)
                if key in seen:
                    continue
                seen.add(key)
                movement_id, role = place(device, fix.fixed_at)
                rows.append(store.Row(fix, device, movement_id, role, owner))
        return rows

    def _finish(self, batch: list[_Submission], error: BaseException | None) -> None:
        """Answer every request of the batch: one wake-up per event loop, not per request."""
        by_loop: dict[asyncio.AbstractEventLoop, list[_Submission]] = defaultdict(list)
        for submission in batch:
            if submission.loop is not None:
                by_loop[submission.loop].append(submission)
            else:
                _answer(submission, error)
        for loop, submissions in by_loop.items():
            # a loop that has closed has nobody waiting any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_answer_all, submissions, error)

    # Handing on ------------------------------------------------------------------------------

    def _publish_loop(self) -> None:
        while (positions := self._published.get()) is not None:
            try:
                self.bus.publish(positions)
            except Exception:
                log.exception("the position bus failed on %d positions", len(positions))

    def _refresh_loop(self) -> None:
        """The registry every second (a new key or a deactivation counts at once); the
        movements taking positions every few seconds (they change far less often)."""
        rounds = 0
        while not self._stopping.wait(REFRESH_SECONDS):
            rounds += 1
            try:
                self.directory.refresh()
                if rounds % MOVEMENT_REFRESH_ROUNDS == 0:
                    self.assignments.refresh()
            except Exception:
                log.exception("could not refresh the device registry or the movements")


def _answer(submission: _Submission, error: BaseException | None) -> None:
    try:
        submission.done(error or Receipt(submission.stored, submission.duplicates))
    except Exception:
        log.exception("an ingest caller failed on its answer")


def _answer_all(submissions: list[_Submission], error: BaseException | None) -> None:
    for submission in submissions:
        _answer(submission, error)


_PIPELINES_LOCK = threading.Lock()


def pipeline_for(app: Any) -> Pipeline:
    """The app's pipeline, started on first use. It hands positions to
    `app.state.position_bus` (an InProcessBus unless the app was given another one)."""
    pipeline: Pipeline | None = getattr(app.state, "ingest", None)
    if pipeline is not None:
        return pipeline
    with _PIPELINES_LOCK:
        pipeline = getattr(app.state, "ingest", None)
        if pipeline is None:
            bus = getattr(app.state, "position_bus", None)
            if bus is None:
                bus = app.state.position_bus = InProcessBus()
            pipeline = Pipeline(app.state.database_url, bus).start()
            app.state.ingest = pipeline
            app.router.on_shutdown.append(pipeline.close)
    return pipeline
