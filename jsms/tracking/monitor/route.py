"""The approved route in metres: how far a position is from it and how far along it.

A local equirectangular projection centred on the route's bounding box turns degrees into
metres (x east, y north). Across the few hundred kilometres of a movement it is exact
enough for a corridor of a few hundred metres: east-west distances are off by
``cos(lat) / cos(lat0) - 1``, under 1 % within 1.5 degrees of latitude of the centre and
under 7 % for a route spanning all of Pakistan (24-37 N), i.e. 20 m on a 300 m corridor.
No projection library, and every operation is vectorised over a batch of positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

__all__ = ["METRES_PER_DEGREE", "Located", "RouteLine", "locate_on"]

METRES_PER_DEGREE = math.radians(1.0) * 6_371_008.8
"""Metres per degree of latitude (mean Earth radius)."""

Floats = npt.NDArray[np.float64]
Located = tuple[Floats, Floats, Floats, Floats]
"""``(x, y, off_route_m, along_m)`` for a batch of positions, each on its own route's plane."""


class RouteLine:
    """A route as a line in a local metric plane.

    Parameters
    ----------
    points
        ``(lat, lon)`` of the route in travel order; at least two distinct points.

    Examples
    --------
    A route 1 km due east along the equator, and a position 100 m north of its middle:

    >>> route = RouteLine([(0.0, 0.0), (0.0, 1000 / METRES_PER_DEGREE)])
    >>> round(route.length_m)
    1000
    >>> off, along = route.locate([100 / METRES_PER_DEGREE], [500 / METRES_PER_DEGREE])
    >>> round(float(off[0])), round(float(along[0]))
    (100, 500)
    """

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        lats = np.array([p[0] for p in points], dtype=float)
        lons = np.array([p[1] for p in points], dtype=float)
        if len(lats) < 2:
            raise ValueError("a route needs at least two points")
        self.lat0 = float(lats.min() + lats.max()) / 2
        self.lon0 = float(lons.min() + lons.max()) / 2
        self._kx = METRES_PER_DEGREE * math.cos(math.radians(self.lat0))
        x, y = self.project(lats, lons)
        self.line = LineString(np.column_stack([x, y]))
        self.length_m = float(self.line.length)
        if self.length_m <= 0:
            raise ValueError("a route needs two distinct points")
        shapely.prepare(self.line)
        start, end = points[0], points[-1]
        self.start, self.end = (float(start[0]), float(start[1])), (float(end[0]), float(end[1]))

    def project(
        self, lats: Sequence[float] | Floats, lons: Sequence[float] | Floats
    ) -> tuple[Floats, Floats]:
        """``(x, y)`` in metres east and north of the route's centre."""
        lat = np.asarray(lats, dtype=float)
        lon = np.asarray(lons, dtype=float)
        return (lon - self.lon0) * self._kx, (lat - self.lat0) * METRES_PER_DEGREE

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """``(lat, lon)`` of a point of the plane."""
        return self.lat0 + y / METRES_PER_DEGREE, self.lon0 + x / self._kx

    def locate(
        self, lats: Sequence[float] | Floats, lons: Sequence[float] | Floats
    ) -> tuple[Floats, Floats]:
        """For each position: metres from the route, and metres along it to the nearest point."""
        x, y = self.project(lats, lons)
        points = shapely.points(x, y)
        return (
            np.asarray(shapely.distance(self.line, points), dtype=float),
            np.asarray(shapely.line_locate_point(self.line, points), dtype=float),
        )

    def point_at(self, along_m: float) -> tuple[float, float]:
        """``(lat, lon)`` of the point ``along_m`` metres along the route."""
        point = self.line.interpolate(max(0.0, min(along_m, self.length_m)))
        return self.unproject(point.x, point.y)

    def distance_ahead(self, lat: float, lon: float, from_m: float) -> float:
        """Metres from ``(lat, lon)`` to the part of the route still to drive (from ``from_m``
        metres along it to the end)."""
        ahead = substring(self.line, max(0.0, min(from_m, self.length_m)), self.length_m)
        x, y = self.project([lat], [lon])
        return float(shapely.distance(ahead, shapely.points(x[0], y[0])))

    def metres_between(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Straight-line metres between two ``(lat, lon)`` points near the route."""
        ax, ay = self.project([a[0]], [a[1]])
        bx, by = self.project([b[0]], [b[1]])
        return float(math.hypot(float(ax[0] - bx[0]), float(ay[0] - by[0])))


def locate_on(routes: Sequence[RouteLine], lats: Floats, lons: Floats) -> Located:
    """:meth:`RouteLine.project` and :meth:`RouteLine.locate` for positions of many routes at
    once (position ``i`` on ``routes[i]``): one vectorised pass for a whole batch, however
    many movements it mixes.

    Examples
    --------
    >>> east = RouteLine([(0.0, 0.0), (0.0, 0.01)])
    >>> north = RouteLine([(0.0, 0.0), (0.01, 0.0)])
    >>> x, y, off, along = locate_on([east, north], np.array([0.001, 0.001]), np.zeros(2))
    >>> [round(v) for v in off], [round(v) for v in along]
    ([111, 0], [0, 111])
    """
    lat0 = np.fromiter((r.lat0 for r in routes), float, len(routes))
    lon0 = np.fromiter((r.lon0 for r in routes), float, len(routes))
    kx = np.fromiter((r._kx for r in routes), float, len(routes))
    x = (np.asarray(lons, dtype=float) - lon0) * kx
    y = (np.asarray(lats, dtype=float) - lat0) * METRES_PER_DEGREE
    lines = np.empty(len(routes), dtype=object)
    lines[:] = [r.line for r in routes]
    points = shapely.points(x, y)
    off = np.asarray(shapely.distance(lines, points), dtype=float)
    along = np.asarray(shapely.line_locate_point(lines, points), dtype=float)
    return x, y, off, along
