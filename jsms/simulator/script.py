"""One convoy's drive along its approved route, as a function of time, with its scripted
trouble.

Time is real: every fix carries the moment it is sent (a device's clock), so the monitor's
dwell times (a minute off the corridor, five minutes standing still) take as long as they say.
`speed_up` makes the convoy cover the route that many times faster, so a three-hour drive
fits a demo; the speed the devices report is the speed they really move at.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from jsms.simulator.route import RouteWalk
from jsms.simulator.wire import Report

__all__ = ["Drive", "Member", "Script"]

RAMP_S = 20.0  # how long leaving the road (and coming back) takes
WAITING_EVERY_S = 30.0  # a parked convoy's devices report this often
JITTER_M = 4.0  # GPS noise


@dataclass(frozen=True)
class Script:
    """When the trouble happens, in seconds after this convoy starts moving in this run
    (None: not at all)."""

    deviate_after: float | None = 120.0
    deviate_for: float = 150.0  # longer than the monitor's dwell (60 s by default)
    deviate_m: float = 1500.0  # well outside the corridor (300 m by default)
    stop_after: float | None = 600.0
    stop_for: float = 420.0  # longer than the monitor's unplanned stop (5 min by default)
    sos_after: float | None = 900.0

    @classmethod
    def quiet(cls) -> Script:
        """A convoy with no trouble."""
        return cls(deviate_after=None, stop_after=None, sos_after=None)

    def lateral_m(self, moving_s: float) -> float:
        """How far right of the route the convoy is, `moving_s` after it set off."""
        if self.deviate_after is None:
            return 0.0
        into = moving_s - self.deviate_after
        if into <= 0 or into >= self.deviate_for + RAMP_S:
            return 0.0
        ramp = min(into / RAMP_S, 1.0, (self.deviate_for + RAMP_S - into) / RAMP_S)
        return self.deviate_m * max(ramp, 0.0)

    def stopped(self, moving_s: float) -> bool:
        return self.stop_after is not None and (
            self.stop_after <= moving_s < self.stop_after + self.stop_for
        )


@dataclass
class Member:
    """A device in the convoy: a tracker in an escort vehicle, or a protected person's phone."""

    identifier: str
    protocol: str  # osmand | owntracks
    role: str  # escort | protectee
    key: str
    label: str
    gap_m: float = 0.0  # ahead (+) or behind (-) the middle of the convoy
    every_s: float = 5.0
    next_at: float = 0.0


@dataclass
class Drive:
    """A convoy on its route. `begin(t)` sets it moving; `advance(t, when)` moves it to time
    `t` (seconds on the simulator's clock) and gives the reports due at the real moment
    `when`."""

    reference: str
    walk: RouteWalk
    members: list[Member]
    cruise_mps: float
    speed_up: float = 1.0
    script: Script = field(default_factory=Script.quiet)
    distance_m: float = 0.0
    started_at: float | None = None
    last_t: float | None = None
    sos_sent: bool = False
    seed: int = 7

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.reference}:{self.seed}")

    @property
    def arrived(self) -> bool:
        return self.distance_m >= self.walk.length_m

    @property
    def moving(self) -> bool:
        return self.started_at is not None

    def begin(self, t: float, distance_m: float = 0.0) -> None:
        """Set off (or carry on from `distance_m`, for a convoy already on the road)."""
        self.started_at = t
        self.last_t = t
        self.distance_m = min(max(distance_m, 0.0), self.walk.length_m)

    def moving_for(self, t: float) -> float:
        return 0.0 if self.started_at is None else t - self.started_at

    def _speed(self, t: float) -> float:
        if not self.moving or self.arrived or self.script.stopped(self.moving_for(t)):
            return 0.0
        return self.cruise_mps * self.speed_up

    def advance(self, t: float, when: datetime) -> list[Report]:
        if self.moving and self.last_t is not None:
            step = max(0.0, t - self.last_t)
            self.distance_m = min(self.walk.length_m, self.distance_m + self._speed(t) * step)
        self.last_t = t
        speed = self._speed(t)
        lateral = self.script.lateral_m(self.moving_for(t)) if self.moving else 0.0
        reports = []
        for member in self.members:
            if t < member.next_at:
                continue
            still = not self.moving or self.arrived
            member.next_at = t + (WAITING_EVERY_S if still else member.every_s)
            along = min(max(self.distance_m + member.gap_m, 0.0), self.walk.length_m)
            here = self.walk.beside(along, lateral + self.rng.uniform(-JITTER_M, JITTER_M))
            reports.append(
                Report(
                    identifier=member.identifier,
                    at=when,
                    lat=here.lat,
                    lon=here.lon,
                    speed_mps=speed,
                    bearing=here.bearing,
                    battery=max(20.0, 95.0 - self.moving_for(t) / 600),
                    alarm=self._alarm(member, t),
                )
            )
        return reports

    def _alarm(self, member: Member, t: float) -> str | None:
        """The SOS, once, from the first escort tracker (Traccar Client's SOS button)."""
        after = self.script.sos_after
        if self.sos_sent or after is None or not self.moving or self.moving_for(t) < after:
            return None
        first = next(
            (m for m in self.members if m.protocol == "osmand" and m.role == "escort"), None
        )
        if member is not first:
            return None
        self.sos_sent = True
        return "sos"
