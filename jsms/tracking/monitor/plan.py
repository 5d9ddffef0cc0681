"""What the monitor knows of one movement before the first position arrives: the approved
route and times, the planned stops, the SOP's check-in schedule and no-go zones, and which
devices ride in escort vehicles and which with the protected persons.

Plain frozen data: :mod:`jsms.tracking.live` builds it from the database, tests write it by
hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from jsms.tracking.monitor.route import METRES_PER_DEGREE, Floats

__all__ = [
    "ESCORT",
    "PROTECTEE",
    "CheckInSchedule",
    "IncidentReport",
    "NoGoZone",
    "PlannedStop",
    "WatchPlan",
]

ESCORT = "escort"
PROTECTEE = "protectee"


@dataclass(frozen=True)
class PlannedStop:
    """A halt the plan foresees (a fuel stop, a handover point): standing still there is fine."""

    lat: float
    lon: float
    name: str = ""


@dataclass(frozen=True)
class CheckInSchedule:
    """Who must check in how often while the movement is under way (from an SOP ``check_in``
    rule): the timer runs from the start, or from their last check-in."""

    who: str  # escort_commander | protectee
    every: timedelta
    grace: timedelta
    rule_id: str = ""


@dataclass(frozen=True)
class NoGoZone:
    """A place no device of the movement may enter: a polygon (GeoJSON lon/lat, as the SOP
    ``no_go`` rule gives it) or a circle.

    Examples
    --------
    >>> zone = NoGoZone("Kalmat", lat=25.4, lon=64.1, radius_km=5)
    >>> zone.inside(np.array([25.4, 26.0]), np.array([64.1, 64.1])).tolist()
    [True, False]
    """

    name: str
    rule_id: str = ""
    geometry: BaseGeometry | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None

    def inside(self, lats: Floats, lons: Floats) -> np.ndarray:
        """For each position, whether it lies in the zone."""
        if self.geometry is not None:
            return np.asarray(shapely.intersects_xy(self.geometry, lons, lats), dtype=bool)
        if self.lat is None or self.lon is None or self.radius_km is None:
            raise ValueError(f"no-go zone {self.name} has neither a polygon nor a circle")
        kx = METRES_PER_DEGREE * math.cos(math.radians(self.lat))
        dx = (np.asarray(lons) - self.lon) * kx
        dy = (np.asarray(lats) - self.lat) * METRES_PER_DEGREE
        return np.asarray(np.hypot(dx, dy) <= self.radius_km * 1000.0, dtype=bool)


@dataclass(frozen=True)
class IncidentReport:
    """A newly recorded incident, as the monitor needs it."""

    incident_id: str
    lat: float
    lon: float
    at: datetime
    title: str = ""


@dataclass(frozen=True)
class WatchPlan:
    """One movement as the monitor watches it.

    ``devices`` maps each device id to ``"escort"`` or ``"protectee"``; ``started_at`` is
    when the movement was started (``None`` while it is approved and due).
    ``corridor_m``, when given, replaces the configured corridor for this movement.
    """

    movement_id: str
    reference: str
    route: tuple[tuple[float, float], ...]  # (lat, lon) in travel order
    departure: datetime
    arrival: datetime
    devices: Mapping[str, str] = field(default_factory=dict)
    started_at: datetime | None = None
    stops: tuple[PlannedStop, ...] = ()
    check_ins: tuple[CheckInSchedule, ...] = ()
    no_go: tuple[NoGoZone, ...] = ()
    corridor_m: float | None = None

    def __post_init__(self) -> None:
        for device, role in self.devices.items():
            if role not in (ESCORT, PROTECTEE):
                raise ValueError(f"device {device}: role must be escort or protectee, not {role!r}")
        if self.arrival <= self.departure:
            raise ValueError("the planned arrival must be after the planned departure")
