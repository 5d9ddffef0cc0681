"""What the monitor remembers of one device: its last fix, where that is against the route,
whether it is standing still and since when, and its recent progress (for the ETA)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jsms.tracking.monitor.episodes import Episode

__all__ = ["Track"]


@dataclass
class Track:
    """One device's state. ``x, y`` are metres in the route's plane (see
    :class:`~jsms.tracking.monitor.route.RouteLine`)."""

    device_id: str
    role: str
    fixed_at: datetime | None = None
    lat: float = 0.0
    lon: float = 0.0
    x: float = 0.0
    y: float = 0.0
    speed_mps: float | None = None
    off_route_m: float = 0.0
    along_m: float = 0.0
    seen_at_origin: bool = False
    still_since: datetime | None = None
    still_x: float = 0.0
    still_y: float = 0.0
    sos_last: datetime | None = None
    split: Episode = field(default_factory=Episode)
    recent: deque[tuple[datetime, float]] = field(default_factory=deque)

    def fresh(self, now: datetime, within: timedelta) -> bool:
        """Whether the last fix is recent enough to speak for the device at ``now``."""
        return self.fixed_at is not None and now - self.fixed_at <= within

    def move_to(
        self,
        fixed_at: datetime,
        lat: float,
        lon: float,
        xy: tuple[float, float],
        speed_mps: float | None,
        *,
        stop_speed_mps: float,
        stop_radius_m: float,
    ) -> None:
        """Take a newer fix; decide whether the device is standing still, and since when.

        Without a reported speed, the speed is the distance from the previous fix over the
        time between them.
        """
        x, y = xy
        if speed_mps is None and self.fixed_at is not None:
            seconds = (fixed_at - self.fixed_at).total_seconds()
            if seconds > 0:
                speed_mps = ((x - self.x) ** 2 + (y - self.y) ** 2) ** 0.5 / seconds
        still = speed_mps is not None and speed_mps < stop_speed_mps
        if still and self.still_since is not None:
            drift = ((x - self.still_x) ** 2 + (y - self.still_y) ** 2) ** 0.5
            still = drift <= stop_radius_m
            if not still:
                self.still_since = None
        if still and self.still_since is None:
            self.still_since, self.still_x, self.still_y = fixed_at, x, y
        elif not still:
            self.still_since = None
        self.fixed_at, self.lat, self.lon, self.x, self.y = fixed_at, lat, lon, x, y
        self.speed_mps = speed_mps

    def remember_progress(self, fixed_at: datetime, along_m: float, window: timedelta) -> None:
        """Keep ``(time, metres along)`` over the last ``window`` for the ETA."""
        self.recent.append((fixed_at, along_m))
        while len(self.recent) > 2 and fixed_at - self.recent[1][0] >= window:
            self.recent.popleft()

    def recent_speed(self) -> float | None:
        """Metres per second along the route over the remembered window (``None`` if unknown)."""
        if len(self.recent) < 2:
            return None
        (t0, a0), (t1, a1) = self.recent[0], self.recent[-1]
        seconds = (t1 - t0).total_seconds()
        return (a1 - a0) / seconds if seconds > 0 else None
