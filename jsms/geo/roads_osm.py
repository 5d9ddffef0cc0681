"""OpenStreetMap importers: OSM XML, PBF (pyosmium) and Overpass JSON to a :class:`RoadGraph`.

All three keep only drivable ``highway=*`` ways (:func:`way_rule`) and build the graph from the
ways' node references, one edge per consecutive node pair, so the graph is as detailed as the
OSM data (no simplification: every edge is a straight segment, which keeps risk sampling and
route geometry exact). Each parser only collects flat arrays; :func:`graph_from_ways` does the
rest with NumPy. Bad files raise :class:`~jsms.geo.roads.RoadDataError` naming the problem.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from jsms.geo.roads import DEFAULT_SPEEDS_KMH, RoadDataError, RoadGraph
from jsms.geo.roads_build import build_graph

__all__ = [
    "detect_format",
    "from_osm_xml",
    "from_overpass_json",
    "from_pbf",
    "graph_from_ways",
    "parse_maxspeed",
    "read_osm",
    "way_rule",
]

# service roads that are not through roads for a vehicle movement
_EXCLUDED_SERVICE = frozenset({"parking_aisle", "driveway", "drive-through", "emergency_access"})
_NO_ACCESS = frozenset({"no", "private"})
_YES_ACCESS = frozenset({"yes", "designated", "permissive", "destination"})
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM ``maxspeed`` ("40", "40 km/h", "25 mph", "40;60" -> 40); else None.

    Symbolic values ("PK:urban", "none", "signals") give None so the class default applies.
    """
    if not value:
        return None
    match = _MAXSPEED.match(value.split(";")[0])
    if not match:
        return None
    speed = float(match[1]) * (1.609344 if (match[2] or "").lower() == "mph" else 1.0)
    return speed if 5.0 <= speed <= 150.0 else None


def way_rule(tags: Mapping[str, str]) -> tuple[float, int] | None:
    """(speed km/h, oneway) for a drivable way, None for anything a vehicle cannot use.

    ``oneway`` is 1 (only along the way), -1 (only against it, ``oneway=-1``) or 0 (both).
    Motorways and roundabouts are one-way unless tagged otherwise (OSM's implied values);
    ``oneway=reversible`` ways are skipped since their direction changes with the hour.
    """
    highway = tags.get("highway")
    if highway not in DEFAULT_SPEEDS_KMH or tags.get("area") == "yes":
        return None
    vehicle = tags.get("motor_vehicle") or tags.get("motorcar")
    if vehicle in _NO_ACCESS or (tags.get("access") in _NO_ACCESS and vehicle not in _YES_ACCESS):
        return None
    if highway == "service" and tags.get("service") in _EXCLUDED_SERVICE:
        return None
    raw = (tags.get("oneway") or "").lower()
    if raw in ("yes", "true", "1"):
        oneway = 1
    elif raw in ("-1", "reverse"):
        oneway = -1
    elif raw in ("no", "false", "0"):
        oneway = 0
    elif raw in ("reversible", "alternating"):
        return None
    else:
        implied = highway == "motorway" or tags.get("junction") in ("roundabout", "circular")
        oneway = 1 if implied else 0
    speed = parse_maxspeed(tags.get("maxspeed")) or DEFAULT_SPEEDS_KMH[highway]
    return speed, oneway


def _way_label(tags: Mapping[str, str]) -> str:
    ref, name = tags.get("ref", "").strip(), tags.get("name", "").strip()
    return f"{ref} {name}".strip() if ref and name and ref not in name else (name or ref)


class _WayCollector:
    """Flat arrays of the kept ways' node refs, filled by the parsers."""

    def __init__(self) -> None:
        self.refs: list[int] = []
        self.way_of_ref: list[int] = []
        self.ref_lat: list[float] = []
        self.ref_lon: list[float] = []
        self.speed: list[float] = []
        self.oneway: list[int] = []
        self.name: list[int] = []
        self.names: dict[str, int] = {}
        self.skipped = 0

    def add(
        self,
        tags: Mapping[str, str],
        refs: Iterable[int],
        coords: Iterable[tuple[float, float]] | None = None,
    ) -> None:
        rule = way_rule(tags)
        if rule is None:
            self.skipped += 1
            return
        refs = list(refs)
        if len(refs) < 2:
            return
        way = len(self.speed)
        self.refs.extend(refs)
        self.way_of_ref.extend([way] * len(refs))
        if coords is not None:
            for lat, lon in coords:
                self.ref_lat.append(lat)
                self.ref_lon.append(lon)
        self.speed.append(rule[0])
        self.oneway.append(rule[1])
        label = _way_label(tags)
        self.name.append(self.names.setdefault(label, len(self.names)) if label else -1)

    def graph(
        self,
        source: str,
        node_ids: np.ndarray | None = None,
        node_lat: np.ndarray | None = None,
        node_lon: np.ndarray | None = None,
    ) -> RoadGraph:
        if not self.speed:
            raise RoadDataError(f"{source}: no drivable highway=* ways found")
        refs = np.asarray(self.refs, dtype=np.int64)
        if node_ids is not None and node_lat is not None and node_lon is not None:
            # coordinates from the file's node table
            lat = np.full(refs.size, np.nan)
            lon = np.full(refs.size, np.nan)
            if node_ids.size:
                order = np.argsort(node_ids, kind="stable")
                ids = node_ids[order]
                pos = np.minimum(np.searchsorted(ids, refs), ids.size - 1)
                found = ids[pos] == refs
                lat[found] = node_lat[order][pos[found]]
                lon[found] = node_lon[order][pos[found]]
        else:
            lat = np.asarray(self.ref_lat, dtype=np.float64)
            lon = np.asarray(self.ref_lon, dtype=np.float64)
        return graph_from_ways(
            refs,
            lat,
            lon,
            np.asarray(self.way_of_ref, dtype=np.int64),
            speed_kmh=np.asarray(self.speed),
            oneway=np.asarray(self.oneway, dtype=np.int8),
            way_name=np.asarray(self.name, dtype=np.int32),
            names=list(self.names),
            source=source,
        )


def graph_from_ways(
    refs: np.ndarray,
    ref_lat: np.ndarray,
    ref_lon: np.ndarray,
    way_of_ref: np.ndarray,
    *,
    speed_kmh: np.ndarray,
    oneway: np.ndarray,
    way_name: np.ndarray,
    names: list[str],
    source: str,
) -> RoadGraph:
    """The graph of ways given as concatenated node refs (NaN coordinates = missing node).

    Segments touching a missing node are dropped (extracts cut at a bounding box); if nothing
    is left the file is rejected.
    """
    known = np.isfinite(ref_lat) & np.isfinite(ref_lon)
    if not known.any():
        raise RoadDataError(f"{source}: the ways reference no node with coordinates")
    node_ids, first = np.unique(refs[known], return_index=True)
    lat = ref_lat[known][first]
    lon = ref_lon[known][first]
    same_way = way_of_ref[1:] == way_of_ref[:-1]
    seg = same_way & known[1:] & known[:-1]
    a = np.searchsorted(node_ids, refs[:-1][seg])
    b = np.searchsorted(node_ids, refs[1:][seg])
    seg_way = way_of_ref[:-1][seg]
    direction = oneway[seg_way]
    fwd, bwd = direction >= 0, direction <= 0
    tail = np.concatenate((a[fwd], b[bwd]))
    head = np.concatenate((b[fwd], a[bwd]))
    ways = np.concatenate((seg_way[fwd], seg_way[bwd]))
    if tail.size == 0:
        raise RoadDataError(f"{source}: no road segment has both of its nodes in the file")
    return build_graph(
        lat,
        lon,
        tail,
        head,
        speed_kmh=speed_kmh[ways],
        edge_name=way_name[ways],
        names=names,
        node_osm_id=node_ids,
        source=source,
    )


# -- Overpass JSON ---------------------------------------------------------------------------


def from_overpass_json(path: str | os.PathLike[str]) -> RoadGraph:
    """Import an Overpass API JSON answer (``[out:json]``; ``out body`` + nodes or ``out geom``)."""
    source = Path(path)
    try:
        with source.open("rb") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise RoadDataError(f"{source}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RoadDataError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise RoadDataError(f"{source}: not Overpass JSON (no 'elements' list)")
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    ways = _WayCollector()
    for element in data["elements"]:
        if not isinstance(element, dict):
            raise RoadDataError(f"{source}: an element is not a JSON object")
        kind = element.get("type")
        try:
            if kind == "node":
                ids.append(int(element["id"]))
                lats.append(float(element["lat"]))
                lons.append(float(element["lon"]))
            elif kind == "way":
                refs = [int(r) for r in element.get("nodes", ())]
                geometry = element.get("geometry")
                for ref, point in zip(refs, geometry or (), strict=False):
                    if isinstance(point, dict) and "lat" in point:  # `out geom`
                        ids.append(ref)
                        lats.append(float(point["lat"]))
                        lons.append(float(point["lon"]))
                ways.add(element.get("tags") or {}, refs)
        except (KeyError, TypeError, ValueError) as exc:
            raise RoadDataError(
                f"{source}: bad {kind} {element.get('id', '?')}: {type(exc).__name__} {exc}"
            ) from None
    if not ways.speed and data.get("remark"):
        raise RoadDataError(f"{source}: Overpass returned no ways: {data['remark']}")
    return ways.graph(
        f"{source.name} (Overpass JSON)",
        np.asarray(ids, dtype=np.int64),
        np.asarray(lats, dtype=np.float64),
        np.asarray(lons, dtype=np.float64),
    )


# -- OSM XML ---------------------------------------------------------------------------------


def from_osm_xml(path: str | os.PathLike[str]) -> RoadGraph:
    """Import an OSM XML file (``.osm``), streamed with ``iterparse`` and cleared as it goes."""
    source = Path(path)
    if not source.is_file():
        raise RoadDataError(f"{source}: no such file")
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    ways = _WayCollector()
    root: ET.Element | None = None
    try:
        context = ET.iterparse(source, events=("start", "end"))
        for event, elem in context:
            if event == "start":
                if root is None:
                    root = elem
                    if elem.tag != "osm":
                        raise RoadDataError(
                            f"{source}: not OSM XML (root element <{elem.tag}>, expected <osm>)"
                        )
                continue
            if root is None:  # an "end" always follows the root's "start"
                continue
            if elem.tag == "node":
                try:
                    ids.append(int(elem.attrib["id"]))
                    lats.append(float(elem.attrib["lat"]))
                    lons.append(float(elem.attrib["lon"]))
                except (KeyError, ValueError) as exc:
                    raise RoadDataError(
                        f"{source}: bad node {elem.attrib.get('id', '?')}: missing or bad {exc}"
                    ) from None
                root.clear()  # drop what was read: memory stays flat on big files
            elif elem.tag == "way":
                try:
                    refs = [int(nd.attrib["ref"]) for nd in elem.iterfind("nd")]
                except (KeyError, ValueError):
                    raise RoadDataError(
                        f"{source}: bad node reference in way {elem.attrib.get('id', '?')}"
                    ) from None
                tags = {t.attrib.get("k", ""): t.attrib.get("v", "") for t in elem.iterfind("tag")}
                ways.add(tags, refs)
                root.clear()  # drop what was read: memory stays flat on big files
            elif elem.tag == "relation":
                root.clear()  # drop what was read: memory stays flat on big files
    except ET.ParseError as exc:
        raise RoadDataError(f"{source}: not valid OSM XML ({exc})") from None
    if root is None:
        raise RoadDataError(f"{source}: empty file")
    return ways.graph(
        f"{source.name} (OSM XML)",
        np.asarray(ids, dtype=np.int64),
        np.asarray(lats, dtype=np.float64),
        np.asarray(lons, dtype=np.float64),
    )


# -- PBF (pyosmium) --------------------------------------------------------------------------


def from_pbf(path: str | os.PathLike[str]) -> RoadGraph:
    """Import an OSM PBF file with pyosmium (libosmium reads and decompresses in C++).

    Node locations are cached by the file processor and attached to the ways, and filters in
    C++ drop every non-way and every way without a ``highway`` key before Python sees them.
    """
    import osmium

    source = Path(path)
    if not source.is_file():
        raise RoadDataError(f"{source}: no such file")
    ways = _WayCollector()
    try:
        processor = (
            osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        nan = float("nan")
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the entity filter passes only ways
                continue
            refs, coords = [], []
            for node in way.nodes:
                refs.append(node.ref)
                location = node.location
                coords.append((location.lat, location.lon) if location.valid() else (nan, nan))
            ways.add(dict(way.tags), refs, coords)
    except RuntimeError as exc:
        raise RoadDataError(f"{source}: not a readable OSM PBF file ({exc})") from None
    return ways.graph(f"{source.name} (OSM PBF)")


# -- format detection ------------------------------------------------------------------------


def detect_format(path: str | os.PathLike[str]) -> str:
    """'xml', 'pbf' or 'json', from the extension or else the first bytes of the file."""
    source = Path(path)
    name = source.name.lower()
    if name.endswith((".osm", ".xml", ".osm.xml")):
        return "xml"
    if name.endswith(".pbf"):
        return "pbf"
    if name.endswith(".json"):
        return "json"
    try:
        with source.open("rb") as handle:
            start = handle.read(64)
    except OSError as exc:
        raise RoadDataError(f"{source}: cannot read ({exc.strerror or exc})") from None
    stripped = start.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xml"
    if stripped.startswith((b"{", b"[")):
        return "json"
    if b"OSMHeader" in start:
        return "pbf"
    raise RoadDataError(
        f"{source}: unknown road data format (expected OSM XML .osm, PBF .pbf or Overpass .json)"
    )


def read_osm(path: str | os.PathLike[str]) -> RoadGraph:
    """Import any supported OSM file, detecting its format (:func:`detect_format`)."""
    kind = detect_format(path)
    reader = {"xml": from_osm_xml, "pbf": from_pbf, "json": from_overpass_json}[kind]
    return reader(path)
