"""Risk-aware routing: fastest, safest and balanced routes on a :class:`RoadGraph`.

Weights
    Every criterion is one weight per edge in seconds: ``time_s + lam * risk`` with ``risk``
    from :func:`reweight` (score x km) and ``lam`` in seconds per score-km:

    ========= ============================ ===================================================
    label     lam                          reads as
    ========= ============================ ===================================================
    fastest   0                            drive time only
    balanced  :data:`BALANCED_LAMBDA` 120  a 10 km stretch through a "Substantial" area
                                           (score 3, exposure 30) is worth an hour of detour
    safest    :data:`SAFEST_LAMBDA` 36000  exposure first (one score-km = 10 h); time only
                                           breaks ties and stops absurd detours for crumbs
    ========= ============================ ===================================================

Search
    :mod:`jsms.geo.routing_engine`: scipy's C Dijkstra on the graph's CSR arrays, made
    target-directed with landmarks (ALT) on large graphs; measured in ``benchmarks/routing.py``.

Alternatives
    Paths found by several criteria are merged (one route, several labels). While fewer than
    ``max_routes`` distinct routes exist, the penalty method looks for another: edges of the
    routes found so far cost ``1 + PENALTY`` times more, and a new path is kept if it is at
    most :data:`MAX_STRETCH` times slower than the fastest and shares at most
    :data:`MAX_OVERLAP` of its length with every route already kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from jsms.geo.daylight import is_night, journey_after_dark
from jsms.geo.roads import RoadGraph
from jsms.geo.routing_engine import (
    ALT_MIN_EDGES,
    NoRouteError,
    OutsideCoverage,
    Router,
    router_for,
)
from jsms.geo.routing_places import (
    Crossing,
    gazetteer_locator,
    jurisdictions_along,
    polygon_locator,
)
from jsms.geo.routing_risk import (
    NIGHT_FACTOR,
    Chokepoint,
    chokepoint_edges,
    load_chokepoints,
    reweight,
)

__all__ = [
    "ALT_MIN_EDGES",
    "BALANCED_LAMBDA",
    "LABELS",
    "MAX_OVERLAP",
    "MAX_STRETCH",
    "NIGHT_FACTOR",
    "SAFEST_LAMBDA",
    "Chokepoint",
    "Crossing",
    "NoRouteError",
    "OutsideCoverage",
    "Route",
    "Router",
    "chokepoint_edges",
    "gazetteer_locator",
    "is_night",
    "jurisdictions_along",
    "load_chokepoints",
    "plan_routes",
    "polygon_locator",
    "reweight",
    "router_for",
]

BALANCED_LAMBDA = 120.0
SAFEST_LAMBDA = 36_000.0
LABELS = ("fastest", "safest", "balanced")
PENALTY = 1.0
MAX_STRETCH = 1.6
MAX_OVERLAP = 0.8


@dataclass(frozen=True)
class Route:
    """One planned route.

    ``exposure`` is the sum of edge risk (score x km, night factor and chokepoints included as
    in the ``edge_risk`` given); ``max_level`` the worst threat level (1..6) of any cell the
    route passes; ``jurisdictions`` the provinces (or whatever ``locate`` names) in order.
    """

    label: str
    labels: tuple[str, ...]
    coordinates: tuple[tuple[float, float], ...]
    distance_m: float
    duration_s: float
    exposure: float
    max_level: int
    jurisdictions: tuple[Crossing, ...]
    chokepoints: tuple[str, ...]
    nodes: np.ndarray = field(repr=False)
    via: tuple[str, ...] = ()
    departure: datetime | None = None
    arrival: datetime | None = None
    after_dark: bool | None = None
    origin_snap_m: float = 0.0
    destination_snap_m: float = 0.0

    def as_geojson(self) -> dict[str, Any]:
        """The route as a GeoJSON Feature ([lon, lat] order) with its figures as properties."""
        return {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[lon, lat] for lat, lon in self.coordinates],
            },
            "properties": {
                "label": self.label,
                "labels": list(self.labels),
                "distance_m": round(self.distance_m, 1),
                "duration_s": round(self.duration_s, 1),
                "exposure": round(self.exposure, 3),
                "max_level": self.max_level,
                "chokepoints": list(self.chokepoints),
                "via": list(self.via),
                "jurisdictions": [
                    {"jurisdiction": c.jurisdiction, "enter": c.enter, "exit": c.exit}
                    for c in self.jurisdictions
                ],
                "departure": self.departure.isoformat() if self.departure else None,
                "arrival": self.arrival.isoformat() if self.arrival else None,
                "after_dark": self.after_dark,
            },
        }


def _overlap(graph: RoadGraph, a: np.ndarray, b: np.ndarray) -> float:
    """Share of path ``a``'s length on edges (either direction) of path ``b``."""
    ea, eb = graph.edge_ids(a), graph.edge_ids(b)
    if ea.size == 0:
        return 1.0
    ta, ha = graph.tail[ea].astype(np.int64), graph.head[ea].astype(np.int64)
    tb, hb = graph.tail[eb].astype(np.int64), graph.head[eb].astype(np.int64)
    n = graph.n_nodes
    key_a = np.minimum(ta, ha) * n + np.maximum(ta, ha)
    key_b = np.minimum(tb, hb) * n + np.maximum(tb, hb)
    shared = np.isin(key_a, key_b)
    length = graph.length_m[ea].astype(np.float64)
    total = length.sum()
    return float(length[shared].sum() / total) if total > 0 else 1.0


def plan_routes(
    graph: RoadGraph,
    edge_risk: np.ndarray,
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    departure: datetime | None = None,
    surface: Any = None,
    locate: Callable[[float, float], str | None] | None = None,
    chokepoints: Sequence[Chokepoint] | None = None,
    max_routes: int = 3,
) -> list[Route]:
    """Up to ``max_routes`` distinct labelled routes from ``origin`` to ``destination``.

    Parameters
    ----------
    graph : RoadGraph
    edge_risk : numpy.ndarray
        Risk per edge from :func:`reweight` (pass ``night=is_night(departure, *origin)`` there
        for a movement in darkness).
    origin, destination : (lat, lon)
        Snapped to the nearest node of the graph's main connected component, if that node is
        within the graph's ``reach_m``.
    departure : aware datetime, optional
        Gives each route its arrival time and whether it runs in darkness.
    surface : RiskSurface, optional
        For ``max_level`` (1 without one).
    locate : callable, optional
        ``(lat, lon) -> jurisdiction name``; no jurisdictions without one.
    chokepoints : sequence of Chokepoint, optional
        To name the chokepoints each route passes (default: the packaged list; ``()``: none).

    Returns
    -------
    list of Route
        "fastest", "safest" and "balanced" first (merged where identical), then penalty-based
        "alternative" routes while fewer than ``max_routes`` are distinct.

    Raises
    ------
    OutsideCoverage
        When an end lies farther than ``graph.reach_m`` from every road of the graph.
    NoRouteError
        When the destination cannot be reached.
    """
    risk = np.asarray(edge_risk, dtype=np.float64)
    if risk.shape != (graph.n_edges,):
        raise ValueError(f"edge_risk must have one value per edge ({graph.n_edges})")
    if risk.size and not (np.isfinite(risk).all() and risk.min() >= 0):
        raise ValueError("edge_risk must be finite and >= 0")
    if departure is not None and departure.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware departure")
    router = router_for(graph)
    source, s_snap = router.snap(*origin)
    target, t_snap = router.snap(*destination)
    for end, snapped in (("origin", s_snap), ("destination", t_snap)):
        if snapped > graph.reach_m:
            raise OutsideCoverage(end, snapped, graph)
    weights = {
        "fastest": router.time,
        "safest": router.time + SAFEST_LAMBDA * risk,
        "balanced": router.time + BALANCED_LAMBDA * risk,
    }
    found = router.shortest(weights["fastest"], source, target)
    if found is None:
        raise NoRouteError("no road connects the origin to the destination")
    paths: list[tuple[np.ndarray, list[str]]] = [(found[0], ["fastest"])]
    for label in ("safest", "balanced"):
        upper = float(weights[label][graph.edge_ids(found[0])].sum())
        result = router.shortest(weights[label], source, target, upper=upper)
        path = found[0] if result is None else result[0]
        for existing, labels in paths:
            if np.array_equal(existing, path):
                labels.append(label)
                break
        else:
            paths.append((path, [label]))

    fastest_time = float(router.time[graph.edge_ids(paths[0][0])].sum())
    attempt = 0
    while len(paths) < max_routes and attempt < 3 and source != target:
        attempt += 1
        penalised = weights["balanced"].copy()
        for path, _ in paths:
            penalised[graph.edge_ids(path)] *= 1.0 + PENALTY * attempt
        result = router.shortest(penalised, source, target)
        if result is None:
            break
        path = result[0]
        duration = float(router.time[graph.edge_ids(path)].sum())
        if duration > MAX_STRETCH * fastest_time:
            break
        if all(_overlap(graph, path, p) <= MAX_OVERLAP for p, _ in paths):
            paths.append((path, ["alternative"]))

    points = load_chokepoints() if chokepoints is None else tuple(chokepoints)
    choke_sets = chokepoint_edges(graph, points) if points else {}
    return [
        _route(
            graph,
            router,
            path,
            tuple(labels),
            risk,
            surface,
            locate,
            choke_sets,
            departure,
            (s_snap, t_snap),
        )
        for path, labels in paths[:max_routes]
    ]


def _route(
    graph: RoadGraph,
    router: Router,
    nodes: np.ndarray,
    labels: tuple[str, ...],
    risk: np.ndarray,
    surface: Any,
    locate: Callable[[float, float], str | None] | None,
    choke_sets: dict[str, np.ndarray],
    departure: datetime | None,
    snaps: tuple[float, float],
) -> Route:
    edges = graph.edge_ids(nodes)
    coords = tuple(zip(graph.lat[nodes].tolist(), graph.lon[nodes].tolist(), strict=True))
    duration = float(router.time[edges].sum())
    max_level = 1
    if surface is not None and edges.size:
        from jsms.threat.risk import level_for

        starts, stops = graph.sample_indptr[edges], graph.sample_indptr[edges + 1]
        counts = stops - starts
        idx = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        idx += np.arange(int(counts.sum()))
        cells = graph.cell_table[np.unique(graph.sample_cell[idx])]
        max_level = int(level_for(float(np.max(surface.scores_for(cells), initial=0.0))))
    passed = tuple(name for name, hit in choke_sets.items() if np.isin(hit, edges).any())
    via = tuple(dict.fromkeys(graph.names[i] for i in graph.node_name[nodes].tolist() if i >= 0))
    arrival = after_dark = None
    if departure is not None:
        arrival = departure + timedelta(seconds=duration)
        after_dark = journey_after_dark(departure, duration, coords[0], coords[-1])
    return Route(
        label=labels[0],
        labels=labels,
        coordinates=coords,
        distance_m=float(graph.length_m[edges].sum(dtype=np.float64)),
        duration_s=duration,
        exposure=float(risk[edges].sum()),
        max_level=max_level,
        jurisdictions=tuple(jurisdictions_along(coords, locate)) if locate else (),
        chokepoints=passed,
        nodes=nodes,
        via=via,
        departure=departure,
        arrival=arrival,
        after_dark=after_dark,
        origin_snap_m=snaps[0],
        destination_snap_m=snaps[1],
    )
