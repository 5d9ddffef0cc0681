"""An approved route as a line to travel along: the point (and heading) at a distance from its
start, and a point beside the route, off to the right by a number of metres."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EARTH_RADIUS_M", "Located", "RouteWalk", "haversine_m", "offset"]

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def offset(point: tuple[float, float], bearing: float, metres: float) -> tuple[float, float]:
    """The point `metres` away from `point` towards `bearing` (degrees from north)."""
    lat, lon = map(math.radians, point)
    angle = metres / EARTH_RADIUS_M
    heading = math.radians(bearing)
    lat2 = math.asin(
        math.sin(lat) * math.cos(angle) + math.cos(lat) * math.sin(angle) * math.cos(heading)
    )
    lon2 = lon + math.atan2(
        math.sin(heading) * math.sin(angle) * math.cos(lat),
        math.cos(angle) - math.sin(lat) * math.sin(lat2),
    )
    return math.degrees(lat2), math.degrees(lon2)


@dataclass(frozen=True)
class Located:
    lat: float
    lon: float
    bearing: float


class RouteWalk:
    """A route given as (lat, lon) points in travel order.

    Examples
    --------
    >>> walk = RouteWalk([(24.0, 67.0), (24.0, 67.1)])
    >>> round(walk.length_m / 1000, 1)
    10.2
    >>> here = walk.at(walk.length_m / 2)
    >>> round(here.lon, 3), round(here.bearing)
    (67.05, 90)
    """

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        kept = [points[0]] + [p for a, p in itertools.pairwise(points) if p != a]
        if len(kept) < 2:
            raise ValueError("a route needs two distinct points")
        self.points = kept
        self.starts = [0.0]
        for a, b in itertools.pairwise(kept):
            self.starts.append(self.starts[-1] + haversine_m(a, b))
        self.length_m = self.starts[-1]

    @classmethod
    def from_geojson(cls, coordinates: Sequence[Sequence[float]]) -> RouteWalk:
        """From a GeoJSON LineString's [lon, lat] pairs, as movements keep their route."""
        return cls([(float(lat), float(lon)) for lon, lat, *_ in coordinates])

    def at(self, distance_m: float) -> Located:
        """Where the route is `distance_m` from its start (clamped to its ends)."""
        distance = min(max(distance_m, 0.0), self.length_m)
        index = min(bisect.bisect_right(self.starts, distance) - 1, len(self.points) - 2)
        a, b = self.points[index], self.points[index + 1]
        span = self.starts[index + 1] - self.starts[index]
        share = (distance - self.starts[index]) / span if span else 0.0
        lat = a[0] + (b[0] - a[0]) * share
        lon = a[1] + (b[1] - a[1]) * share
        return Located(lat, lon, _bearing(a, b))

    def beside(self, distance_m: float, right_m: float) -> Located:
        """A point `right_m` metres to the right of the route (negative: to the left)."""
        on = self.at(distance_m)
        if not right_m:
            return on
        lat, lon = offset((on.lat, on.lon), (on.bearing + 90) % 360, right_m)
        return Located(lat, lon, on.bearing)
