"""What the SOP engine is told about one movement, and the timeline it derives from it.

The routing engine hands over the route as ordered segments, one per jurisdiction, each a list
of points with their threat level (1..6). The engine needs to know *when* the convoy is at each
point (daylight, curfews, police stations to warn), so :func:`build_timeline` gives every point
a time: the routing engine's ETA where it gave one, otherwise a time interpolated by distance
between the neighbouring known times (departure at the first point, arrival at the last).

Pure: no clock, no database. All datetimes must be timezone-aware; the local date of a
movement is Pakistan's (Asia/Karachi, UTC+5, no daylight saving).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from jsms.geo.gazetteer import PROVINCES
from jsms.movements.sop.geo import haversine_km
from jsms.movements.sop.local_time import DEFAULT_ZONE
from jsms.threat.risk import THREAT_LEVELS

__all__ = [
    "FEDERAL",
    "JURISDICTIONS",
    "PKT",
    "Escort",
    "FactsError",
    "MovementFacts",
    "RoutePoint",
    "RouteSegment",
    "TimedPoint",
    "Vehicle",
    "build_timeline",
    "canonical_jurisdiction",
    "group_by_jurisdiction",
    "level_label",
]

PKT = DEFAULT_ZONE.tz
"""Local time for daylight sums; messages write each time in its policy's zone
(:mod:`.local_time`)."""

FEDERAL = "*"
"""The jurisdiction of the federal baseline, which applies everywhere."""

JURISDICTIONS: frozenset[str] = PROVINCES
"""Canonical jurisdiction names: the provinces and territories the gazetteer knows."""

_ALIASES: dict[str, str] = {
    "kp": "Khyber Pakhtunkhwa",
    "k-p": "Khyber Pakhtunkhwa",
    "kpk": "Khyber Pakhtunkhwa",
    "khyber-pakhtunkhwa": "Khyber Pakhtunkhwa",
    "ict": "Islamabad",
    "islamabad capital territory": "Islamabad",
    "gb": "Gilgit-Baltistan",
    "g-b": "Gilgit-Baltistan",
    "gilgit baltistan": "Gilgit-Baltistan",
    "ajk": "Azad Kashmir",
    "azad jammu and kashmir": "Azad Kashmir",
    "federal": FEDERAL,
}
_CANONICAL: dict[str, str] = {name.lower(): name for name in (*JURISDICTIONS, FEDERAL)}


class FactsError(ValueError):
    """The movement facts are inconsistent (the caller's bug, not an SOP violation)."""


def canonical_jurisdiction(name: str) -> str:
    """Canonical spelling of a jurisdiction ("KP" -> "Khyber Pakhtunkhwa"); unknown names as given.

    >>> canonical_jurisdiction("kpk")
    'Khyber Pakhtunkhwa'
    """
    key = " ".join(name.split()).lower()
    return _CANONICAL.get(key) or _ALIASES.get(key) or name.strip()


def level_label(level: int) -> str:
    """``"5 (High)"``: a threat level with its name, as officers read it."""
    return f"{level} ({THREAT_LEVELS[level - 1]})"


def _aware(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise FactsError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise FactsError(f"{what} must be timezone-aware")
    return value


def _count(value: Any, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FactsError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


@dataclass(frozen=True)
class RoutePoint:
    """One point of the route: where, how dangerous (level 1..6), optionally named and timed."""

    lat: float
    lon: float
    level: int
    name: str | None = None
    eta: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.lat, bool) or isinstance(self.lon, bool):
            raise FactsError("route point coordinates must be numbers")
        try:
            lat, lon = float(self.lat), float(self.lon)
        except (TypeError, ValueError) as exc:
            raise FactsError(
                f"route point ({self.lat!r}, {self.lon!r}) is not a coordinate"
            ) from exc
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise FactsError(f"route point ({self.lat}, {self.lon}) is not a coordinate")
        level = _count(self.level, "threat level", minimum=1)
        if level > len(THREAT_LEVELS):
            raise FactsError(f"threat level must be 1..{len(THREAT_LEVELS)}, got {level}")
        if self.eta is not None:
            _aware(self.eta, "route point eta")

    @classmethod
    def of(cls, value: RoutePoint | Sequence[Any] | Mapping[str, Any]) -> RoutePoint:
        """Accept the routing engine's ``(lat, lon, level[, name[, eta]])`` tuples or mappings."""
        if isinstance(value, RoutePoint):
            return value
        if isinstance(value, Mapping):
            return cls(**value)
        if isinstance(value, Sequence) and not isinstance(value, str) and 3 <= len(value) <= 5:
            return cls(*value)
        raise FactsError(f"route point must be (lat, lon, level[, name[, eta]]), got {value!r}")

    def label(self) -> str:
        """The point's name, or its coordinates when it has none."""
        return self.name or f"{self.lat:.3f}N {self.lon:.3f}E"


@dataclass(frozen=True)
class RouteSegment:
    """The stretch of the route inside one jurisdiction, in driving order."""

    jurisdiction: str
    points: tuple[RoutePoint, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "jurisdiction", canonical_jurisdiction(self.jurisdiction))
        points = tuple(RoutePoint.of(p) for p in self.points)
        if not points:
            raise FactsError(f"route segment in {self.jurisdiction} has no points")
        object.__setattr__(self, "points", points)


@dataclass(frozen=True)
class Vehicle:
    """A vehicle of the movement. ``passengers`` are the protected persons and staff it carries
    (not the driver nor the escort); ``foreign_nationals`` says how many of them are foreign, when
    the plan says so (``None``: not allocated yet)."""

    armoured: bool
    seats: int
    passengers: int
    foreign_nationals: int | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.armoured, bool):
            raise FactsError("vehicle armoured must be true or false")
        _count(self.seats, "vehicle seats", minimum=1)
        _count(self.passengers, "vehicle passengers")
        if self.foreign_nationals is not None:
            _count(self.foreign_nationals, "vehicle foreign nationals")
            if self.foreign_nationals > self.passengers:
                raise FactsError("a vehicle cannot carry more foreign nationals than passengers")


@dataclass(frozen=True)
class Escort:
    """The protection: host outer-ring vehicles per jurisdiction, and the guest inner-ring team."""

    host_vehicles: Mapping[str, int] = field(default_factory=dict)
    guest_team: int = 0

    def __post_init__(self) -> None:
        hosts: dict[str, int] = {}
        for name, count in self.host_vehicles.items():
            key = canonical_jurisdiction(name)
            hosts[key] = hosts.get(key, 0) + _count(count, f"host vehicles in {name}")
        object.__setattr__(self, "host_vehicles", hosts)
        _count(self.guest_team, "guest team")

    def host(self, jurisdiction: str) -> int:
        """Host outer-ring vehicles provided in ``jurisdiction`` (0 when none)."""
        return self.host_vehicles.get(canonical_jurisdiction(jurisdiction), 0)


@dataclass(frozen=True)
class MovementFacts:
    """Everything the SOP check needs about one planned movement (times are passed in)."""

    departure: datetime
    arrival: datetime
    requested_at: datetime
    passengers: int
    foreign_nationals: int
    vehicles: tuple[Vehicle, ...]
    escort: Escort
    route: tuple[RouteSegment, ...]

    def __post_init__(self) -> None:
        _aware(self.departure, "departure")
        _aware(self.arrival, "arrival")
        _aware(self.requested_at, "requested_at")
        if self.arrival <= self.departure:
            raise FactsError("arrival must be after departure")
        _count(self.passengers, "passengers")
        _count(self.foreign_nationals, "foreign nationals")
        if self.foreign_nationals > self.passengers:
            raise FactsError("foreign nationals cannot outnumber passengers")
        vehicles = tuple(self.vehicles)
        if vehicles and sum(v.passengers for v in vehicles) != self.passengers:
            raise FactsError("the vehicles' passengers do not add up to the movement's passengers")
        allocated = [v.foreign_nationals for v in vehicles if v.foreign_nationals is not None]
        if allocated and (
            len(allocated) != len(vehicles) or sum(allocated) != self.foreign_nationals
        ):
            raise FactsError(
                "foreign nationals per vehicle must be given for every vehicle and add up"
            )
        route = tuple(self.route)
        if not route:
            raise FactsError("the route has no segments")
        object.__setattr__(self, "vehicles", vehicles)
        object.__setattr__(self, "route", route)

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        """Jurisdictions crossed, in route order, each once."""
        return tuple(dict.fromkeys(segment.jurisdiction for segment in self.route))

    @property
    def movement_date(self) -> date:
        """Local date of departure: the date that picks the policy versions in force."""
        return self.departure.astimezone(PKT).date()


@dataclass(frozen=True)
class TimedPoint:
    """A route point with its jurisdiction, position along the route and time of passing."""

    index: int
    jurisdiction: str
    lat: float
    lon: float
    level: int
    name: str | None
    at: datetime
    km: float

    def label(self) -> str:
        """The point's name, or its coordinates when it has none."""
        return self.name or f"{self.lat:.3f}N {self.lon:.3f}E"


def _interpolate(kms: Sequence[float], anchors: dict[int, datetime]) -> list[datetime]:
    """Times for every point from the anchored ones, linear in distance between anchors."""
    known = sorted(anchors)
    times: list[datetime] = [anchors[known[0]]] * len(kms)
    for a, b in pairwise(known):
        span_km = kms[b] - kms[a]
        span_t = anchors[b] - anchors[a]
        for i in range(a, b + 1):
            fraction = (kms[i] - kms[a]) / span_km if span_km > 0 else (i - a) / (b - a)
            times[i] = anchors[a] + span_t * fraction
    return times


def build_timeline(facts: MovementFacts) -> tuple[TimedPoint, ...]:
    """Every route point in driving order with the time the movement passes it.

    Raises :class:`FactsError` when the routing engine's ETAs run backwards or fall outside
    the departure..arrival span.
    """
    flat: list[tuple[str, RoutePoint]] = [
        (segment.jurisdiction, point) for segment in facts.route for point in segment.points
    ]
    kms = [0.0]
    for (_, a), (_, b) in pairwise(flat):
        kms.append(kms[-1] + haversine_km(a.lat, a.lon, b.lat, b.lon))
    anchors = {i: p.eta for i, (_, p) in enumerate(flat) if p.eta is not None}
    anchors.setdefault(0, facts.departure)
    anchors.setdefault(len(flat) - 1, facts.arrival)
    times = _interpolate(kms, anchors)
    for earlier, later in pairwise(times):
        if later < earlier:
            raise FactsError("route point ETAs must not run backwards")
    if times[0] < facts.departure or times[-1] > facts.arrival:
        raise FactsError("route point ETAs must lie between departure and arrival")
    return tuple(
        TimedPoint(i, j, float(p.lat), float(p.lon), p.level, p.name, t, km)
        for i, ((j, p), t, km) in enumerate(zip(flat, times, kms, strict=True))
    )


def group_by_jurisdiction(points: Iterable[TimedPoint]) -> dict[str, list[TimedPoint]]:
    """Points per jurisdiction, jurisdictions in route order."""
    groups: dict[str, list[TimedPoint]] = {}
    for point in points:
        groups.setdefault(point.jurisdiction, []).append(point)
    return groups
