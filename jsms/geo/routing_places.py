"""Jurisdictions a route crosses, in order, with the points where it crosses.

A movement needs the escort and permissions of every province (and district) it passes
through, handed over at the boundary, so the planner lists them with the crossing points. The
route is sampled every ``step_m`` with a ``locate(lat, lon) -> name | None`` callable and each
change is bisected along the route to ``tol_m`` (about 100 m): a handful of extra lookups per
boundary instead of sampling the whole route finely. A jurisdiction entered for less than one
step can be missed; with the default 1 km step that is a road clipping a boundary corner.

Locators: :func:`gazetteer_locator` (nearest-place provinces, always available, a few km off
near boundaries) and :func:`polygon_locator` (boundary polygons, e.g. the shared
``provinces.geojson``, exact to the polygons).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jsms.geo.roads import haversine_m

__all__ = [
    "Crossing",
    "Locate",
    "gazetteer_locator",
    "jurisdictions_along",
    "polygon_locator",
]

Locate = Callable[[float, float], "str | None"]


@dataclass(frozen=True)
class Crossing:
    """A stretch of the route in one jurisdiction: where it is entered and where it is left.

    ``enter`` is the route start for the first stretch and ``exit`` the route end for the last;
    in between they are boundary crossing points (lat, lon), located to about 100 m.
    """

    jurisdiction: str
    enter: tuple[float, float]
    exit: tuple[float, float]


def _point_at(
    lat: np.ndarray, lon: np.ndarray, cum: np.ndarray, along: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Points at distances ``along`` the polyline (linear between vertices)."""
    d = np.atleast_1d(np.asarray(along, dtype=np.float64))
    seg = np.diff(cum)
    j = np.clip(np.searchsorted(cum, d, side="right") - 1, 0, seg.size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(seg[j] > 0, (d - cum[j]) / seg[j], 0.0), 0.0, 1.0)
    return lat[j] + t * (lat[j + 1] - lat[j]), lon[j] + t * (lon[j + 1] - lon[j])


def jurisdictions_along(
    coordinates: Sequence[tuple[float, float]] | np.ndarray,
    locate: Locate,
    *,
    step_m: float = 1000.0,
    tol_m: float = 100.0,
    max_samples: int = 4000,
) -> list[Crossing]:
    """Jurisdictions along a (lat, lon) polyline in travel order (see the module docstring).

    Stretches where ``locate`` answers None (sea, abroad) are left out; a jurisdiction left and
    re-entered across such a gap is one entry. The step grows for very long routes so that at
    most ``max_samples`` points are looked up before bisection.
    """
    pts = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
    if pts.shape[0] == 0:
        return []
    lat, lon = pts[:, 0], pts[:, 1]

    def rounded(a: float, b: float) -> tuple[float, float]:
        return (round(float(a), 6), round(float(b), 6))

    if pts.shape[0] == 1:
        name = locate(float(lat[0]), float(lon[0]))
        return [Crossing(name, rounded(lat[0], lon[0]), rounded(lat[0], lon[0]))] if name else []
    cum = np.concatenate(([0.0], np.cumsum(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]))))
    total = float(cum[-1])
    step = max(step_m, total / max_samples)
    n = max(2, math.ceil(total / step) + 1)
    along = np.linspace(0.0, total, n)
    s_lat, s_lon = _point_at(lat, lon, cum, along)
    labels = [locate(a, b) for a, b in zip(s_lat.tolist(), s_lon.tolist(), strict=True)]

    def at(d: float) -> tuple[float, float]:
        a, b = _point_at(lat, lon, cum, d)
        return float(a[0]), float(b[0])

    # boundaries: (distance, label before, label after)
    changes: list[tuple[float, str | None, str | None]] = []
    for i in range(n - 1):
        before, after = labels[i], labels[i + 1]
        if before == after:
            continue
        lo, hi = float(along[i]), float(along[i + 1])
        while hi - lo > tol_m:
            mid = (lo + hi) / 2
            if locate(*at(mid)) == before:
                lo = mid
            else:
                hi = mid
        changes.append(((lo + hi) / 2, before, after))

    result: list[Crossing] = []
    current, enter = labels[0], at(0.0)
    for where, _before, after in [*changes, (total, None, None)]:
        point = at(where)
        if current is not None:
            if result and result[-1].jurisdiction == current:
                result[-1] = Crossing(current, result[-1].enter, rounded(*point))
            else:
                result.append(Crossing(current, rounded(*enter), rounded(*point)))
        current, enter = after, point
    return result


def gazetteer_locator() -> Locate:
    """Province by nearest gazetteer place (``jsms.geo.gazetteer.province_of``)."""
    from jsms.geo.gazetteer import load_gazetteer, province_of

    gazetteer = load_gazetteer()

    def locate(lat: float, lon: float) -> str | None:
        return province_of(lat, lon, gazetteer)[0]

    return locate


def polygon_locator(
    boundaries: str | os.PathLike[str] | dict[str, Any],
    name_property: str | Sequence[str] = ("adm1_name", "NAME_1", "province", "name"),
) -> Locate:
    """Name of the polygon containing a point, from a GeoJSON FeatureCollection (path or dict).

    Province names are normalised to JSMS spellings (``jsms.geo.geometry.normalise_province``).
    Lookups go through a shapely STRtree, tens of microseconds each.
    """
    from shapely import STRtree
    from shapely.geometry import Point, shape

    from jsms.geo.geometry import normalise_province

    data = boundaries
    if not isinstance(data, dict):
        data = json.loads(Path(boundaries).read_text(encoding="utf-8"))  # type: ignore[arg-type]
    keys = (name_property,) if isinstance(name_property, str) else tuple(name_property)
    geoms, names = [], []
    for feature in data.get("features", ()):
        props = feature.get("properties") or {}
        name = next((props[k] for k in keys if props.get(k)), None)
        if name is None or not feature.get("geometry"):
            continue
        geoms.append(shape(feature["geometry"]))
        names.append(normalise_province(str(name)))
    if not geoms:
        raise ValueError(f"no named polygons (properties {keys}) in the boundary file")
    tree = STRtree(geoms)

    def locate(lat: float, lon: float) -> str | None:
        hits = tree.query(Point(lon, lat), predicate="intersects")
        return names[int(min(hits))] if len(hits) else None

    return locate
