"""The live monitor service: the pure monitor (:mod:`jsms.tracking.monitor`) run against the
database and the position bus.

It watches every movement on the road, and every approved movement due within two hours,
built from the database (:mod:`jsms.tracking.live_plans`); it is handed committed positions by
the bus, ticks every second, reads check-ins (the check-in timer is server-side: it runs from
the SOP schedule, not from device connections) and new incidents every few seconds, notices
movements starting and ending, and hands each finding to
:func:`jsms.alerts.service.raise_alert`, which is idempotent on the finding's episode key.

A watch is always built by replaying the movement's stored positions, so a restarted server,
or a worker taking a movement over from a dead one, reaches the same open episodes with the
same keys: the same alerts, never a second one.

One thread does all the monitoring (the core is not thread-safe); the bus only queues.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

import jsms.models  # noqa: F401  (every table mapped before any thread queries one)
from jsms.alerts.findings import Finding
from jsms.db import new_session, transaction, utcnow
from jsms.movements.models import Movement
from jsms.tracking import live_plans
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.monitor import Monitor, Progress, Thresholds

__all__ = ["LiveMonitor", "LiveOperations", "start_live_operations", "thresholds_from_env"]

log = logging.getLogger(__name__)

AlertSink = Callable[[Session, Finding], Any]
ACTOR = "monitor"  # how the monitor's writes are named in the audit trail
CHECK_IN_LOOKBACK = timedelta(minutes=15)  # each poll re-reads this much (late commits)
INCIDENT_OVERLAP = timedelta(minutes=1)  # re-read: an incident may commit after its stamp
MAX_ATTEMPTS = 20  # a finding that cannot be raised this often is dropped (and logged)
LOT = 2_000  # positions monitored before the alerts they raised are committed


def thresholds_from_env(environ: dict[str, str] | None = None) -> Thresholds:
    """Thresholds from ``JSMS_MONITOR_<NAME>`` variables, e.g. ``JSMS_MONITOR_CORRIDOR_M=500``
    (the names are :class:`~jsms.tracking.monitor.Thresholds`' fields)."""
    environ = dict(os.environ) if environ is None else environ
    prefix = "JSMS_MONITOR_"
    return Thresholds.from_mapping(
        {k.removeprefix(prefix).lower(): v for k, v in environ.items() if k.startswith(prefix)}
    )


def _signature(movement: Movement) -> tuple[str, int, datetime]:
    """What, changed, means a watch must be rebuilt (status, version, last update)."""
    return (movement.status, movement.version, movement.updated_at)


def _warm_up() -> None:
    """Load the gazetteer the first alert's audience needs (the host force of a position):
    seconds of JSON on a busy machine, better spent before any alert waits for it."""
    from jsms.geo.gazetteer import load_gazetteer

    load_gazetteer()


def _raise_alert(db: Session, finding: Finding) -> Any:
    from jsms.alerts.service import raise_alert

    return raise_alert(db, finding)


@dataclass
class _Pending:
    finding: Finding
    attempts: int = 0


@dataclass
class _Job:
    positions: Sequence[StoredPosition] = ()
    done: Future[bool] | None = None
    reassign: bool = False


@dataclass
class Counters:
    """What the service has done since it started (for logs, tests and benchmarks)."""

    positions: int = 0
    findings: int = 0
    raised: int = 0
    failed: int = 0
    watches_built: int = 0


class LiveMonitor:
    """The monitor against one database.

    Parameters
    ----------
    database_url
        Where movements, positions, check-ins, incidents and alerts live.
    thresholds
        The monitor's numbers (default: :func:`thresholds_from_env`).
    raise_alert
        What to do with a finding, in a transaction (default:
        :func:`jsms.alerts.service.raise_alert`).
    owns
        Which movements this monitor watches (a scaled-out worker owns some partitions);
        default all.
    """

    def __init__(
        self,
        database_url: str,
        *,
        thresholds: Thresholds | None = None,
        raise_alert: AlertSink | None = None,
        owns: Callable[[str], bool] | None = None,
        tick_seconds: float = 1.0,
        poll_seconds: float = 3.0,
    ) -> None:
        self.database_url = database_url
        self.core = Monitor(thresholds or thresholds_from_env())
        self.raise_alert = raise_alert or _raise_alert
        self.owns = owns or (lambda _movement_id: True)
        self.tick_seconds = tick_seconds
        self.poll_seconds = poll_seconds
        self.counters = Counters()
        self.pending: list[_Pending] = []
        self.ignored: set[str] = set()  # positions' movements not to watch (until a refresh)
        self.signatures: dict[str, tuple[str, int, datetime]] = {}  # as each watch was built
        self.incidents_after = utcnow()
        self._lock = threading.RLock()
        self._inbox: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # The steps (each runs in the monitor's thread; tests call them directly) --------------

    def refresh(self, now: datetime | None = None) -> list[Finding]:
        """Watch the movements that should be watched, drop the others; a movement whose
        plan or status changed is rebuilt."""
        now = now or utcnow()
        with self._lock, self._session() as db:
            wanted = {
                movement_id: signature
                for movement_id, signature in live_plans.signatures(db, now).items()
                if self.owns(movement_id)
            }
            for movement_id in list(self.core.watches):
                if movement_id not in wanted:
                    self.core.forget(movement_id)
                    self.signatures.pop(movement_id, None)
            changed = [m for m, sig in wanted.items() if self.signatures.get(m) != sig]
            self.ignored.clear()
            if not changed:
                return []
            return self._build(db, live_plans.movements_to_watch(db, now, changed), now)

    def _build(self, db: Session, movements: list[Movement], now: datetime) -> list[Finding]:
        """(Re)build watches by replaying the movements' stored positions and check-ins."""
        snapshot = live_plans.snapshot(db, movements, self.core.thresholds, now)
        for movement_id, reason in snapshot.refused.items():
            log.warning("cannot watch %s", reason)
            self.ignored.add(movement_id)
        since: dict[str, datetime] = {}
        for movement in movements:
            plan = snapshot.plans.get(movement.id)
            if plan is None:
                continue
            old = self.core.watches.get(movement.id)
            self.core.watch(plan)
            if old is not None:
                self.core.watches[movement.id].reported |= old.reported  # raised already
            self.signatures[movement.id] = _signature(movement)
            since[movement.id] = live_plans.watched_since(movement)
            self.counters.watches_built += 1
        for check_in in snapshot.check_ins:
            movement_id = check_in.movement_id or ""
            if movement_id in since and check_in.at >= since[movement_id]:
                who = live_plans.who_checked_in(check_in)
                self.core.check_in(movement_id, who, check_in.at)
        found = self.core.feed(snapshot.positions)
        for report in snapshot.incidents:
            fresh = [m for m, start in since.items() if report.at >= start]
            found += self.core.incident(report, fresh)
        return found

    def handle(self, positions: Sequence[StoredPosition]) -> list[Finding]:
        """Committed positions: what they reveal; a movement not yet watched is built (its
        replay includes these positions)."""
        with self._lock:
            self.counters.positions += len(positions)
            found = self.core.feed(positions)
            missing = {m for m in self.core.unwatched - self.ignored if self.owns(m)}
            self.core.unwatched.clear()
            if missing:
                now = utcnow()
                with self._session() as db:
                    due = live_plans.movements_to_watch(db, now, missing)
                    found += self._build(db, due, now)
                self.ignored |= missing - {m.id for m in due}
            return found

    def poll(self, now: datetime | None = None) -> list[Finding]:
        """New check-ins (they restart timers) and new incidents (near a watched movement?)."""
        now = now or utcnow()
        found: list[Finding] = []
        with self._lock, self._session() as db:
            watched = list(self.core.watches)
            for check_in in live_plans.check_ins_since(db, watched, now - CHECK_IN_LOOKBACK):
                if check_in.movement_id:
                    who = live_plans.who_checked_in(check_in)
                    self.core.check_in(check_in.movement_id, who, check_in.at)
            recorded_after = self.incidents_after - INCIDENT_OVERLAP
            recent = now - live_plans.INCIDENT_RECENT
            for report in live_plans.incidents_since(db, recorded_after, recent):
                found += self.core.incident(report)
                self.incidents_after = max(self.incidents_after, report.at)
        return found

    def tick(self, now: datetime | None = None) -> list[Finding]:
        """What the passing of time reveals (late departures, overdue check-ins, stale fixes)."""
        with self._lock:
            return self.core.tick(now or utcnow())

    def deliver(self, findings: Sequence[Finding]) -> bool:
        """Raise every finding (and any still pending) as an alert; True when all are raised.

        One transaction for the lot; if it fails, each finding is tried on its own, and one
        that keeps failing is dropped after :data:`MAX_ATTEMPTS` (a replay will bring it back).
        """
        self.counters.findings += len(findings)
        self.pending += [_Pending(f) for f in findings]
        if not self.pending:
            return True
        try:
            with transaction(ACTOR, self.database_url) as db:
                for item in self.pending:
                    self.raise_alert(db, item.finding)
            self.counters.raised += len(self.pending)
            self.pending = []
            return True
        except Exception:
            log.exception("raising %d alerts together failed; trying one by one", len(self.pending))
        still: list[_Pending] = []
        for item in self.pending:
            try:
                with transaction(ACTOR, self.database_url) as db:
                    self.raise_alert(db, item.finding)
                self.counters.raised += 1
            except Exception:
                item.attempts += 1
                self.counters.failed += 1
                if item.attempts < MAX_ATTEMPTS:
                    still.append(item)
                else:
                    log.error("giving up raising %s", item.finding.key)
        self.pending = still
        return not still

    def progress(self, movement_id: str, now: datetime | None = None) -> Progress | None:
        """Progress and ETA of a watched movement (for the live map)."""
        with self._lock:
            return self.core.progress(movement_id, now or utcnow())

    def _session(self) -> Session:
        db = new_session(self.database_url)
        db.info["actor"] = ACTOR
        return db

    # The thread --------------------------------------------------------------------------

    def publish(self, positions: Sequence[StoredPosition]) -> None:
        """Bus subscriber: queue committed positions for the monitor thread."""
        if positions:
            self._inbox.put(_Job(positions=list(positions)))

    def submit(self, positions: Sequence[StoredPosition]) -> Future[bool]:
        """Queue positions; the future says whether their findings were all raised."""
        done: Future[bool] = Future()
        self._inbox.put(_Job(positions=list(positions), done=done))
        return done

    def reassign(self) -> None:
        """The movements this monitor owns changed: refresh at once."""
        self._inbox.put(_Job(reassign=True))

    def start(self) -> LiveMonitor:
        if self.raise_alert is _raise_alert:  # the first alert must not wait for these
            import jsms.alerts.service  # noqa: F401  (here, not racing a thread's first query)

            threading.Thread(target=_warm_up, name="jsms-monitor-warm-up", daemon=True).start()
        self._thread = threading.Thread(target=self._run, name="jsms-live-monitor", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._inbox.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        next_tick = next_poll = time.monotonic()
        while not self._stopping.is_set():
            try:
                jobs = self._take(max(0.0, min(next_tick, next_poll) - time.monotonic()))
                self._work(jobs)
                now = time.monotonic()
                if now >= next_poll:
                    self.deliver(self.refresh() + self.poll())
                    next_poll = now + self.poll_seconds
                if now >= next_tick:
                    self.deliver(self.tick())
                    next_tick = now + self.tick_seconds
            except Exception:
                log.exception("the live monitor failed a step; carrying on")
                time.sleep(0.5)

    def _take(self, wait: float) -> list[_Job]:
        jobs: list[_Job] = []
        try:
            job = self._inbox.get(timeout=wait)
            while job is not None:
                jobs.append(job)
                if len(jobs) >= 200:
                    break
                job = self._inbox.get_nowait()
        except queue.Empty:
            pass
        return jobs

    def _work(self, jobs: list[_Job]) -> None:
        """Queued positions, a few thousand at a time with their alerts raised after each
        lot (an SOS does not wait behind the rest of a burst). Every job's future is
        answered, whatever happens: a worker waits on it."""
        try:
            if any(job.reassign for job in jobs):
                self.deliver(self.refresh())
            lot: list[_Job] = []
            for job in jobs:
                lot.append(job)
                if sum(len(j.positions) for j in lot) >= LOT:
                    self._work_lot(lot)
                    lot = []
            self._work_lot(lot)
        finally:
            for job in jobs:
                if job.done is not None and not job.done.done():
                    job.done.set_result(False)

    def _work_lot(self, jobs: list[_Job]) -> None:
        positions = [p for job in jobs for p in job.positions]
        ok = self.deliver(self.handle(positions)) if positions else True
        for job in jobs:
            if job.done is not None and not job.done.done():
                job.done.set_result(ok)


@dataclass
class LiveOperations:
    """What `jsms serve` runs for live operations, to stop on shutdown."""

    monitor: LiveMonitor | None = None
    publisher: Any = None

    def stop(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()
        if self.publisher is not None:
            self.publisher.close()


def start_live_operations(app: Any, database_url: str, stream_url: str = "") -> LiveOperations:
    """Give the app its position bus (``app.state.position_bus``, which ingest publishes to).

    Embedded (no ``stream_url``, the default and the demo): an in-process bus feeding a
    :class:`LiveMonitor` in this process (``app.state.live_monitor``, for progress and ETA).
    Scaled out: positions are published to NATS JetStream for ``jsms monitor-worker``
    processes (docs/live-operations.md, "Scaling out").
    """
    if stream_url:
        from jsms.tracking.stream import JetStreamPublisher

        publisher = JetStreamPublisher(stream_url).start(database_url)
        app.state.position_bus = publisher
        app.state.live_monitor = None
        log.warning("positions are published to %s for the monitor workers", stream_url)
        return LiveOperations(publisher=publisher)
    from jsms.tracking.bus import InProcessBus

    monitor = LiveMonitor(database_url).start()
    bus = InProcessBus()
    bus.subscribe(monitor.publish)
    app.state.position_bus = bus
    app.state.live_monitor = monitor
    return LiveOperations(monitor=monitor)
