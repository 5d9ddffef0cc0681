"""Edge risk for the router: the threat surface integrated along every road edge.

``risk(edge) = (sum over the edge's samples of score(cell) x km + chokepoint penalties)
x night factor``, in the exposure unit of the risk surface (score x km, as
``RiskSurface.score_line``). Everything geometric (which cell each piece of road is in, which
edges pass a chokepoint) is precomputed, so :func:`reweight` after a new incident is a binary
search of the graph's distinct cells into the new surface plus two array gathers: well under a
second for millions of edges.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from jsms.geo.roads import RoadDataError, RoadGraph

__all__ = [
    "NIGHT_FACTOR",
    "Chokepoint",
    "chokepoint_edges",
    "load_chokepoints",
    "reweight",
]

NIGHT_FACTOR = 1.5
"""Risk multiplier for movements in darkness. Convoy SOPs in Pakistan restrict movement after
dark because ambushes and IED emplacement need less concealment, escorts see less and
quick-reaction forces take longer; 1.5 makes a night leg count half again its daytime risk,
enough to prefer a daylight alternative of similar exposure without dwarfing the threat map."""

_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Chokepoint:
    """A bridge, tunnel, bazaar or gate a movement cannot avoid once on that road."""

    name: str
    lat: float
    lon: float
    radius_m: float
    risk_weight: float
    reason: str
    source: str
    approximate: bool = True


def load_chokepoints(text: str | None = None) -> tuple[Chokepoint, ...]:
    """The chokepoints of ``data/chokepoints.json`` (or of ``text``), validated."""
    if text is None:
        return _packaged_chokepoints()
    return _parse_chokepoints(text)


@cache
def _packaged_chokepoints() -> tuple[Chokepoint, ...]:
    return _parse_chokepoints(
        resources.files("jsms.geo.data").joinpath("chokepoints.json").read_text("utf-8")
    )


def _parse_chokepoints(text: str) -> tuple[Chokepoint, ...]:
    try:
        rows = json.loads(text)["chokepoints"]
        points = tuple(
            Chokepoint(
                name=str(r["name"]),
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                radius_m=float(r["radius_m"]),
                risk_weight=float(r["risk_weight"]),
                reason=str(r["reason"]),
                source=str(r["source"]),
                approximate=bool(r.get("approximate", True)),
            )
            for r in rows
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise RoadDataError(f"chokepoints.json: malformed ({type(exc).__name__}: {exc})") from None
    for p in points:
        if (
            not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180)
            or p.radius_m <= 0
            or p.risk_weight < 0
        ):
            raise RoadDataError(
                f"chokepoints.json: bad coordinates, radius or weight for {p.name!r}"
            )
    return points


# Per graph: {chokepoints: (edge sets, penalty vector)}. Geometry never changes for a graph, so
# this is computed once; a WeakKeyDictionary lets graphs be garbage-collected.
_CHOKE_CACHE: weakref.WeakKeyDictionary[
    RoadGraph, dict[tuple[Chokepoint, ...], tuple[tuple[np.ndarray, ...], np.ndarray]]
] = weakref.WeakKeyDictionary()


def _edges_near(graph: RoadGraph, point: Chokepoint) -> np.ndarray:
    """Edges whose straight segment passes within the chokepoint's radius."""
    lat, lon, tail, head = graph.lat, graph.lon, graph.tail, graph.head
    dlat = np.degrees(point.radius_m / _EARTH_RADIUS_M)
    coslat = max(np.cos(np.radians(point.lat)), 1e-6)
    dlon = dlat / coslat
    la, lb, oa, ob = lat[tail], lat[head], lon[tail], lon[head]
    near = (
        (np.minimum(la, lb) <= point.lat + dlat)
        & (np.maximum(la, lb) >= point.lat - dlat)
        & (np.minimum(oa, ob) <= point.lon + dlon)
        & (np.maximum(oa, ob) >= point.lon - dlon)
    )
    cand = np.flatnonzero(near)
    if cand.size == 0:
        return cand
    k = np.radians(1.0) * _EARTH_RADIUS_M  # metres per degree of latitude
    x1, y1 = (oa[cand] - point.lon) * k * coslat, (la[cand] - point.lat) * k
    x2, y2 = (ob[cand] - point.lon) * k * coslat, (lb[cand] - point.lat) * k
    dx, dy = x2 - x1, y2 - y1
    seg2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(seg2 > 0, -(x1 * dx + y1 * dy) / seg2, 0.0), 0.0, 1.0)
    dist = np.hypot(x1 + t * dx, y1 + t * dy)
    return cand[dist <= point.radius_m]


def _choke(
    graph: RoadGraph, chokepoints: tuple[Chokepoint, ...]
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    per_graph = _CHOKE_CACHE.setdefault(graph, {})
    if chokepoints not in per_graph:
        sets = tuple(_edges_near(graph, p) for p in chokepoints)
        penalty = np.zeros(graph.n_edges)
        for p, edges in zip(chokepoints, sets, strict=True):
            penalty[edges] += p.risk_weight
        per_graph[chokepoints] = (sets, penalty)
    return per_graph[chokepoints]


def chokepoint_edges(
    graph: RoadGraph, chokepoints: Sequence[Chokepoint] | None = None
) -> dict[str, np.ndarray]:
    """Edge indices within each chokepoint's radius, by name (default: the packaged list)."""
    points = load_chokepoints() if chokepoints is None else tuple(chokepoints)
    sets, _ = _choke(graph, points)
    return {p.name: edges for p, edges in zip(points, sets, strict=True)}


def reweight(
    graph: RoadGraph,
    surface: object,
    *,
    night: bool = False,
    chokepoints: Sequence[Chokepoint] | None = None,
    night_factor: float = NIGHT_FACTOR,
) -> np.ndarray:
    """Risk of every edge (float64, score x km) on ``surface`` (a ``jsms.threat.risk.RiskSurface``).

    Each distinct cell of the graph is scored once (binary search into ``surface.cells7``),
    samples gather their cell's score times their length, and ``np.add.reduceat`` sums them per
    edge. Chokepoints (default: the packaged list; ``()`` for none) add their ``risk_weight``
    to every edge within their radius. At night everything is multiplied by ``night_factor``.
    """
    if night_factor < 1.0:
        raise ValueError("night_factor must be >= 1")
    cell_scores = np.asarray(surface.scores_for(graph.cell_table), dtype=np.float64)  # type: ignore[attr-defined]
    per_sample = cell_scores[graph.sample_cell]
    per_sample *= graph.sample_len_m
    per_sample *= 1e-3  # metres -> km
    risk = np.add.reduceat(per_sample, graph.sample_indptr[:-1]) if graph.n_edges else np.zeros(0)
    points = load_chokepoints() if chokepoints is None else tuple(chokepoints)
    if points:
        risk += _choke(graph, points)[1]
    if night:
        risk *= night_factor
    return risk
