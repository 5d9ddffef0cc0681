"""Road graph: building, risk samples, persistence, the national corridors and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from h3.api import basic_int as h3i
from typer.testing import CliRunner

from jsms.geo.roads import RoadDataError, RoadGraph, build_graph, from_overpass_json, haversine_m
from tests.geo.test_roads_osm import TINY_OVERPASS, TINY_XML, edges_of


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


def test_save_and_load_round_trip(tiny_json: Path, tmp_path: Path) -> None:
    graph = from_overpass_json(tiny_json)
    path = graph.save(tmp_path / "deep" / "roads.npz")
    loaded = RoadGraph.load(path)
    assert edges_of(loaded) == edges_of(graph)
    assert loaded.names == graph.names and loaded.source == graph.source
    np.testing.assert_array_equal(loaded.cell_table, graph.cell_table)
    with pytest.raises(RoadDataError, match="import-osm"):
        RoadGraph.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    with pytest.raises(RoadDataError, match="not a JSMS road graph"):
        RoadGraph.load(tmp_path / "other.npz")


def test_long_edges_carry_risk_samples_along_their_length() -> None:
    # a 33 km edge north from Besham, both ways, and a short one
    lat, lon = [34.70, 35.00, 35.001], [72.87, 72.87, 72.87]
    graph = build_graph(lat, lon, [0, 1, 1], [1, 0, 2], speed_kmh=[40.0, 40.0, 40.0])
    counts = np.diff(graph.sample_indptr)
    assert (counts >= 1).all()
    lengths = np.add.reduceat(graph.sample_len_m.astype(float), graph.sample_indptr[:-1])
    np.testing.assert_allclose(lengths, graph.length_m, rtol=1e-5)
    long_edge = int(np.argmax(graph.length_m))
    assert graph.length_m[long_edge] == pytest.approx(33_358, rel=1e-3)
    assert counts[long_edge] >= 15  # distinct res-7 cells crossed (~1.2 km edge)
    assert graph.edge_cell[long_edge] == h3i.latlng_to_cell(34.85, 72.87, 7)
    assert np.all(np.diff(graph.cell_table.astype(np.int64)) > 0)


def test_build_graph_drops_self_loops_and_keeps_the_fastest_parallel_edge() -> None:
    graph = build_graph(
        [24.85, 24.86], [67.0, 67.0], [0, 0, 0, 1], [0, 1, 1, 0], speed_kmh=[30, 20, 60, 30]
    )
    assert graph.n_edges == 2
    assert graph.speed_kmh[graph.edge_ids([0, 1])[0]] == pytest.approx(60.0)
    with pytest.raises(RoadDataError, match="out of range"):
        build_graph([24.85], [67.0], [0], [3], speed_kmh=30)


def test_haversine() -> None:
    assert haversine_m(24.86, 67.01, 30.18, 66.99) == pytest.approx(591_600, rel=2e-3)


# -- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def cli() -> CliRunner:
    import jsms.cli.roads  # noqa: F401  (registers `jsms geo import-osm`)

    return CliRunner()


def test_cli_imports_and_writes_the_graph(cli: CliRunner, tiny_xml: Path, tmp_path: Path) -> None:
    from jsms.cli.main import app

    out = tmp_path / "g.npz"
    result = cli.invoke(app, ["geo", "import-osm", str(tiny_xml), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 nodes, 10 edges" in result.output
    assert RoadGraph.load(out).n_edges == 10


def test_cli_default_path_comes_from_the_environment(
    cli: CliRunner, tiny_json: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsms.cli.main import app

    monkeypatch.setenv("JSMS_ROAD_GRAPH", str(tmp_path / "env.npz"))
    result = cli.invoke(app, ["geo", "import-osm", str(tiny_json)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.npz").is_file()


def test_cli_bad_file_is_one_line_and_exit_code_2(cli: CliRunner, tmp_path: Path) -> None:
    from jsms.cli.main import app

    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = cli.invoke(app, ["geo", "import-osm", str(bad), "--out", str(tmp_path / "x.npz")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "not valid JSON" in result.output
    assert not (tmp_path / "x.npz").exists()


# -- the national corridors ----------------------------------------------------------------


def test_corridor_towns_are_geocoded_in_pakistan_with_a_source() -> None:
    from jsms.geo.roads_national import load_corridors

    roads, towns = load_corridors()
    assert {r.ref for r in roads} >= {"N-5", "N-25", "N-10", "N-35", "N-55", "M-2", "M-8", "M-9"}
    for town in towns.values():
        assert 23.5 < town.lat < 37.1 and 60.8 < town.lon < 77.9, town
        assert town.source
    assert towns["Besham"].province == "Khyber Pakhtunkhwa"
    assert towns["Sahiwal"].lat == pytest.approx(30.67, abs=0.05)  # not Sahiwal (Sargodha)
    assert towns["Pattan"].approximate and not towns["Besham"].approximate


def test_corridors_follow_their_roads_in_order() -> None:
    from jsms.geo.roads_national import load_corridors

    roads, towns = load_corridors()
    kkh = next(r for r in roads if r.ref == "N-35" and "Besham" in r.towns).towns
    assert kkh.index("Thakot") < kkh.index("Besham") < kkh.index("Pattan") < kkh.index("Dasu")
    assert kkh.index("Dasu") < kkh.index("Chilas") < kkh.index("Raikot Bridge") < kkh.index("Sost")
    for road in roads:
        legs = [
            float(haversine_m(towns[a].lat, towns[a].lon, towns[b].lat, towns[b].lon)) / 1000
            for a, b in zip(road.towns[:-1], road.towns[1:], strict=True)
        ]
        assert max(legs) < 170, road.label  # consecutive towns, not a jump across the map
        if road.length_km:  # straight lines are shorter than the road, but not much longer
            assert 0.6 < sum(legs) / road.length_km < 1.2, road.label


def test_malformed_corridors_are_rejected() -> None:
    from jsms.geo.roads_national import load_corridors

    with pytest.raises(RoadDataError, match="malformed"):
        load_corridors('{"roads": [{"ref": "N-5"}]}')
    with pytest.raises(RoadDataError, match="not in the gazetteer"):
        load_corridors(
            '{"roads": [{"ref": "X", "speed_kmh": 50, "source": "s", '
            '"towns": ["Karachi", "Atlantis"]}]}'
        )
