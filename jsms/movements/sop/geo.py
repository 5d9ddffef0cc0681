"""Small geometry for SOP rules: distances to a route, and the areas a rule is limited to.

Distances use a local equirectangular projection around the point of interest, which is
accurate to well under 1 % over the tens of kilometres that matter here (a police station
"within 10 km of the route") and needs no projection library. Polygons (GeoJSON, lon/lat) are
tested with shapely in degrees, which is exact for "does this leg cross the zone".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol, TypeVar

import shapely
from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EARTH_RADIUS_KM",
    "Area",
    "Located",
    "haversine_km",
    "legs",
    "nearest_on_route",
    "parse_area",
]

EARTH_RADIUS_KM = 6371.0088


class Located(Protocol):
    """Anything with a position and an index along the route (a timeline point)."""

    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def index(self) -> int: ...


P = TypeVar("P", bound=Located)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _xy(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    k = math.radians(1.0) * EARTH_RADIUS_KM
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def _leg_distance(lat: float, lon: float, a: Located, b: Located) -> tuple[float, float]:
    """(distance km, fraction along a->b of the nearest point) from (lat, lon) to leg a-b."""
    ax, ay = _xy(a.lat, a.lon, lat, lon)
    bx, by = _xy(b.lat, b.lon, lat, lon)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy), t


def legs(points: Sequence[P]) -> list[tuple[P, P]]:
    """Consecutive pairs that are also consecutive on the route (no jumps across gaps)."""
    return [(a, b) for a, b in pairwise(points) if b.index == a.index + 1]


def nearest_on_route(lat: float, lon: float, points: Sequence[P]) -> tuple[float, P, P, float]:
    """Distance (km) from (lat, lon) to the route through ``points`` and where it is nearest:
    ``(km, a, b, t)`` meaning a fraction ``t`` of the way along the leg ``a -> b``."""
    best: tuple[float, P, P, float] | None = None
    for a, b in legs(points) or [(p, p) for p in points]:
        km, t = _leg_distance(lat, lon, a, b)
        if best is None or km < best[0]:
            best = (km, a, b, t)
    if best is None:
        raise ValueError("no route points")
    return best


@dataclass(frozen=True)
class Area:
    """Where a rule applies: a circle (centre and radius) or a GeoJSON polygon, with a name."""

    name: str
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    geometry: BaseGeometry | None = None

    def contains(self, lat: float, lon: float) -> bool:
        """Whether a point lies in the area."""
        if self.geometry is not None:
            return bool(shapely.intersects_xy(self.geometry, lon, lat))
        assert self.lat is not None and self.lon is not None and self.radius_km is not None
        return haversine_km(self.lat, self.lon, lat, lon) <= self.radius_km

    def crosses(self, a: Located, b: Located) -> bool:
        """Whether the straight leg a -> b touches the area (a convoy passing between points)."""
        if self.geometry is not None:
            return bool(self.geometry.intersects(LineString([(a.lon, a.lat), (b.lon, b.lat)])))
        assert self.lat is not None and self.lon is not None and self.radius_km is not None
        return _leg_distance(self.lat, self.lon, a, b)[0] <= self.radius_km

    def select(self, points: Sequence[P]) -> list[P]:
        """The points in the area, plus both ends of every leg that passes through it."""
        chosen = {p.index for p in points if self.contains(p.lat, p.lon)}
        for a, b in legs(points):
            if self.crosses(a, b):
                chosen.update((a.index, b.index))
        return [p for p in points if p.index in chosen]


def _number(table: Mapping[str, Any], key: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"area {key} must be a number")
    return float(value)


def parse_area(table: Any) -> Area:
    """An :class:`Area` from a policy file's ``area`` table.

    ``{ name, lat, lon, radius_km }`` for a circle, or ``{ name, geometry }`` with a GeoJSON
    Polygon or MultiPolygon (coordinates lon, lat). Raises ``ValueError`` saying what is wrong.
    """
    if not isinstance(table, Mapping):
        raise ValueError("area must be a table")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("area needs a name")
    if "geometry" in table:
        extra = set(table) - {"name", "geometry", "note"}
        if extra:
            raise ValueError(f"area has unknown keys: {', '.join(sorted(extra))}")
        geo = table["geometry"]
        if not isinstance(geo, Mapping) or geo.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError("area geometry must be a GeoJSON Polygon or MultiPolygon")
        try:
            geometry = shape(dict(geo))
        except Exception as exc:
            raise ValueError(f"area geometry is not valid GeoJSON: {exc}") from exc
        if geometry.is_empty or not geometry.is_valid:
            raise ValueError("area geometry is empty or self-intersecting")
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ValueError("area geometry coordinates must be lon, lat in degrees")
        shapely.prepare(geometry)
        return Area(name=name.strip(), geometry=geometry)
    extra = set(table) - {"name", "lat", "lon", "radius_km", "note"}
    if extra:
        raise ValueError(f"area has unknown keys: {', '.join(sorted(extra))}")
    lat, lon, radius = _number(table, "lat"), _number(table, "lon"), _number(table, "radius_km")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius <= 0:
        raise ValueError("area needs lat, lon in degrees and a positive radius_km")
    return Area(name=name.strip(), lat=lat, lon=lon, radius_km=radius)
