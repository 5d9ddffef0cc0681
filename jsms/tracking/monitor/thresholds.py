"""How far, how long and how close before the monitor speaks: one set of numbers with
documented defaults, changeable per installation (``JSMS_MONITOR_*``, see
docs/live-operations.md) and, for the check-in interval, per movement by its SOP.

The defaults are modelling choices for escorted convoys of protected persons on Pakistani
highways, not figures from a published SOP: a corridor of 300 m absorbs GPS error and a
service road beside the highway; a minute outside it is longer than any junction or
roundabout takes; a convoy standing still for five minutes away from its ends is a target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from functools import cached_property

__all__ = ["Thresholds"]


@dataclass(frozen=True)
class Thresholds:
    """Every number the monitor decides with.

    Examples
    --------
    >>> Thresholds().corridor_m
    300.0
    >>> Thresholds.from_mapping({"corridor_m": "500", "stop_minutes": "10"}).stop
    datetime.timedelta(seconds=600)
    """

    corridor_m: float = 300.0
    """Farther than this from the approved route counts as off it."""
    corridor_dwell_s: float = 60.0
    """Off the route this long (by the device's own clock) is a deviation."""
    corridor_back_fraction: float = 0.8
    """Back inside means closer than this fraction of ``corridor_m`` (no flapping at the edge)."""
    stop_speed_mps: float = 1.0
    """Slower than this (3.6 km/h) counts as standing still."""
    stop_radius_m: float = 50.0
    """A stop ends when the vehicle is this far from where it stopped."""
    stop_minutes: float = 5.0
    """Standing still this long away from the ends and planned stops is an unplanned stop."""
    ends_radius_m: float = 500.0
    """Around the origin, the destination and each planned stop: stopping there is planned."""
    late_departure_minutes: float = 15.0
    """Not yet left the origin this long after the planned departure is a late departure."""
    stale_fix_minutes: float = 5.0
    """No fix from a device this long while under way is a stale fix."""
    convoy_split_m: float = 1000.0
    """An escort vehicle farther than this from the nearest protectee device..."""
    convoy_split_dwell_s: float = 120.0
    """... for this long is a convoy split."""
    convoy_pair_max_age_s: float = 60.0
    """Only fixes at most this far apart in time are compared for a split."""
    incident_radius_km: float = 5.0
    """A new incident this close to a position or to the route ahead is reported."""
    check_in_grace_minutes: float = 5.0
    """Grace after a check-in falls due, when the SOP names none."""
    sos_episode_minutes: float = 10.0
    """SOS presses closer together than this are one episode (one alert)."""
    eta_window_s: float = 300.0
    """Progress is measured over this much recent travel for the ETA."""

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | float]) -> Thresholds:
        """Defaults overridden by ``values`` (names as the fields; numbers or their text).

        Raises ``ValueError`` naming an unknown name or a value that is not a number >= 0,
        so a typo in the configuration cannot silently leave a default in force.
        """
        known = {f.name for f in fields(cls)}
        changes: dict[str, float] = {}
        for name, raw in values.items():
            if name not in known:
                raise ValueError(f"unknown monitor threshold {name!r}")
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise ValueError(
                    f"monitor threshold {name} must be a number, got {raw!r}"
                ) from None
            if not number >= 0:
                raise ValueError(f"monitor threshold {name} must be >= 0, got {raw!r}")
            changes[name] = number
        return replace(cls(), **changes)

    @cached_property
    def corridor_dwell(self) -> timedelta:
        return timedelta(seconds=self.corridor_dwell_s)

    @cached_property
    def stop(self) -> timedelta:
        return timedelta(minutes=self.stop_minutes)

    @cached_property
    def late_departure(self) -> timedelta:
        return timedelta(minutes=self.late_departure_minutes)

    @cached_property
    def stale_fix(self) -> timedelta:
        return timedelta(minutes=self.stale_fix_minutes)

    @cached_property
    def convoy_split_dwell(self) -> timedelta:
        return timedelta(seconds=self.convoy_split_dwell_s)

    @cached_property
    def convoy_pair_max_age(self) -> timedelta:
        return timedelta(seconds=self.convoy_pair_max_age_s)

    @cached_property
    def check_in_grace(self) -> timedelta:
        return timedelta(minutes=self.check_in_grace_minutes)

    @cached_property
    def sos_episode(self) -> timedelta:
        return timedelta(minutes=self.sos_episode_minutes)
