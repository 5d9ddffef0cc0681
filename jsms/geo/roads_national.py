"""The built-in national corridor graph: the highways CPEC movements use, town by town.

Built from facts the project records in ``data/corridors.json``: for each road (N-5, N-25,
N-10, N-35 Karakoram Highway, N-55, the motorways M-1, M-2, M-4, M-5, M-8, M-9, and the access
roads of airports and project sites) the towns it passes, in order, with the page the order
was checked against and an approximate average speed. Towns are geocoded with the gazetteer;
towns it lacks are listed in the file with coordinates, a source and ``approximate: true``.
Consecutive towns are joined by straight segments densified every ``densify_km`` so geometry
and risk sampling stay reasonable. It is a demo graph for planning between towns and sites,
not a street network: distances are straight-line (shorter than the road by 10-30 %) and
durations are indicative.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from jsms.geo.roads import RoadDataError, RoadGraph, haversine_m
from jsms.geo.roads_build import build_graph

__all__ = [
    "Corridor",
    "CorridorTown",
    "load_corridors",
    "national_corridors",
]

# The corridors are town-to-town lines: a project site reaches them by its own access road,
# which runs up to ~30 km in the mountains (Mohmand Dam), so the graph's reach is wider.
NATIONAL_REACH_M = 60_000.0
_NEAR_KM = 50.0  # a "near" hint must be this close to the gazetteer place it picks


@dataclass(frozen=True)
class CorridorTown:
    """A town or site on a corridor, with where its coordinates come from."""

    name: str
    lat: float
    lon: float
    province: str | None
    source: str
    approximate: bool


@dataclass(frozen=True)
class Corridor:
    """One road of corridors.json: its towns in order and how fast convoys drive it."""

    ref: str
    name: str
    kind: str
    speed_kmh: float
    length_km: float | None
    source: str
    towns: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.ref} {self.name}".strip()


def _resolve(name: str, entry: dict | None) -> CorridorTown:
    """Geocode a town: explicit coordinates, else the gazetteer (a ``near`` hint disambiguates)."""
    from jsms.geo.gazetteer import load_gazetteer

    entry = entry or {}
    if "lat" in entry:
        lat, lon = float(entry["lat"]), float(entry["lon"])
        if not (23.0 <= lat <= 38.0 and 60.0 <= lon <= 78.0) or not entry.get("source"):
            raise RoadDataError(f"corridors.json: place {name!r} needs coordinates and a source")
        return CorridorTown(
            name, lat, lon, entry.get("province"), entry["source"], bool(entry.get("approximate"))
        )
    candidates = load_gazetteer().lookup(entry.get("gazetteer_name", name))
    if not candidates:
        raise RoadDataError(
            f"corridors.json: town {name!r} is not in the gazetteer; add it under 'places' "
            "with coordinates and a source"
        )
    place = candidates[0]
    if "near" in entry:
        near_lat, near_lon = entry["near"]
        dist = haversine_m(
            np.array([p.lat for p in candidates]),
            np.array([p.lon for p in candidates]),
            np.full(len(candidates), near_lat),
            np.full(len(candidates), near_lon),
        )
        best = int(np.argmin(dist))
        if dist[best] > _NEAR_KM * 1000:
            raise RoadDataError(
                f"corridors.json: no {name!r} in the gazetteer near {entry['near']}"
            )
        place = candidates[best]
    # GeoNames and curated coordinates are town centres; their own notes say how exact
    return CorridorTown(name, place.lat, place.lon, place.province, place.source, False)


def load_corridors(text: str | None = None) -> tuple[list[Corridor], dict[str, CorridorTown]]:
    """Roads and geocoded towns of corridors.json (the packaged file unless ``text`` is given)."""
    if text is None:
        text = resources.files("jsms.geo.data").joinpath("corridors.json").read_text("utf-8")
    try:
        data = json.loads(text)
        places = data.get("places", {})
        roads = [
            Corridor(
                ref=r["ref"],
                name=r.get("name", ""),
                kind=r.get("kind", "highway"),
                speed_kmh=float(r["speed_kmh"]),
                length_km=float(r["length_km"]) if r.get("length_km") else None,
                source=r["source"],
                towns=tuple(r["towns"]),
            )
            for r in data["roads"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise RoadDataError(f"corridors.json: malformed ({type(exc).__name__}: {exc})") from None
    towns: dict[str, CorridorTown] = {}
    for road in roads:
        if len(road.towns) < 2 or road.speed_kmh <= 0:
            raise RoadDataError(f"corridors.json: road {road.label!r} needs 2 towns and a speed")
        for name in road.towns:
            if name not in towns:
                towns[name] = _resolve(name, places.get(name))
    return roads, towns


@functools.cache
def national_corridors(densify_km: float = 2.0) -> RoadGraph:
    """The national corridor graph (cached: one object per process, so routers are reused).

    Every road is two-way. Towns shared by several roads are one node (the junction); a
    segment listed by two roads is built once (the first road names it).
    """
    roads, towns = load_corridors()
    names: list[str] = []
    name_id: dict[str, int] = {}

    def intern(label: str) -> int:
        if label not in name_id:
            name_id[label] = len(names)
            names.append(label)
        return name_id[label]

    town_node = {name: i for i, name in enumerate(towns)}
    lat = [t.lat for t in towns.values()]
    lon = [t.lon for t in towns.values()]
    node_name = [intern(t.name) for t in towns.values()]
    tails: list[int] = []
    heads: list[int] = []
    speeds: list[float] = []
    labels: list[int] = []
    built: set[frozenset[str]] = set()
    step = densify_km * 1000.0
    for road in roads:
        label = intern(road.label)
        for a, b in itertools.pairwise(road.towns):
            key = frozenset((a, b))
            if a == b or key in built:
                continue
            built.add(key)
            ta, tb = towns[a], towns[b]
            dist = float(haversine_m(ta.lat, ta.lon, tb.lat, tb.lon))
            pieces = max(1, math.ceil(dist / step))
            chain = [town_node[a]]
            for k in range(1, pieces):
                f = k / pieces
                lat.append(ta.lat + f * (tb.lat - ta.lat))
                lon.append(ta.lon + f * (tb.lon - ta.lon))
                node_name.append(-1)
                chain.append(len(lat) - 1)
            chain.append(town_node[b])
            for u, v in itertools.pairwise(chain):
                tails += [u, v]
                heads += [v, u]
                speeds += [road.speed_kmh, road.speed_kmh]
                labels += [label, label]
    return build_graph(
        np.asarray(lat),
        np.asarray(lon),
        np.asarray(tails),
        np.asarray(heads),
        speed_kmh=np.asarray(speeds),
        edge_name=np.asarray(labels),
        names=names,
        node_name=np.asarray(node_name),
        source="JSMS national corridors (corridors.json)",
        reach_m=NATIONAL_REACH_M,
    )
