"""Daylight and curfew arithmetic for movement-window rules.

Sunrise and sunset come from ``astral`` (NOAA solar equations, sea-level horizon) at each
route point for the local date it is passed. Checked against the Pakistan Meteorological
Department's published Karachi times (see the tests): within a minute. In deep valleys such
as the Karakoram Highway's the sun clears the ridges later than the sea-level sunrise, which
is one reason the SOP files add a margin to both ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from jsms.geo.daylight import sun_times
from jsms.movements.sop.facts import PKT, TimedPoint
from jsms.movements.sop.local_time import DEFAULT_ZONE, LocalZone

__all__ = [
    "Curfew",
    "DaylightBreach",
    "DaylightWindow",
    "departure_window",
    "first_breach",
    "parse_clock",
    "sun_times",
]


@dataclass(frozen=True)
class DaylightBreach:
    """The first point a daylight-only rule covers that is passed in the dark."""

    point: TimedPoint
    before_sunrise: bool
    sun: datetime | None
    entering: bool


def first_breach(points: Sequence[TimedPoint], margin: timedelta) -> DaylightBreach | None:
    """The first of ``points`` passed before sunrise + margin or after sunset - margin.

    Each point is judged against its own sunrise and sunset on the local date it is passed.
    """
    previous: int | None = None
    for point in points:
        entering = previous is None or point.index != previous + 1
        previous = point.index
        local = point.at.astimezone(PKT)
        times = sun_times(point.lat, point.lon, local.date())
        if times is None:
            return DaylightBreach(point, True, None, entering)
        rise, set_ = times
        if point.at < rise + margin:
            return DaylightBreach(point, True, rise, entering)
        if point.at > set_ - margin:
            return DaylightBreach(point, False, set_, entering)
    return None


@dataclass(frozen=True)
class DaylightWindow:
    """When the movement may leave so that every covered point is passed in daylight."""

    earliest_departure: datetime
    latest_departure: datetime
    duration: timedelta

    @property
    def feasible(self) -> bool:
        """False when the covered stretch is longer than the daylight it has."""
        return self.earliest_departure <= self.latest_departure

    @property
    def earliest_arrival(self) -> datetime:
        return self.earliest_departure + self.duration

    @property
    def latest_arrival(self) -> datetime:
        return self.latest_departure + self.duration


def departure_window(
    points: Sequence[TimedPoint],
    margin: timedelta,
    departure: datetime,
    arrival: datetime,
    on: date,
) -> DaylightWindow | None:
    """Departure times on the movement date ``on`` keeping every point of ``points`` in daylight,
    with the planned driving times kept (each point reached as long after departure as planned,
    on the same day relative to departure)."""
    start_day = departure.astimezone(PKT).date()
    earliest: datetime | None = None
    latest: datetime | None = None
    for point in points:
        offset = point.at - departure
        day = on + (point.at.astimezone(PKT).date() - start_day)
        times = sun_times(point.lat, point.lon, day)
        if times is None:
            return None
        rise, set_ = times
        low, high = rise + margin - offset, set_ - margin - offset
        earliest = low if earliest is None else max(earliest, low)
        latest = high if latest is None else min(latest, high)
    if earliest is None or latest is None:
        return None
    return DaylightWindow(earliest, latest, arrival - departure)


def parse_clock(value: object) -> time:
    """A local clock time from ``"18:00"`` or a TOML local time; ``ValueError`` otherwise."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            hours, minutes = value.strip().split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            pass
    raise ValueError(f"expected a clock time such as 18:00, got {value!r}")


@dataclass(frozen=True)
class Curfew:
    """A daily no-movement period in local time; ``end`` at or before ``start`` means overnight."""

    start: time
    end: time
    label: str = ""

    def describe(self, zone: LocalZone, on: date) -> str:
        """``"18:00\u201306:00 PKT (UTC+5), night travel ban"``: ``zone``'s clock, as on ``on``."""
        text = zone.daily(self.start, self.end, on)
        return f"{text}, {self.label}" if self.label else text

    def overlap(
        self, enter: datetime, leave: datetime, zone: LocalZone = DEFAULT_ZONE
    ) -> tuple[datetime, datetime] | None:
        """The curfew period (in ``zone``'s clock) the stay from ``enter`` to ``leave``
        touches, if any."""
        tz = zone.tz
        first = enter.astimezone(tz).date() - timedelta(days=1)
        last = leave.astimezone(tz).date()
        day = first
        while day <= last:
            begins = datetime.combine(day, self.start, tz)
            ends = datetime.combine(day, self.end, tz)
            if ends <= begins:
                ends += timedelta(days=1)
            if begins <= leave and enter < ends:
                return begins, ends
            day += timedelta(days=1)
        return None
