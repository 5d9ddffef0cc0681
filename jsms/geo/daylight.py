"""Sunrise and sunset at a place, for the router's night factor and the SOP daylight rules.

``astral`` (NOAA solar equations, sea-level horizon), in Pakistan's local time: a local date
picks the right sunrise even when the UTC date differs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from astral import Observer
from astral.sun import sunrise, sunset

__all__ = ["PKT", "is_night", "sun_times"]

PKT = timezone(timedelta(hours=5), "PKT")  # Pakistan keeps no daylight saving


@lru_cache(maxsize=16384)
def _sun(lat: float, lon: float, day: date) -> tuple[datetime, datetime] | None:
    observer = Observer(latitude=lat, longitude=lon)
    try:
        return sunrise(observer, day, tzinfo=PKT), sunset(observer, day, tzinfo=PKT)
    except ValueError:  # the sun does not rise or set that day (never at Pakistan's latitudes)
        return None


def sun_times(lat: float, lon: float, day: date) -> tuple[datetime, datetime] | None:
    """(sunrise, sunset) in local time at a point on a local date; ``None`` if it has neither.

    Cached per ~100 m and day, so a long route with many points stays fast.
    """
    return _sun(round(lat, 3), round(lon, 3), day)


def is_night(when: datetime, lat: float, lon: float) -> bool:
    """True before sunrise or after sunset at (lat, lon) on the local date of `when`."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")
    local = when.astimezone(PKT)
    times = sun_times(lat, lon, local.date())
    if times is None:
        return False
    rise, set_ = times
    return not (rise <= local < set_)


def journey_after_dark(
    departure: datetime,
    duration_s: float,
    start: tuple[float, float],
    end: tuple[float, float],
) -> bool:
    """Whether a journey runs in darkness: it leaves or arrives at night, or lasts so long
    (12 h or more) that it must cross a night on the way."""
    arrival = departure + timedelta(seconds=duration_s)
    return duration_s >= 12 * 3600 or is_night(departure, *start) or is_night(arrival, *end)
