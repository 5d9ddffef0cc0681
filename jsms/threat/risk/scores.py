"""The risk surface at one moment: scores and levels of points, cells, areas and lines."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
from h3.api import basic_int as _h3i

from jsms.geo.roads import haversine_m
from jsms.threat.risk.cells import INDEX_RESOLUTION, REGION_RESOLUTION, as_cells, cell_int
from jsms.threat.risk.levels import THREAT_LEVELS, area_level, level_for
from jsms.threat.risk.overrides import Override, apply_overrides
from jsms.threat.risk.recency import DEFAULT_HALF_LIFE_DAYS

__all__ = ["DEFAULT_SMOOTHING", "LineScore", "RiskSurface"]

DEFAULT_SMOOTHING = 0.3


def _check_latlon(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"coordinates out of range: lat={lat}, lon={lon}")


@dataclass(frozen=True)
class LineScore:
    """Risk along a route, from :meth:`RiskSurface.score_line`.

    Attributes
    ----------
    length_km : float
        Great-circle length of the line.
    samples : int
        Points looked up (one per step, plus both ends).
    exposure : float
        Sum of score x step length (score-km): grows with both the danger and the distance
        spent in it, so a detour around a hot spot scores lower even if it is longer.
    max_score, max_level : float, int
        Worst point along the line.
    cells : tuple of int
        Resolution-7 cells sampled, in the order travelled, each once.
    cell_points : tuple of (lat, lon)
        The first point sampled in each of ``cells`` (for locating a cell's district and
        province, which overrides of those areas need).
    """

    length_km: float
    samples: int
    exposure: float
    max_score: float
    max_level: int
    cells: tuple[int, ...]
    cell_points: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, eq=False)
class RiskSurface:
    """Scores of resolution-7 cells and their resolution-5 regions at one moment.

    Built by :func:`build_surface`; only cells with a positive score are stored, every other
    cell scores 0 (level 1). Arrays are sorted by cell so lookups are binary searches; single
    points go through a dict built on first use.

    Attributes
    ----------
    at : float
        Epoch seconds the surface describes.
    cells7, scores7 : numpy.ndarray
        Sorted uint64 resolution-7 cells and their smoothed scores.
    cells5, scores5 : numpy.ndarray
        Sorted uint64 resolution-5 cells and the MAX score of their resolution-7 cells (max,
        not sum, so the same thresholds apply at both resolutions and a region is as dangerous
        as the worst place in it, which is what matters to someone who may have to go there; a
        sum would grow with the number of incidents in the ~250 km2 and need its own scale).
    half_life_days, smoothing : float
        Parameters it was built with.
    n_events : int
        Incidents that contributed (those at or before ``at``).

    Examples
    --------
    >>> import h3
    >>> from jsms.threat.risk import build_surface
    >>> quetta = h3.str_to_int(h3.latlng_to_cell(30.19, 67.01, 7))
    >>> s = build_surface([quetta], [0.0], [10.0], at=0.0)
    >>> s.score_point(30.19, 67.01), s.level_point(30.19, 67.01)
    (7.0, 4)
    """

    at: float
    cells7: np.ndarray
    scores7: np.ndarray
    cells5: np.ndarray
    scores5: np.ndarray
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    smoothing: float = DEFAULT_SMOOTHING
    n_events: int = 0

    @cached_property
    def _index7(self) -> dict[int, float]:
        return dict(zip(self.cells7.tolist(), self.scores7.tolist(), strict=True))

    @cached_property
    def _index5(self) -> dict[int, float]:
        return dict(zip(self.cells5.tolist(), self.scores5.tolist(), strict=True))

    def score_cell(self, cell: int | str) -> float:
        """Score of a resolution-7 or resolution-5 cell (finer cells: their res-7 parent)."""
        c = cell_int(cell)
        res = _h3i.get_resolution(c)
        if res == REGION_RESOLUTION:
            return self._index5.get(c, 0.0)
        if res > INDEX_RESOLUTION:
            c = _h3i.cell_to_parent(c, INDEX_RESOLUTION)
        elif res != INDEX_RESOLUTION:
            raise ValueError(f"cells of resolution {res} are not scored (use 5 or >= 7)")
        return self._index7.get(c, 0.0)

    def level_cell(self, cell: int | str) -> int:
        """Computed level of a cell (see :meth:`score_cell`), before overrides."""
        return int(level_for(self.score_cell(cell)))

    def score_point(self, lat: float, lon: float) -> float:
        """Score of the resolution-7 cell containing (lat, lon); about a microsecond."""
        _check_latlon(lat, lon)
        return self._index7.get(_h3i.latlng_to_cell(lat, lon, INDEX_RESOLUTION), 0.0)

    def level_point(
        self,
        lat: float,
        lon: float,
        overrides: Iterable[Override] = (),
        at: float | datetime | None = None,
    ) -> int:
        """Level at (lat, lon), after any override in force at ``at`` (default: the surface's).

        Examples
        --------
        >>> import h3
        >>> from jsms.threat.risk import build_surface
        >>> s = build_surface([], [], [], at=0.0)
        >>> s.level_point(30.19, 67.01)
        1
        >>> o = Override(cells=[h3.latlng_to_cell(30.19, 67.01, 5)], level=5, reason="warning",
        ...              expires_at=3600.0)
        >>> s.level_point(30.19, 67.01, [o])
        5
        """
        _check_latlon(lat, lon)
        cell = _h3i.latlng_to_cell(lat, lon, INDEX_RESOLUTION)
        level = int(level_for(self._index7.get(cell, 0.0)))
        if not overrides:
            return level
        return apply_overrides(level, overrides, self.at if at is None else at, cell=cell)

    def scores_for(self, cells: np.ndarray | Sequence[int]) -> np.ndarray:
        """Scores of many resolution-7 cells at once (0 where none), by binary search."""
        c = as_cells(cells)
        if self.cells7.size == 0:
            return np.zeros(c.shape, dtype=np.float64)
        i = np.searchsorted(self.cells7, c)
        i = np.minimum(i, self.cells7.size - 1)
        return np.where(self.cells7[i] == c, self.scores7[i], 0.0)

    def area_level(self, cells: np.ndarray | Sequence[int], *, support: int = 1) -> int:
        """Level of a district or province given all its resolution-7 cells (:func:`area_level`)."""
        return area_level(self.scores_for(cells), support=support)

    def score_line(
        self, coords: Sequence[tuple[float, float]] | np.ndarray, step_km: float = 1.0
    ) -> LineScore:
        """Score a route given as (lat, lon) vertices, sampled every ``step_km``.

        The line is cut into ``ceil(length / step_km)`` equal pieces (each at most ``step_km``)
        and the cell under the middle of each piece is looked up; exposure is the sum of score x
        piece length. The two ends are looked up too, for the maximum and the cells. Pieces are
        interpolated linearly in lat/lon between vertices, which is what routes drawn on a map
        mean. With the default 1 km step (below the 1.2 km edge of a resolution-7 cell) a cell
        is missed only where the line clips its corner.

        Parameters
        ----------
        coords : sequence of (lat, lon) or array of shape (n, 2)
            Route vertices; a single vertex is scored as a point of length 0.
        step_km : float, default 1.0
            Sampling distance.

        Returns
        -------
        LineScore

        Examples
        --------
        >>> import h3
        >>> from jsms.threat.risk import build_surface
        >>> quetta = h3.str_to_int(h3.latlng_to_cell(30.19, 67.01, 7))
        >>> s = build_surface([quetta], [0.0], [10.0], at=0.0)
        >>> r = s.score_line([(30.0, 67.01), (30.4, 67.01)])
        >>> r.max_level, round(r.length_km), r.exposure > 0
        (4, 44, True)
        """
        if not step_km > 0:
            raise ValueError("step_km must be > 0")
        pts = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        if pts.shape[0] == 0:
            raise ValueError("a line needs at least one point")
        lat, lon = pts[:, 0], pts[:, 1]
        if not (
            np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 180.0) and np.isfinite(pts).all()
        ):
            raise ValueError("coordinates out of range (expected (lat, lon) pairs)")
        seg = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) / 1000.0
        length = float(seg.sum())
        if length > 0:
            pieces = max(1, math.ceil(length / step_km - 1e-9))
            piece = length / pieces
            along = np.concatenate(([0.0], (np.arange(pieces) + 0.5) * piece, [length]))
            cum = np.concatenate(([0.0], np.cumsum(seg)))
            j = np.clip(np.searchsorted(cum, along, side="right") - 1, 0, seg.size - 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(seg[j] > 0, (along - cum[j]) / seg[j], 0.0)
            t = np.clip(t, 0.0, 1.0)
            s_lat = lat[j] + t * (lat[j + 1] - lat[j])
            s_lon = lon[j] + t * (lon[j + 1] - lon[j])
        else:
            piece, s_lat, s_lon = 0.0, lat[:1], lon[:1]
        to_cell = _h3i.latlng_to_cell
        points = list(zip(s_lat.tolist(), s_lon.tolist(), strict=True))
        cells = [to_cell(a, b, INDEX_RESOLUTION) for a, b in points]
        first_points: dict[int, tuple[float, float]] = {}
        for cell, point in zip(cells, points, strict=True):
            first_points.setdefault(cell, point)
        scores = self.scores_for(np.array(cells, dtype=np.uint64))
        exposure = float(scores[1:-1].sum() * piece) if length > 0 else 0.0
        max_score = float(scores.max())
        return LineScore(
            length_km=length,
            samples=len(cells),
            exposure=exposure,
            max_score=max_score,
            max_level=int(level_for(max_score)),
            cells=tuple(first_points),
            cell_points=tuple(first_points.values()),
        )

    def to_geojson(self, resolution: int = REGION_RESOLUTION, min_level: int = 2) -> dict:
        """Cells at ``min_level`` or above as a GeoJSON FeatureCollection for the map.

        Each feature is the cell's hexagon (closed ring, [lon, lat] order as RFC 7946 says) with
        properties ``cell`` (hex string), ``resolution``, ``score``, ``level`` and ``name``.

        Examples
        --------
        >>> import h3
        >>> from jsms.threat.risk import build_surface
        >>> quetta = h3.str_to_int(h3.latlng_to_cell(30.19, 67.01, 7))
        >>> fc = build_surface([quetta], [0.0], [10.0], at=0.0).to_geojson(7, min_level=2)
        >>> len(fc["features"]), sorted(f["properties"]["level"] for f in fc["features"])
        (7, [2, 2, 2, 2, 2, 2, 4])
        """
        if resolution == INDEX_RESOLUTION:
            cells, scores = self.cells7, self.scores7
        elif resolution == REGION_RESOLUTION:
            cells, scores = self.cells5, self.scores5
        else:
            raise ValueError(f"resolution must be {REGION_RESOLUTION} or {INDEX_RESOLUTION}")
        levels = level_for(scores)
        keep = np.flatnonzero(levels >= min_level)
        features = []
        for i in keep.tolist():
            cell = int(cells[i])
            ring = [[lng, lat] for lat, lng in _h3i.cell_to_boundary(cell)]
            ring.append(ring[0])
            level = int(levels[i])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {
                        "cell": _h3i.int_to_str(cell),
                        "resolution": resolution,
                        "score": round(float(scores[i]), 3),
                        "level": level,
                        "name": THREAT_LEVELS[level - 1],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}
