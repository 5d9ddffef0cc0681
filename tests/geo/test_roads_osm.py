"""OpenStreetMap importers: OSM XML, Overpass JSON and PBF, and the real Karachi extract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jsms.config import shared_data_dir
from jsms.geo.roads import (
    DEFAULT_SPEEDS_KMH,
    RoadDataError,
    RoadGraph,
    from_osm_xml,
    from_overpass_json,
    from_pbf,
    read_osm,
)
from jsms.geo.roads_osm import detect_format, parse_maxspeed, way_rule

# A tiny network written by hand in both formats: a two-way street, a one-way primary, a
# oneway=-1 secondary in mph, an (implied one-way) roundabout, a motorway tagged two-way,
# and three ways a vehicle cannot use (footway, driveway, private).
TINY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="24.850" lon="67.000"/>
  <node id="2" lat="24.851" lon="67.000"/>
  <node id="3" lat="24.852" lon="67.000"/>
  <node id="4" lat="24.852" lon="67.001"/>
  <node id="5" lat="24.851" lon="67.001"/>
  <node id="6" lat="24.850" lon="67.001"><tag k="name" v="Chowk"/></node>
  <node id="7" lat="24.853" lon="67.002"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="Street A"/></way>
  <way id="101"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="50"/>
    <tag k="ref" v="N-5"/><tag k="name" v="National Highway"/></way>
  <way id="102"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="secondary"/><tag k="oneway" v="-1"/><tag k="maxspeed" v="30 mph"/></way>
  <way id="103"><nd ref="5"/><nd ref="6"/><nd ref="1"/>
    <tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/></way>
  <way id="104"><nd ref="3"/><nd ref="7"/><tag k="highway" v="footway"/></way>
  <way id="105"><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="service"/><tag k="service" v="driveway"/></way>
  <way id="106"><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="107"><nd ref="6"/><nd ref="2"/>
    <tag k="highway" v="motorway"/><tag k="oneway" v="no"/></way>
  <relation id="9"><member type="way" ref="100" role=""/><tag k="type" v="route"/></relation>
</osm>
"""

TINY_OVERPASS = {
    "version": 0.6,
    "generator": "hand",
    "elements": [
        {"type": "node", "id": 1, "lat": 24.850, "lon": 67.000},
        {"type": "node", "id": 2, "lat": 24.851, "lon": 67.000},
        {"type": "node", "id": 3, "lat": 24.852, "lon": 67.000},
        {"type": "node", "id": 4, "lat": 24.852, "lon": 67.001},
        {"type": "node", "id": 5, "lat": 24.851, "lon": 67.001},
        {"type": "node", "id": 6, "lat": 24.850, "lon": 67.001, "tags": {"name": "Chowk"}},
        {"type": "node", "id": 7, "lat": 24.853, "lon": 67.002},
        {
            "type": "way",
            "id": 100,
            "nodes": [1, 2, 3],
            "tags": {"highway": "residential", "name": "Street A"},
        },
        {
            "type": "way",
            "id": 101,
            "nodes": [3, 4],
            "tags": {
                "highway": "primary",
                "oneway": "yes",
                "maxspeed": "50",
                "ref": "N-5",
                "name": "National Highway",
            },
        },
        {
            "type": "way",
            "id": 102,
            "nodes": [4, 5],
            "tags": {"highway": "secondary", "oneway": "-1", "maxspeed": "30 mph"},
        },
        {
            "type": "way",
            "id": 103,
            "nodes": [5, 6, 1],
            "tags": {"highway": "tertiary", "junction": "roundabout"},
        },
        {"type": "way", "id": 104, "nodes": [3, 7], "tags": {"highway": "footway"}},
        {
            "type": "way",
            "id": 105,
            "nodes": [2, 5],
            "tags": {"highway": "service", "service": "driveway"},
        },
        {
            "type": "way",
            "id": 106,
            "nodes": [2, 5],
            "tags": {"highway": "residential", "access": "private"},
        },
        {
            "type": "way",
            "id": 107,
            "nodes": [6, 2],
            "tags": {"highway": "motorway", "oneway": "no"},
        },
        {"type": "relation", "id": 9, "members": [], "tags": {"type": "route"}},
    ],
}

TINY_EDGES = {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (5, 4), (5, 6), (6, 1), (6, 2), (2, 6)}


def edges_of(graph: RoadGraph) -> dict[tuple[int, int], tuple[str, float, float]]:
    """{(osm tail, osm head): (road name, length m, speed km/h)} of a graph."""
    osm = graph.node_osm_id
    speed = graph.speed_kmh
    return {
        (int(osm[t]), int(osm[h])): (
            graph.names[n] if n >= 0 else "",
            round(float(graph.length_m[e]), 2),
            round(float(speed[e]), 2),
        )
        for e, (t, h, n) in enumerate(
            zip(graph.tail.tolist(), graph.head.tolist(), graph.edge_name.tolist(), strict=True)
        )
    }


@pytest.fixture
def tiny_xml(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_XML, encoding="utf-8")
    return path


@pytest.fixture
def tiny_json(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY_OVERPASS), encoding="utf-8")
    return path


def test_osm_xml_and_overpass_json_of_the_same_network_give_the_same_graph(
    tiny_xml: Path, tiny_json: Path
) -> None:
    a, b = from_osm_xml(tiny_xml), from_overpass_json(tiny_json)
    assert set(edges_of(a)) == TINY_EDGES
    assert edges_of(a) == edges_of(b)
    np.testing.assert_array_equal(a.node_osm_id, b.node_osm_id)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.sample_cell, b.sample_cell)
    assert 7 not in a.node_osm_id  # only on the footway


def test_pbf_read_with_pyosmium_gives_the_same_graph(tiny_xml: Path, tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")
    pbf = tmp_path / "tiny.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(tiny_xml)):
        writer.add(obj)
    writer.close()
    assert detect_format(pbf) == "pbf"
    assert edges_of(from_pbf(pbf)) == edges_of(from_osm_xml(tiny_xml))
    assert edges_of(read_osm(pbf)) == edges_of(read_osm(tiny_xml))


def test_one_ways_speeds_and_names_follow_the_tags(tiny_xml: Path) -> None:
    edges = edges_of(from_osm_xml(tiny_xml))
    assert (4, 3) not in edges and (4, 5) not in edges and (1, 6) not in edges
    assert edges[(3, 4)][0] == "N-5 National Highway"
    assert edges[(3, 4)][2] == pytest.approx(50.0)
    assert edges[(5, 4)][2] == pytest.approx(30 * 1.609344, abs=0.01)
    assert edges[(1, 2)][2] == DEFAULT_SPEEDS_KMH["residential"]
    assert edges[(1, 2)][1] == pytest.approx(111.2, abs=0.3)  # 0.001 degree of latitude


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("40", 40.0),
        ("40 km/h", 40.0),
        ("25 mph", 40.2336),
        ("60;80", 60.0),
        ("PK:urban", None),
        ("none", None),
        (None, None),
        ("900", None),
    ],
)
def test_parse_maxspeed(value: str | None, kmh: float | None) -> None:
    assert parse_maxspeed(value) == (pytest.approx(kmh) if kmh else None)


def test_way_rule_keeps_only_drivable_ways() -> None:
    assert way_rule({"highway": "footway"}) is None
    assert way_rule({"highway": "construction"}) is None
    assert way_rule({"highway": "residential", "access": "private"}) is None
    assert way_rule({"highway": "residential", "access": "no", "motor_vehicle": "yes"}) is not None
    assert way_rule({"highway": "primary", "oneway": "reversible"}) is None
    assert way_rule({"highway": "motorway"}) == (DEFAULT_SPEEDS_KMH["motorway"], 1)
    assert way_rule({"highway": "trunk", "oneway": "-1"}) == (DEFAULT_SPEEDS_KMH["trunk"], -1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", "{not json", "not valid JSON"),
        ("list.json", "[1, 2]", "not Overpass JSON"),
        (
            "nodes.json",
            '{"elements": [{"type": "node", "id": 1, "lat": "x", "lon": 0}]}',
            "bad node 1",
        ),
        ("empty.json", '{"elements": []}', "no drivable highway"),
        ("html.osm", "<html><body>rate limited</body></html>", "not OSM XML"),
        ("cut.osm", '<osm version="0.6"><node id="1" lat="24.8"', "not valid OSM XML"),
        ("badnode.osm", '<osm><node id="1" lon="67"/></osm>', "bad node 1"),
        ("garbage.pbf", "garbage" * 20, "not a readable OSM PBF"),
        ("mystery.bin", "\x00\x01\x02 nothing", "unknown road data format"),
    ],
)
def test_bad_files_raise_a_clear_error(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RoadDataError, match=message) as info:
        read_osm(path)
    assert name in str(info.value)


def test_missing_file_and_ways_without_nodes(tmp_path: Path) -> None:
    with pytest.raises(RoadDataError, match="no such file"):
        from_osm_xml(tmp_path / "nope.osm")
    orphan = tmp_path / "orphan.json"
    orphan.write_text(
        json.dumps(
            {
                "elements": [
                    {"type": "way", "id": 1, "nodes": [1, 2], "tags": {"highway": "primary"}}
                ]
            }
        )
    )
    with pytest.raises(RoadDataError, match="no node with coordinates"):
        from_overpass_json(orphan)


def test_overpass_out_geom_needs_no_node_elements(tmp_path: Path) -> None:
    path = tmp_path / "geom.json"
    path.write_text(
        json.dumps(
            {
                "elements": [
                    {
                        "type": "way",
                        "id": 1,
                        "nodes": [10, 11],
                        "tags": {"highway": "primary"},
                        "geometry": [{"lat": 24.85, "lon": 67.0}, {"lat": 24.86, "lon": 67.0}],
                    }
                ]
            }
        )
    )
    graph = from_overpass_json(path)
    assert graph.n_nodes == 2 and graph.n_edges == 2


# -- the real central-Karachi extract -----------------------------------------------------


def _karachi_file(name: str) -> Path:
    shared = shared_data_dir()
    path = shared / "osm_karachi_saddar" / name if shared else None
    if path is None or not path.is_file():
        pytest.skip(f"real data osm_karachi_saddar/{name} not on this machine")
    return path


@pytest.fixture(scope="module")
def karachi() -> RoadGraph:
    return from_overpass_json(_karachi_file("overpass_karachi_saddar_2025-11-24.json"))


def test_karachi_extract_imports_with_sane_counts(karachi: RoadGraph) -> None:
    raw = json.loads(_karachi_file("overpass_karachi_saddar_2025-11-24.json").read_text())
    ways = [e for e in raw["elements"] if e["type"] == "way"]
    segments = sum(len(w["nodes"]) - 1 for w in ways)
    assert karachi.n_nodes == 5314  # every node of the extract is on a drivable way
    assert segments < karachi.n_edges <= 2 * segments  # most streets two-way, some one-way
    assert karachi.length_m.min() > 0
    assert karachi.lat.min() > 24.84 and karachi.lat.max() < 24.89
    assert "Harris Road" in karachi.names  # way names become the edges' road names


def test_karachi_one_way_streets_are_one_way(karachi: RoadGraph) -> None:
    raw = json.loads(_karachi_file("overpass_karachi_saddar_2025-11-24.json").read_text())
    ways = [e for e in raw["elements"] if e["type"] == "way"]
    two_way = {
        frozenset(p)
        for w in ways
        if w["tags"].get("oneway") not in ("yes", "-1")
        and w["tags"].get("junction") != "roundabout"
        for p in zip(w["nodes"][:-1], w["nodes"][1:], strict=True)
    }
    edges = set(edges_of(karachi))
    checked = 0
    for w in ways:
        if w["tags"].get("oneway") != "yes":
            continue
        for a, b in zip(w["nodes"][:-1], w["nodes"][1:], strict=True):
            assert (a, b) in edges
            if frozenset((a, b)) not in two_way:
                assert (b, a) not in edges
                checked += 1
    assert checked > 50


def test_karachi_distances_agree_with_the_osmnx_graphml(karachi: RoadGraph) -> None:
    nx = pytest.importorskip("networkx")
    from jsms.geo.routing import Router

    ref = nx.read_graphml(_karachi_file("karachi_graph.graphml"))
    index = {int(osm): i for i, osm in enumerate(karachi.node_osm_id.tolist())}
    router = Router(karachi)
    lengths = karachi.length_m.astype(np.float64)
    rng = np.random.default_rng(7)
    nodes = list(ref.nodes)
    ratios = []
    for _ in range(60):
        a, b = (nodes[i] for i in rng.choice(len(nodes), 2, replace=False))
        try:
            expected = nx.shortest_path_length(
                ref, a, b, weight=lambda u, v, d: min(float(x["length"]) for x in d.values())
            )
        except nx.NetworkXNoPath:
            continue
        found = router.shortest(lengths, index[int(a)], index[int(b)])
        assert found is not None
        ratios.append(found[1] / expected)
    assert len(ratios) > 30
    # The GraphML is OSMnx's simplified, clipped copy of the same streets: JSMS never finds a
    # longer way (that would be a one-way read too strictly) and usually the same length.
    assert max(ratios) < 1.0 + 1e-4
    assert np.median(ratios) > 0.999
