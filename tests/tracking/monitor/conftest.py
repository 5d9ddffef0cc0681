"""A 30 km road due east from Karachi, a car with the protected persons and an escort
vehicle, and helpers that drive them along it (by metres along and off the road)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from jsms.tracking.fixes import StoredPosition
from jsms.tracking.monitor import Monitor, Thresholds, WatchPlan
from jsms.tracking.monitor.route import METRES_PER_DEGREE

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
LAT, LON = 24.90, 67.00
M_PER_LON = METRES_PER_DEGREE * math.cos(math.radians(LAT))
LENGTH_M = 30_000.0
ROUTE = ((LAT, LON), (LAT, LON + LENGTH_M / M_PER_LON))
CAR, ESCORT_CAR = "dev-car", "dev-escort"
_seq: Iterator[int] = count(1)


def where(along_m: float, off_m: float = 0.0) -> tuple[float, float]:
    """(lat, lon) of a point ``along_m`` metres along the road and ``off_m`` north of it."""
    return LAT + off_m / METRES_PER_DEGREE, LON + along_m / M_PER_LON


def fix(
    device: str,
    seconds: float,
    along_m: float,
    off_m: float = 0.0,
    *,
    speed: float | None = 15.0,
    alarm: str | None = None,
    movement: str = "m1",
    role: str = "unknown",
) -> StoredPosition:
    lat, lon = where(along_m, off_m)
    at = T0 + timedelta(seconds=seconds)
    return StoredPosition(next(_seq), device, movement, role, at, at, lat, lon, speed, alarm)


def drive(
    device: str,
    start_s: float,
    end_s: float,
    *,
    every_s: float = 10.0,
    speed: float = 15.0,
    from_m: float = 0.0,
    off: Callable[[float], float] = lambda s: 0.0,
) -> list[StoredPosition]:
    """Fixes every ``every_s`` seconds from ``start_s`` to ``end_s`` (inclusive), moving at
    ``speed`` m/s from ``from_m``; ``off(seconds)`` gives the metres north of the road."""
    out = []
    s = start_s
    while s <= end_s:
        along = from_m + speed * (s - start_s)
        out.append(fix(device, s, along, off(s), speed=speed))
        s += every_s
    return out


def make_plan(**changes: object) -> WatchPlan:
    plan = WatchPlan(
        movement_id="m1",
        reference="MV-2026-00001",
        route=ROUTE,
        departure=T0,
        arrival=T0 + timedelta(hours=1),
        devices={CAR: "protectee", ESCORT_CAR: "escort"},
        started_at=T0,
    )
    return replace(plan, **changes)  # type: ignore[arg-type]


@pytest.fixture
def monitor() -> Monitor:
    m = Monitor(Thresholds())
    m.watch(make_plan())
    return m


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
