"""Shortest paths for the router: scipy's C Dijkstra, made target-directed with ALT.

scipy.sparse.csgraph's Dijkstra (Fibonacci heap, C) runs on a CSR matrix that shares the
graph's ``indptr``/``head`` arrays; a new weighting only supplies a new ``data`` array, so
re-weighting never rebuilds anything. scipy has no target-directed search, so on large graphs
(:data:`ALT_MIN_EDGES`) :class:`Router` turns it into A* with landmarks (ALT): from
:data:`N_LANDMARKS` spread landmarks, drive times to and from every node are computed once per
graph; for a target ``t`` they give a consistent lower bound ``h`` on the remaining drive time,
which also bounds every risk-aware criterion since risk only adds. Dijkstra on the reduced
weights ``w + h(head) - h(tail)`` is exactly A*, and its ``limit`` argument stops it once
everything cheaper than the target is settled. The limit starts small and grows until the
target is reached (or jumps to a known upper bound: the cost of a path already found).

Why not plain Dijkstra: it settles the whole graph for every query (~30 ms per 1M edges on
this machine, and scipy cannot stop at the target); ALT settles a few percent of it. Why not
networkx or a pure-Python A*: a Python heap loop is 20-100 times slower. Why not contraction
hierarchies: their preprocessing must be redone for every new weighting, i.e. after every
incident, which would break the one-second re-weighting budget.
"""

from __future__ import annotations

import weakref

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from jsms.geo.roads import RoadGraph

__all__ = [
    "ACTIVE_LANDMARKS",
    "ALT_MIN_EDGES",
    "N_LANDMARKS",
    "NoRouteError",
    "Router",
    "router_for",
]

ALT_MIN_EDGES = 100_000
N_LANDMARKS = 8
ACTIVE_LANDMARKS = 4
_BIG = 1e15  # "cannot reach the target" in heuristic space (finite: keeps reduced weights sane)
_EARTH_RADIUS_M = 6_371_008.8


class NoRouteError(LookupError):
    """No road connects the origin to the destination."""


class OutsideCoverage(NoRouteError):
    """An end of the journey lies beyond the graph's reach: routing there would snap the
    place onto a road kilometres away and report a journey that is not the real one."""

    def __init__(self, end: str, distance_m: float, graph: RoadGraph) -> None:
        self.end = end
        self.distance_m = distance_m
        self.graph_source = graph.source or "the road graph"
        super().__init__(
            f"the {end} lies {distance_m / 1000:.1f} km from the nearest road of "
            f"{self.graph_source}, beyond its reach of {graph.reach_m / 1000:.1f} km"
        )


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


class Router:
    """Search structures for one graph, built once: CSR index arrays, the main strongly
    connected component, a KD-tree for snapping, and (large graphs) ALT landmarks.

    Use :func:`router_for` to get the cached router of a graph.
    """

    def __init__(self, graph: RoadGraph, *, use_alt: bool | None = None) -> None:
        self.graph = graph
        n = graph.n_nodes
        self._indptr = graph.indptr.astype(np.int32 if graph.n_edges < 2**31 else np.int64)
        self._indices = graph.head
        self.time = graph.time_s.astype(np.float64)
        self.use_alt = graph.n_edges >= ALT_MIN_EDGES if use_alt is None else use_alt
        if n:
            _, labels = connected_components(
                self.matrix(self.time), directed=True, connection="strong"
            )
            self.main = labels == np.argmax(np.bincount(labels))
        else:
            self.main = np.zeros(0, dtype=bool)
        self._snap_nodes = np.flatnonzero(self.main)
        self._tree = (
            cKDTree(_unit_vectors(graph.lat[self.main], graph.lon[self.main])) if n else None
        )
        self._landmarks: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._h_cache: tuple[tuple[int, int | None], np.ndarray] | None = None

    def matrix(self, weights: np.ndarray) -> csr_matrix:
        """A CSR matrix over the graph's own index arrays with ``weights`` as data (no copy)."""
        n = self.graph.n_nodes
        return csr_matrix((weights, self._indices, self._indptr), shape=(n, n), copy=False)

    def snap(self, lat: float, lon: float) -> tuple[int, float]:
        """Nearest node of the main connected component and its distance in metres."""
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise ValueError(f"coordinates out of range: lat={lat}, lon={lon}")
        if self._tree is None or self._snap_nodes.size == 0:
            raise NoRouteError("the road graph is empty")
        chord, i = self._tree.query(_unit_vectors(np.array([lat]), np.array([lon]))[0])
        metres = 2 * _EARTH_RADIUS_M * np.arcsin(min(float(chord) / 2, 1.0))
        return int(self._snap_nodes[int(i)]), float(metres)

    # -- ALT ---------------------------------------------------------------------------------

    def landmarks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(landmark nodes, time from each landmark to every node, time from every node to it).

        Landmarks are spread by farthest-point selection on the sphere over the main component
        (cheap, and on road networks as good as the costlier graph-distance selection).
        """
        if self._landmarks is None:
            graph = self.graph
            nodes = self._snap_nodes
            xyz = _unit_vectors(graph.lat[nodes], graph.lon[nodes])
            centre = xyz.mean(axis=0)
            chosen = [int(np.argmax(((xyz - centre) ** 2).sum(axis=1)))]
            mind = ((xyz - xyz[chosen[0]]) ** 2).sum(axis=1)
            for _ in range(min(N_LANDMARKS, nodes.size) - 1):
                nxt = int(np.argmax(mind))
                chosen.append(nxt)
                mind = np.minimum(mind, ((xyz - xyz[nxt]) ** 2).sum(axis=1))
            marks = nodes[np.array(chosen)]
            forward = self.matrix(self.time)
            backward = forward.T.tocsr()
            dist_from = dijkstra(forward, directed=True, indices=marks)
            dist_to = dijkstra(backward, directed=True, indices=marks)
            self._landmarks = (marks, dist_from, dist_to)
        return self._landmarks

    def heuristic(self, target: int, source: int | None = None) -> np.ndarray:
        """ALT lower bound on the drive time from every node to ``target`` (cached per target)."""
        if self._h_cache is not None and self._h_cache[0] == (target, source):
            return self._h_cache[1]
        _, dist_from, dist_to = self.landmarks()
        df_t = dist_from[:, target]
        dt_t = dist_to[:, target]
        if source is not None:  # keep the landmarks that bound this pair best
            bound = np.maximum(df_t - dist_from[:, source], dist_to[:, source] - dt_t)
            active = np.argsort(-np.nan_to_num(bound, nan=-np.inf))[:ACTIVE_LANDMARKS]
        else:
            active = np.arange(df_t.size)
        h = np.zeros(self.graph.n_nodes)
        with np.errstate(invalid="ignore"):
            for k in active.tolist():
                np.maximum(h, df_t[k] - dist_from[k], out=h)
                np.maximum(h, dist_to[k] - dt_t[k], out=h)
        np.minimum(np.nan_to_num(h, nan=0.0, posinf=_BIG), _BIG, out=h)
        self._h_cache = ((target, source), h)
        return h

    # -- search ------------------------------------------------------------------------------

    def shortest(
        self, weights: np.ndarray, source: int, target: int, *, upper: float = np.inf
    ) -> tuple[np.ndarray, float] | None:
        """Cheapest path (nodes) and its cost under ``weights``, or None if unreachable.

        ``upper``: the cost of any known source-target path (bounds the search).
        """
        if source == target:
            return np.array([source]), 0.0
        if not self.use_alt:
            dist, pred = dijkstra(
                self.matrix(weights),
                directed=True,
                indices=source,
                limit=upper * (1 + 1e-9),
                return_predecessors=True,
            )
            if not np.isfinite(dist[target]):
                return None
            return self._path(pred, source, target), float(dist[target])
        h = self.heuristic(target, source)
        tail = self.graph.tail
        reduced = weights + h[self._indices]
        reduced -= h[tail]
        np.maximum(reduced, 0.0, out=reduced)  # rounding only: h is consistent
        matrix = self.matrix(reduced)
        h_s = float(h[source])
        if h_s >= _BIG:
            return None
        ceiling = (upper - h_s) * (1 + 1e-9) + 1e-6 if np.isfinite(upper) else np.inf
        limit = max(0.05 * h_s, 60.0)
        while True:
            lim = min(limit, ceiling)
            if limit > 8 * max(h_s, 60.0):
                lim = ceiling
            dist, pred = dijkstra(
                matrix, directed=True, indices=source, limit=lim, return_predecessors=True
            )
            if np.isfinite(dist[target]):
                path = self._path(pred, source, target)
                return path, float(weights[self.graph.edge_ids(path)].sum())
            if lim >= ceiling:
                return None
            limit *= 3.0

    @staticmethod
    def _path(pred: np.ndarray, source: int, target: int) -> np.ndarray:
        path = [target]
        node = target
        while node != source:
            node = int(pred[node])
            if node < 0:  # pragma: no cover - scipy guarantees a chain for finite distances
                raise NoRouteError("broken predecessor chain")
            path.append(node)
        return np.array(path[::-1], dtype=np.int64)


_ROUTERS: weakref.WeakKeyDictionary[RoadGraph, Router] = weakref.WeakKeyDictionary()


def router_for(graph: RoadGraph) -> Router:
    """The cached :class:`Router` of a graph (built on first use)."""
    router = _ROUTERS.get(graph)
    if router is None:
        router = _ROUTERS[graph] = Router(graph)
    return router
