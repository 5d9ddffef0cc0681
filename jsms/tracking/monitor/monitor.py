"""Every movement under watch at once: positions are routed to their movement's watch, clock
ticks reach every watch, and a new incident is checked against all of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np

from jsms.alerts.findings import Finding
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.monitor.plan import IncidentReport, WatchPlan
from jsms.tracking.monitor.progress import Progress
from jsms.tracking.monitor.route import locate_on
from jsms.tracking.monitor.thresholds import Thresholds
from jsms.tracking.monitor.watch import MovementWatch

__all__ = ["Monitor"]


class Monitor:
    """The pure movement monitor: plain data in, :class:`~jsms.alerts.findings.Finding` out.

    Not thread-safe: one thread feeds it (the live service's loop).

    Examples
    --------
    >>> from datetime import datetime, timedelta, UTC
    >>> from jsms.tracking.fixes import StoredPosition
    >>> t0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
    >>> plan = WatchPlan("m1", "MV-1", ((24.90, 67.00), (24.90, 67.10)), t0,
    ...                  t0 + timedelta(hours=1), devices={"car": "protectee"}, started_at=t0)
    >>> monitor = Monitor()
    >>> monitor.watch(plan)
    >>> def at(minute, lat, speed=15.0, alarm=None):
    ...     return StoredPosition(minute, "car", "m1", "protectee", t0 + timedelta(minutes=minute),
    ...                           t0, lat, 67.02 + minute / 1000, speed, alarm)
    >>> monitor.feed([at(1, 24.90), at(2, 24.91), at(3, 24.91)])[0].kind
    'deviation'
    >>> [f.kind for f in monitor.feed([at(4, 24.90, alarm="sos")])]
    ['sos']
    >>> round(monitor.progress("m1", t0 + timedelta(minutes=4)).fraction, 2)
    0.24
    """

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.watches: dict[str, MovementWatch] = {}
        self.unwatched: set[str] = set()
        """Movements positions arrived for without a watch (the caller may build one)."""
        self.positions = 0

    def watch(self, plan: WatchPlan) -> None:
        """Start (or restart, with a new plan) watching a movement."""
        self.watches[plan.movement_id] = MovementWatch(plan, self.thresholds)
        self.unwatched.discard(plan.movement_id)

    def forget(self, movement_id: str) -> None:
        """Stop watching a movement (it ended, or another worker owns it now)."""
        self.watches.pop(movement_id, None)

    def feed(self, positions: Sequence[StoredPosition]) -> list[Finding]:
        """Stored positions, in arrival order; positions of no movement are ignored."""
        by_movement: dict[str, list[int]] = defaultdict(list)
        watched: list[StoredPosition] = []
        routes = []
        for position in positions:
            watch = self.watches.get(position.movement_id or "")
            if watch is None:
                if position.movement_id is not None:
                    self.unwatched.add(position.movement_id)
                continue
            by_movement[watch.plan.movement_id].append(len(watched))
            watched.append(position)
            routes.append(watch.route)
        if not watched:
            return []
        self.positions += len(watched)
        lats = np.fromiter((p.lat for p in watched), float, len(watched))
        lons = np.fromiter((p.lon for p in watched), float, len(watched))
        located = locate_on(routes, lats, lons)
        findings: list[Finding] = []
        for movement_id, rows in by_movement.items():
            index = np.asarray(rows)
            batch = [watched[i] for i in rows]
            x, y, off, along = located
            part = (x[index], y[index], off[index], along[index])
            findings.extend(self.watches[movement_id].observe(batch, part))
        return findings

    def tick(self, now: datetime) -> list[Finding]:
        """What the passing of time reveals, for every movement."""
        return [finding for watch in self.watches.values() for finding in watch.tick(now)]

    def check_in(self, movement_id: str, who: str, at: datetime) -> None:
        """A check-in (``escort_commander`` or ``protectee``) for a movement under watch."""
        watch = self.watches.get(movement_id)
        if watch is not None:
            watch.check_in(who, at)

    def start(self, movement_id: str, at: datetime) -> None:
        """A watched movement was started in the system."""
        watch = self.watches.get(movement_id)
        if watch is not None:
            watch.start(at)

    def incident(
        self, report: IncidentReport, movements: Iterable[str] | None = None
    ) -> list[Finding]:
        """A new incident, checked against every watched movement (or those named)."""
        names = self.watches if movements is None else movements
        findings = []
        for movement_id in names:
            watch = self.watches.get(movement_id)
            found = watch.incident(report) if watch is not None else None
            if found is not None:
                findings.append(found)
        return findings

    def progress(self, movement_id: str, now: datetime) -> Progress | None:
        """Progress and ETA of a watched movement."""
        watch = self.watches.get(movement_id)
        return watch.progress(now) if watch is not None else None
