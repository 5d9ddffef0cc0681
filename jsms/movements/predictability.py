"""Predictability warnings: the same pick-up at the same hour is how attackers plan.

A new plan repeats a recent movement when both ends are within a short distance, the route
mostly runs through the same cells, and the departure falls within the same local time window.
Pure: plain facts in, warnings and suggested alternatives out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import h3

__all__ = ["Plan", "Repeat", "find_repeats", "suggestions"]

LOCAL = timezone(timedelta(hours=5), "PKT")  # Pakistan keeps no daylight saving


@dataclass(frozen=True)
class Plan:
    reference: str
    origin: tuple[float, float]
    destination: tuple[float, float]
    departure_at: datetime
    route: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Repeat:
    reference: str
    departure_at: datetime
    minutes_apart: int
    route_overlap: float


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _minutes_of_day(moment: datetime) -> int:
    local = moment.astimezone(LOCAL)
    return local.hour * 60 + local.minute


def _clock_gap(a: datetime, b: datetime) -> int:
    gap = abs(_minutes_of_day(a) - _minutes_of_day(b))
    return min(gap, 24 * 60 - gap)


def _cells(route: tuple[tuple[float, float], ...]) -> set[str]:
    return {h3.latlng_to_cell(lat, lon, 8) for lat, lon in route}


def _overlap(a: tuple[tuple[float, float], ...], b: tuple[tuple[float, float], ...]) -> float:
    if not a or not b:
        return 1.0  # no route known: the same two ends are the pattern
    mine, theirs = _cells(a), _cells(b)
    return len(mine & theirs) / len(mine)


def find_repeats(
    plan: Plan,
    recent: list[Plan],
    *,
    days: int = 30,
    radius_km: float = 2.0,
    minutes: int = 60,
    min_overlap: float = 0.7,
) -> list[Repeat]:
    """Recent movements this plan repeats, closest in time of day first."""
    found = []
    for past in recent:
        if past.reference == plan.reference:
            continue
        if abs((plan.departure_at - past.departure_at).days) > days:
            continue
        same_ends = (
            _km(plan.origin, past.origin) <= radius_km
            and _km(plan.destination, past.destination) <= radius_km
        )
        if not same_ends:
            continue
        gap = _clock_gap(plan.departure_at, past.departure_at)
        if gap > minutes:
            continue
        overlap = _overlap(plan.route, past.route)
        if overlap >= min_overlap:
            found.append(Repeat(past.reference, past.departure_at, gap, round(overlap, 2)))
    return sorted(found, key=lambda r: r.minutes_apart)


def suggestions(plan: Plan, repeats: list[Repeat], *, minutes: int = 60) -> list[str]:
    """Concrete ways to break the pattern."""
    if not repeats:
        return []
    taken = [_minutes_of_day(r.departure_at) for r in repeats]
    local = plan.departure_at.astimezone(LOCAL)
    options = []
    for shift in (-2 * minutes, 2 * minutes, -3 * minutes, 3 * minutes):
        candidate = local + timedelta(minutes=shift)
        mod = candidate.hour * 60 + candidate.minute
        if all(min(abs(mod - t), 1440 - abs(mod - t)) > minutes for t in taken) and (
            6 * 60 <= mod <= 17 * 60
        ):
            options.append(f"depart at {candidate:%H:%M} local instead of {local:%H:%M}")
        if len(options) == 2:
            break
    options.append("take an alternative route from the route options (not the one used before)")
    options.append("change the pick-up point or the vehicle order in the convoy")
    return options
