"""How far along its route a movement is and when it should arrive: shown to the control
room beside the convoy, never an alert by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Progress", "estimate"]


@dataclass(frozen=True)
class Progress:
    """Where a movement stands at ``at``.

    ``fraction`` of the route done (0..1), metres done and left, the speed along the route
    the ETA was computed with and where it came from (``recent`` travel or the ``plan``'s
    average), the ETA, and how much later than planned that is (negative: early).
    """

    at: datetime
    departed: bool
    arrived: bool
    fraction: float
    done_m: float
    left_m: float
    speed_mps: float | None
    speed_from: str
    eta: datetime | None
    late_by: timedelta | None
    off_route_m: float | None
    last_fix_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (times ISO 8601, durations in seconds)."""
        return {
            "at": self.at.isoformat(),
            "departed": self.departed,
            "arrived": self.arrived,
            "fraction": round(self.fraction, 4),
            "done_m": round(self.done_m),
            "left_m": round(self.left_m),
            "speed_mps": None if self.speed_mps is None else round(self.speed_mps, 2),
            "speed_from": self.speed_from,
            "eta": self.eta.isoformat() if self.eta else None,
            "late_by_s": None if self.late_by is None else round(self.late_by.total_seconds()),
            "off_route_m": None if self.off_route_m is None else round(self.off_route_m),
            "last_fix_at": self.last_fix_at.isoformat() if self.last_fix_at else None,
        }


def estimate(
    *,
    now: datetime,
    length_m: float,
    done_m: float,
    recent_speed: float | None,
    departure: datetime,
    arrival: datetime,
    departed: bool,
    arrived: bool,
    off_route_m: float | None = None,
    last_fix_at: datetime | None = None,
) -> Progress:
    """Progress and ETA: the distance left over the recent speed along the route, or over the
    plan's average speed when the convoy has not moved lately (stopped, or no history yet).

    Examples
    --------
    Half of a 100 km route done at 20 m/s: 50 km left take 2500 s.

    >>> from datetime import datetime, timedelta, UTC
    >>> t = datetime(2026, 1, 1, 8, tzinfo=UTC)
    >>> p = estimate(now=t, length_m=100_000, done_m=50_000, recent_speed=20.0,
    ...              departure=t - timedelta(hours=1), arrival=t + timedelta(hours=1),
    ...              departed=True, arrived=False)
    >>> p.fraction, p.eta - t, p.speed_from
    (0.5, datetime.timedelta(seconds=2500), 'recent')
    """
    done = max(0.0, min(done_m, length_m)) if departed else 0.0
    left = 0.0 if arrived else length_m - done
    planned = length_m / max(1.0, (arrival - departure).total_seconds())
    if recent_speed is not None and recent_speed >= 1.0:
        speed, source = recent_speed, "recent"
    else:
        speed, source = planned, "plan"
    if arrived:
        eta: datetime | None = last_fix_at or now
    else:
        start = now if departed or now > departure else departure
        eta = start + timedelta(seconds=left / speed) if speed > 0 else None
    return Progress(
        at=now,
        departed=departed,
        arrived=arrived,
        fraction=1.0 if arrived else (done / length_m if length_m else 0.0),
        done_m=length_m if arrived else done,
        left_m=left,
        speed_mps=speed,
        speed_from=source,
        eta=eta,
        late_by=None if eta is None else eta - arrival,
        off_route_m=off_route_m,
        last_fix_at=last_fix_at,
    )
