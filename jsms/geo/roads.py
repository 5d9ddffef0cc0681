"""Road graph: a compact, array-only directed graph of drivable roads, ready for routing.

Why arrays: a national graph has millions of edges; one Python object per edge would take
gigabytes and make re-weighting after each new incident a Python loop. Here every attribute is
one NumPy array, edges are stored in CSR order (the out-edges of node ``u`` are
``indptr[u]:indptr[u + 1]``), and everything the risk-aware router needs per edge is computed
ONCE when the graph is built:

* ``length_m`` and ``time_s`` (from OSM ``maxspeed`` or the highway class defaults);
* ``edge_cell``: the resolution-7 H3 cell of the edge's midpoint;
* risk samples: every edge is cut into pieces of at most :data:`SAMPLE_STEP_M` and the H3 cell
  under each piece is stored (``sample_indptr`` / ``sample_cell`` / ``sample_len_m``, another
  CSR), so the risk of a 30 km corridor edge integrates the threat surface along the edge
  instead of at one point. Cells are stored once in the sorted ``cell_table`` and samples point
  into it, so a re-weight scores each distinct cell once and then only gathers.

Graphs come from OpenStreetMap (:mod:`jsms.geo.roads_osm`: OSM XML, PBF, Overpass JSON) or from
the built-in national corridors (:mod:`jsms.geo.roads_national`); both go through
:func:`jsms.geo.roads_build.build_graph` (re-exported here with the importers). They are saved
as a compressed ``.npz`` (:meth:`RoadGraph.save`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "DEFAULT_GRAPH_PATH",
    "DEFAULT_REACH_M",
    "DEFAULT_SPEEDS_KMH",
    "FORMAT_VERSION",
    "H3_RESOLUTION",
    "SAMPLE_STEP_M",
    "RoadDataError",
    "RoadGraph",
    "build_graph",
    "default_graph_path",
    "from_osm_xml",
    "from_overpass_json",
    "from_pbf",
    "haversine_m",
    "load_graph",
    "national_corridors",
    "read_osm",
]

H3_RESOLUTION = 7
"""Resolution of the risk cells (the risk surface's ``INDEX_RESOLUTION``)."""

SAMPLE_STEP_M = 1000.0
"""Longest piece of an edge scored by one cell: below the ~1.2 km edge of a resolution-7 cell,
the same step as ``RiskSurface.score_line``, so a cell is missed only where a road clips its
corner."""

FORMAT_VERSION = 1
DEFAULT_GRAPH_PATH = Path("var/roads.npz")
# How far a place may lie from the nearest road node and still be routed from it: a real
# street graph has a node every few hundred metres, so 2 km means "outside this extract".
DEFAULT_REACH_M = 2_000.0
META_FIELDS = ("names", "source", "reach_m")

# Free-flow car speeds (km/h) by OSM highway class where a way has no usable ``maxspeed``.
# Conservative for Pakistani traffic: motorways are posted 120 but trucks and checkpoints bring
# the average down; city classes reflect congested Karachi/Lahore streets.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 50.0,
    "trunk": 80.0,
    "trunk_link": 40.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 30.0,
}

_EARTH_RADIUS_M = 6_371_008.8


class RoadDataError(ValueError):
    """A road file or graph that cannot be used; the message names the file and the problem."""


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distances in metres, element-wise (degrees in)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph in CSR form (see the module docstring).

    ``eq=False`` keeps identity hashing, so routers and caches can key on the graph object.

    Attributes
    ----------
    lat, lon : float64 (n_nodes,)
    node_osm_id : int64 (n_nodes,)
        OSM node id, or -1 for nodes JSMS made (densified corridor points).
    node_name : int32 (n_nodes,)
        Index into ``names`` (towns of the national graph), -1 for none.
    indptr : int64 (n_nodes + 1,)
    head : int32 (n_edges,)
        Target node of each edge; the source is implied by ``indptr`` (see :attr:`tail`).
    length_m, time_s : float32 (n_edges,)
    edge_name : int32 (n_edges,)
        Index into ``names`` (road ref and name), -1 for none.
    edge_cell : uint64 (n_edges,)
        Resolution-7 H3 cell of the edge midpoint.
    cell_table : uint64 (n_cells,)
        Sorted distinct cells of all samples.
    sample_indptr : int64 (n_edges + 1,)
    sample_cell : int32 (n_samples,)
        Index into ``cell_table`` of each sample; every edge has at least one.
    sample_len_m : float32 (n_samples,)
        Length of road each sample stands for (sums to the edge length).
    names : tuple of str
    source : str
        Where the graph came from, for display.
    reach_m : float
        Farthest a route's end may lie from the nearest node; beyond it the place is outside
        the graph's coverage and routing refuses rather than snapping across the map.
    """

    lat: np.ndarray
    lon: np.ndarray
    node_osm_id: np.ndarray
    node_name: np.ndarray
    indptr: np.ndarray
    head: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    edge_name: np.ndarray
    edge_cell: np.ndarray
    cell_table: np.ndarray
    sample_indptr: np.ndarray
    sample_cell: np.ndarray
    sample_len_m: np.ndarray
    names: tuple[str, ...] = ()
    source: str = ""
    reach_m: float = DEFAULT_REACH_M

    @property
    def n_nodes(self) -> int:
        return int(self.lat.size)

    @property
    def n_edges(self) -> int:
        return int(self.head.size)

    @cached_property
    def tail(self) -> np.ndarray:
        """Source node of each edge (int32), expanded from ``indptr`` once."""
        degree = np.diff(self.indptr)
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), degree)

    @property
    def speed_kmh(self) -> np.ndarray:
        """Speed of each edge, derived from length and time."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.time_s > 0, self.length_m / self.time_s * 3.6, 0.0)

    @cached_property
    def _name_index(self) -> dict[str, int]:
        from jsms.geo.gazetteer import normalize_name

        used = np.unique(self.node_name[self.node_name >= 0])
        index: dict[str, int] = {}
        for name_id in used.tolist():
            nodes = np.flatnonzero(self.node_name == name_id)
            index.setdefault(normalize_name(self.names[name_id]), int(nodes[0]))
        return index

    def node_named(self, name: str) -> int:
        """The node of a named place (national graph towns), by name or gazetteer alias."""
        from jsms.geo.gazetteer import load_gazetteer, normalize_name

        key = normalize_name(name)
        if key in self._name_index:
            return self._name_index[key]
        for place in load_gazetteer().lookup(name):  # an alias: 'Bisham' is Besham
            for other in (place.name, *place.aliases):
                if normalize_name(other) in self._name_index:
                    return self._name_index[normalize_name(other)]
        raise KeyError(f"no node named {name!r} in this road graph")

    def edge_ids(self, nodes: Sequence[int] | np.ndarray) -> np.ndarray:
        """Edge index of each consecutive pair of a node path (-1 where there is no edge).

        Vectorised over the path: the k-th out-edge of every node is tested at once, for k up
        to the largest out-degree on the path (a handful on road networks).
        """
        path = np.asarray(nodes, dtype=np.int64)
        if path.size < 2:
            return np.zeros(0, dtype=np.int64)
        u, v = path[:-1], path[1:]
        start, stop = self.indptr[u], self.indptr[u + 1]
        found = np.full(u.size, -1, dtype=np.int64)
        for k in range(int((stop - start).max(initial=0))):
            candidate = start + k
            ok = (candidate < stop) & (found < 0)
            hit = ok & (self.head[np.minimum(candidate, self.n_edges - 1)] == v)
            found[hit] = candidate[hit]
        return found

    def summary(self) -> str:
        km = float(self.length_m.sum(dtype=np.float64)) / 1000.0
        return (
            f"{self.n_nodes:,} nodes, {self.n_edges:,} edges, {km:,.0f} km of directed road, "
            f"{self.sample_cell.size:,} risk samples in {self.cell_table.size:,} H3 cells"
        )

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the graph as a compressed ``.npz`` (parent folders are created)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in META_FIELDS}
        meta = {
            "version": FORMAT_VERSION,
            "names": list(self.names),
            "source": self.source,
            "reach_m": self.reach_m,
        }
        with target.open("wb") as handle:
            np.savez_compressed(handle, meta=np.array(json.dumps(meta)), **arrays)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RoadGraph:
        """Read a graph written by :meth:`save`; :class:`RoadDataError` if it is not one."""
        source = Path(path)
        if not source.is_file():
            raise RoadDataError(
                f"{source}: no road graph there (build one with `jsms geo import-osm`)"
            )
        try:
            with np.load(source, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("version") != FORMAT_VERSION:
                    raise RoadDataError(
                        f"{source}: road graph format {meta.get('version')!r}, expected "
                        f"{FORMAT_VERSION}; re-import it"
                    )
                arrays = {f.name: data[f.name] for f in fields(cls) if f.name not in META_FIELDS}
        except RoadDataError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise RoadDataError(f"{source}: not a JSMS road graph ({exc})") from None
        graph = cls(
            **arrays,
            names=tuple(meta.get("names", ())),
            source=str(meta.get("source", "")),
            reach_m=float(meta.get("reach_m", DEFAULT_REACH_M)),
        )
        _check(graph, str(source))
        return graph


def _check(graph: RoadGraph, what: str) -> None:
    """Structural checks that catch truncated or hand-edited files before routing on them."""
    n, m = graph.n_nodes, graph.n_edges
    problems = []
    if graph.indptr.shape != (n + 1,) or graph.indptr[0] != 0 or graph.indptr[-1] != m:
        problems.append("indptr does not match the node and edge counts")
    if m and (graph.head.min() < 0 or graph.head.max() >= n):
        problems.append("edge heads out of range")
    for name in ("length_m", "time_s", "edge_name", "edge_cell"):
        if getattr(graph, name).shape != (m,):
            problems.append(f"{name} has the wrong length")
    if graph.sample_indptr.shape != (m + 1,) or graph.sample_indptr[-1] != graph.sample_cell.size:
        problems.append("sample_indptr does not match the samples")
    if graph.sample_cell.size and graph.sample_cell.max() >= graph.cell_table.size:
        problems.append("sample cells out of range")
    if problems:
        raise RoadDataError(f"{what}: corrupt road graph: {'; '.join(problems)}")


def default_graph_path() -> Path:
    """Where `jsms geo import-osm` writes and the router reads: ``$JSMS_ROAD_GRAPH`` or var/."""
    configured = os.environ.get("JSMS_ROAD_GRAPH")
    return Path(configured) if configured else DEFAULT_GRAPH_PATH


def load_graph(path: str | os.PathLike[str] | None = None) -> RoadGraph:
    """Load the configured road graph (see :func:`default_graph_path`)."""
    return RoadGraph.load(path if path is not None else default_graph_path())


# The importers live in their own modules (one concept each) and are re-exported here lazily
# (PEP 562), so callers have one place to import from without a circular import.
if TYPE_CHECKING:  # for type checkers and linters; at run time __getattr__ below imports them
    from jsms.geo.roads_build import build_graph
    from jsms.geo.roads_national import national_corridors
    from jsms.geo.roads_osm import from_osm_xml, from_overpass_json, from_pbf, read_osm

_REEXPORTS = {
    "build_graph": "jsms.geo.roads_build",
    "national_corridors": "jsms.geo.roads_national",
    "from_osm_xml": "jsms.geo.roads_osm",
    "from_overpass_json": "jsms.geo.roads_osm",
    "from_pbf": "jsms.geo.roads_osm",
    "read_osm": "jsms.geo.roads_osm",
}


def __getattr__(name: str) -> object:
    if name in _REEXPORTS:
        import importlib

        return getattr(importlib.import_module(_REEXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
