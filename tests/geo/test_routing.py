"""Risk-aware routing: criteria, edge risk, chokepoints, jurisdictions, national corridors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import h3
import numpy as np
import pytest

from jsms.config import shared_data_dir
from jsms.geo.roads import (
    RoadGraph,
    build_graph,
    from_overpass_json,
    haversine_m,
    national_corridors,
)
from jsms.geo.routing import (
    MAX_STRETCH,
    NIGHT_FACTOR,
    Chokepoint,
    Route,
    Router,
    gazetteer_locator,
    is_night,
    jurisdictions_along,
    load_chokepoints,
    plan_routes,
    polygon_locator,
    reweight,
)
from jsms.threat import risk

BESHAM = (34.93, 72.87)
THAKOT = (34.75, 72.917)
PATTAN = (35.03, 72.94)
KARACHI = (24.861, 67.01)
QUETTA = (30.184, 67.001)
HUB_RIVER_BRIDGE = (24.983, 66.920)
DEPARTURE = datetime(2025, 3, 1, 4, 0, tzinfo=UTC)  # 09:00 in Pakistan


def cell(lat: float, lon: float) -> int:
    return h3.str_to_int(h3.latlng_to_cell(lat, lon, 7))


def surface_with(*incidents: tuple[float, float, float]) -> risk.RiskSurface:
    """A surface at t=0 with fresh incidents (lat, lon, severity)."""
    cells = [cell(lat, lon) for lat, lon, _ in incidents]
    return risk.build_surface(cells, [0.0] * len(cells), [s for *_, s in incidents], at=0.0)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1])) / 1000.0


@pytest.fixture(scope="module")
def national() -> RoadGraph:
    return national_corridors()


@pytest.fixture(scope="module")
def two_roads() -> RoadGraph:
    """Thakot to Pattan: the short KKH through Besham, or a detour east through the hills."""
    lat = [THAKOT[0], BESHAM[0], PATTAN[0], 34.80, 35.00]
    lon = [THAKOT[1], BESHAM[1], PATTAN[1], 73.15, 73.15]
    pairs = [(0, 1), (1, 2), (0, 3), (3, 4), (4, 2)]
    tail = [a for a, b in pairs] + [b for a, b in pairs]
    head = [b for a, b in pairs] + [a for a, b in pairs]
    return build_graph(
        lat,
        lon,
        tail,
        head,
        speed_kmh=40.0,
        node_name=[0, 1, 2, -1, -1],
        names=["Thakot", "Besham", "Pattan"],
    )


# -- criteria --------------------------------------------------------------------------------


def test_safest_avoids_a_severe_incident_at_besham_and_fastest_does_not(
    two_roads: RoadGraph,
) -> None:
    surface = surface_with((*BESHAM, 20.0))
    edge_risk = reweight(two_roads, surface, chokepoints=())
    routes = plan_routes(
        two_roads, edge_risk, THAKOT, PATTAN, departure=DEPARTURE, surface=surface, chokepoints=()
    )
    by_label = {label: r for r in routes for label in r.labels}
    fastest, safest = by_label["fastest"], by_label["safest"]
    assert "Besham" in fastest.via and "Besham" not in safest.via
    assert fastest.max_level >= 4 and safest.max_level == 1
    assert safest.exposure == 0.0 < fastest.exposure
    assert safest.duration_s > fastest.duration_s
    assert fastest.label == "fastest" and safest.label == "safest"


def test_without_risk_the_criteria_merge_into_one_route(two_roads: RoadGraph) -> None:
    quiet = reweight(two_roads, surface_with(), chokepoints=())
    routes = plan_routes(two_roads, quiet, THAKOT, PATTAN, chokepoints=(), max_routes=1)
    assert len(routes) == 1
    assert routes[0].labels == ("fastest", "safest", "balanced")
    assert routes[0].exposure == 0.0 and routes[0].max_level == 1


def test_no_alternative_when_the_only_detour_is_too_slow(two_roads: RoadGraph) -> None:
    quiet = reweight(two_roads, surface_with(), chokepoints=())
    routes = plan_routes(two_roads, quiet, THAKOT, PATTAN, chokepoints=())
    # the detour is 2.3x longer: too slow to be offered as an alternative
    assert [r.label for r in routes] == ["fastest"]


def test_penalty_alternatives_are_distinct_and_not_much_slower() -> None:
    from benchmarks.routing import synthetic_graph

    graph = synthetic_graph(20_000, seed=3)
    quiet = reweight(graph, surface_with(), chokepoints=())
    routes = plan_routes(graph, quiet, (26.0, 64.0), (34.0, 74.0), chokepoints=())
    assert [r.label for r in routes] == ["fastest", "alternative", "alternative"]
    for i, route in enumerate(routes):
        assert route.duration_s <= MAX_STRETCH * routes[0].duration_s
        assert all(not np.array_equal(route.nodes, other.nodes) for other in routes[:i])


def test_night_factor_increases_exposure(two_roads: RoadGraph) -> None:
    surface = surface_with((*BESHAM, 20.0))
    points = (Chokepoint("Besham bazaar", *BESHAM, 1500, 10.0, "test", "test"),)
    day = reweight(two_roads, surface, chokepoints=points)
    night = reweight(two_roads, surface, night=True, chokepoints=points)
    np.testing.assert_allclose(night, day * NIGHT_FACTOR)
    assert (night > day).any()
    by_day = plan_routes(two_roads, day, THAKOT, PATTAN, chokepoints=points, max_routes=1)
    by_night = plan_routes(two_roads, night, THAKOT, PATTAN, chokepoints=points, max_routes=1)
    assert by_night[0].exposure == pytest.approx(by_day[0].exposure * NIGHT_FACTOR)
    assert by_night[0].exposure > by_day[0].exposure


def test_is_night_in_karachi() -> None:
    assert is_night(datetime(2025, 1, 1, 20, 0, tzinfo=UTC), *KARACHI)  # 01:00 local
    assert not is_night(datetime(2025, 1, 1, 7, 0, tzinfo=UTC), *KARACHI)  # 12:00 local
    with pytest.raises(ValueError, match="naive"):
        is_night(datetime(2025, 1, 1, 7, 0), *KARACHI)


# -- edge risk -------------------------------------------------------------------------------


def test_reweighting_after_an_incident_raises_risk_near_it_only(national: RoadGraph) -> None:
    before = reweight(national, surface_with((*KARACHI, 8.0)))
    dasu = (35.2917, 73.2906)
    after = reweight(national, surface_with((*KARACHI, 8.0), (*dasu, 12.0)))
    changed = np.flatnonzero(after != before)
    assert changed.size > 0
    assert (after >= before).all()
    tail, head = national.tail[changed], national.head[changed]
    near = np.minimum(
        haversine_m(national.lat[tail], national.lon[tail], dasu[0], dasu[1]),
        haversine_m(national.lat[head], national.lon[head], dasu[0], dasu[1]),
    )
    assert near.max() < 6_000  # the incident's cell and its smoothed ring, plus one edge
    assert (before[before > 0] == after[before > 0]).sum() > 0  # Karachi untouched


def test_edge_risk_integrates_score_times_length(two_roads: RoadGraph) -> None:
    surface = surface_with((*BESHAM, 20.0))
    edge_risk = reweight(two_roads, surface, chokepoints=())
    for e in range(two_roads.n_edges):
        a, b = two_roads.tail[e], two_roads.head[e]
        coords = [(two_roads.lat[a], two_roads.lon[a]), (two_roads.lat[b], two_roads.lon[b])]
        line = surface.score_line(coords, step_km=0.25)
        assert edge_risk[e] == pytest.approx(line.exposure, rel=0.15, abs=0.2)


def test_chokepoints_add_their_weight_to_edges_within_the_radius(two_roads: RoadGraph) -> None:
    points = (Chokepoint("Besham bazaar", *BESHAM, 1500, 10.0, "test", "test"),)
    edge_risk = reweight(two_roads, surface_with(), chokepoints=points)
    through_besham = two_roads.edge_ids([0, 1, 2])
    assert set(np.flatnonzero(edge_risk).tolist()) == set(through_besham.tolist()) | set(
        two_roads.edge_ids([2, 1, 0]).tolist()
    )
    assert edge_risk[through_besham] == pytest.approx([10.0, 10.0])
    route = plan_routes(two_roads, edge_risk, THAKOT, PATTAN, chokepoints=points)[0]
    assert route.chokepoints == ("Besham bazaar",)


def test_packaged_chokepoints_are_documented() -> None:
    points = load_chokepoints()
    names = {p.name for p in points}
    assert {"Besham bazaar (KKH)", "Thakot Bridge (Indus crossing)", "Kohat Tunnel (N-55)"} <= names
    for p in points:
        assert 23 < p.lat < 37.5 and 60 < p.lon < 78
        assert p.radius_m > 0 and p.risk_weight > 0 and p.reason and p.source.startswith("http")
    with pytest.raises(ValueError, match="malformed"):
        load_chokepoints('{"chokepoints": [{"name": "x"}]}')


# -- national corridors ----------------------------------------------------------------------


def test_national_corridors_is_one_connected_network(national: RoadGraph) -> None:
    router = Router(national)
    assert router.main.all()
    assert national.n_edges > 5_000
    assert national.node_named("Besham") == national.node_named("Bisham")


def test_karachi_airport_to_port_qasim(national: RoadGraph) -> None:
    edge_risk = reweight(national, surface_with())
    routes = plan_routes(
        national,
        edge_risk,
        (24.9067, 67.1608),
        (24.7854, 67.3695),
        departure=DEPARTURE,
        locate=gazetteer_locator(),
    )
    route = routes[0]
    assert route.via[0] == "Jinnah International Airport"
    assert route.via[-1] == "Port Qasim Power Project"
    assert 20_000 < route.distance_m < 40_000
    assert "Karachi airport signal (Star Gate exit)" in route.chokepoints
    assert [c.jurisdiction for c in route.jurisdictions] == ["Sindh"]
    assert route.arrival is not None and route.arrival > DEPARTURE and route.after_dark is False


def test_islamabad_to_dasu_follows_the_kkh_through_thakot_and_besham(national: RoadGraph) -> None:
    surface = surface_with((*BESHAM, 20.0))
    edge_risk = reweight(national, surface)
    routes = plan_routes(
        national,
        edge_risk,
        (33.72, 73.04),
        (35.2917, 73.2906),
        departure=DEPARTURE,
        surface=surface,
    )
    # there is no other road: every criterion takes the KKH, and says how dangerous it is
    assert len(routes) == 1 and set(routes[0].labels) == {"fastest", "safest", "balanced"}
    route = routes[0]
    assert {"Thakot", "Besham", "Mansehra"} <= set(route.via)
    assert route.via.index("Thakot") < route.via.index("Besham") < route.via.index("Dasu")
    assert {"Besham bazaar (KKH)", "Thakot Bridge (Indus crossing)"} <= set(route.chokepoints)
    assert route.max_level >= 4
    assert 3 * 3600 < route.duration_s < 10 * 3600


def test_karachi_to_gwadar(national: RoadGraph) -> None:
    edge_risk = reweight(national, surface_with())
    route = plan_routes(national, edge_risk, KARACHI, (25.1264, 62.3225), max_routes=1)[0]
    assert route.via[0] == "Karachi" and route.via[-1] == "Gwadar"
    assert "Ormara" in route.via or "Turbat" in route.via
    assert 500_000 < route.distance_m < 900_000


def test_karachi_to_quetta_crosses_from_sindh_to_balochistan_near_the_hub_river(
    national: RoadGraph,
) -> None:
    edge_risk = reweight(national, surface_with())
    route = plan_routes(
        national, edge_risk, KARACHI, QUETTA, max_routes=1, locate=gazetteer_locator()
    )[0]
    assert [c.jurisdiction for c in route.jurisdictions] == ["Sindh", "Balochistan"]
    sindh, balochistan = route.jurisdictions
    assert sindh.enter == pytest.approx(route.coordinates[0], abs=1e-5)
    assert sindh.exit == balochistan.enter
    assert balochistan.exit == pytest.approx(route.coordinates[-1], abs=1e-5)
    # nearest-place provinces are a few km off at a boundary
    assert distance_km(sindh.exit, HUB_RIVER_BRIDGE) < 15


def test_karachi_to_quetta_crossing_with_province_polygons(national: RoadGraph) -> None:
    shared = shared_data_dir()
    provinces = shared / "pak_admin_roads" / "provinces.geojson" if shared else None
    if provinces is None or not provinces.is_file():
        pytest.skip("real data pak_admin_roads/provinces.geojson not on this machine")
    edge_risk = reweight(national, surface_with())
    route = plan_routes(
        national, edge_risk, KARACHI, QUETTA, max_routes=1, locate=polygon_locator(provinces)
    )[0]
    assert [c.jurisdiction for c in route.jurisdictions] == ["Sindh", "Balochistan"]
    assert distance_km(route.jurisdictions[0].exit, HUB_RIVER_BRIDGE) < 6


# -- jurisdictions ---------------------------------------------------------------------------


def test_crossings_are_bisected_to_about_100_m() -> None:
    line = [(25.0, 66.5), (25.0, 67.5)]

    def east_west(lat: float, lon: float) -> str:
        return "West" if lon < 67.0 else "East"

    west, east = jurisdictions_along(line, east_west)
    assert (west.jurisdiction, east.jurisdiction) == ("West", "East")
    assert distance_km(west.exit, (25.0, 67.0)) < 0.1
    assert west.enter == (25.0, 66.5) and east.exit == (25.0, 67.5)


def test_gaps_without_a_jurisdiction_are_left_out_and_merged() -> None:
    line = [(25.0, 66.0), (25.0, 68.0)]

    def with_sea(lat: float, lon: float) -> str | None:
        if 66.5 < lon < 66.6 or 67.5 < lon < 67.6:
            return None
        return "Sindh" if lon < 67.0 else "Balochistan"

    result = jurisdictions_along(line, with_sea)
    assert [c.jurisdiction for c in result] == ["Sindh", "Balochistan"]
    assert result[0].enter == (25.0, 66.0) and result[1].exit == (25.0, 68.0)


# -- engine ----------------------------------------------------------------------------------


def test_alt_search_finds_the_same_optimum_as_plain_dijkstra() -> None:
    from benchmarks.routing import synthetic_graph

    graph = synthetic_graph(20_000, seed=3)
    alt, plain = Router(graph, use_alt=True), Router(graph, use_alt=False)
    rng = np.random.default_rng(4)
    risky = plain.time + 500.0 * rng.exponential(size=graph.n_edges) * (
        rng.random(graph.n_edges) < 0.1
    )
    nodes = np.flatnonzero(plain.main)
    for _ in range(25):
        s, t = (int(x) for x in rng.choice(nodes, 2, replace=False))
        for weights in (plain.time, risky):
            a, b = alt.shortest(weights, s, t), plain.shortest(weights, s, t)
            assert a is not None and b is not None
            assert a[1] == pytest.approx(b[1], rel=1e-9)
            bounded = alt.shortest(weights, s, t, upper=b[1] * 1.5)
            assert bounded is not None and bounded[1] == pytest.approx(b[1], rel=1e-9)


def test_plan_routes_checks_its_inputs(two_roads: RoadGraph) -> None:
    quiet = reweight(two_roads, surface_with(), chokepoints=())
    with pytest.raises(ValueError, match="one value per edge"):
        plan_routes(two_roads, quiet[:-1], THAKOT, PATTAN)
    with pytest.raises(ValueError, match=">= 0"):
        plan_routes(two_roads, -np.ones_like(quiet), THAKOT, PATTAN)
    with pytest.raises(ValueError, match="naive"):
        plan_routes(two_roads, quiet, THAKOT, PATTAN, departure=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="out of range"):
        plan_routes(two_roads, quiet, (95.0, 72.0), PATTAN)


def test_route_as_geojson(two_roads: RoadGraph) -> None:
    quiet = reweight(two_roads, surface_with(), chokepoints=())
    route: Route = plan_routes(two_roads, quiet, THAKOT, PATTAN, departure=DEPARTURE)[0]
    feature = route.as_geojson()
    assert feature["geometry"]["coordinates"][0] == [THAKOT[1], THAKOT[0]]
    assert feature["properties"]["labels"] == ["fastest", "safest", "balanced"]
    assert feature["properties"]["arrival"].startswith("2025-03-01T")


# -- the real central-Karachi extract -----------------------------------------------------


@pytest.fixture(scope="module")
def saddar() -> RoadGraph:
    shared = shared_data_dir()
    path = (
        shared / "osm_karachi_saddar" / "overpass_karachi_saddar_2025-11-24.json"
        if shared
        else Path("/nonexistent")
    )
    if not path.is_file():
        pytest.skip("real data osm_karachi_saddar not on this machine")
    return from_overpass_json(path)


def test_saddar_route_is_close_to_the_networkx_shortest_path(saddar: RoadGraph) -> None:
    nx = pytest.importorskip("networkx")
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(
        zip(saddar.tail.tolist(), saddar.head.tolist(), saddar.length_m.tolist(), strict=True)
    )
    edge_risk = reweight(saddar, surface_with((24.8607, 67.0011, 5.0)))
    a, b = (24.8530, 66.9950), (24.8700, 67.0050)  # south-west Saddar to the north-east
    surface = surface_with((24.8607, 67.0011, 5.0))
    routes = plan_routes(saddar, edge_risk, a, b, departure=DEPARTURE, surface=surface)
    fastest = routes[0]
    assert fastest.origin_snap_m < 150 and fastest.destination_snap_m < 150
    shortest = nx.shortest_path_length(
        graph, int(fastest.nodes[0]), int(fastest.nodes[-1]), weight="weight"
    )
    assert shortest <= fastest.distance_m <= 1.3 * shortest
    labels = [label for r in routes for label in r.labels]
    assert [x for x in labels if x != "alternative"] == ["fastest", "safest", "balanced"]
    assert fastest.max_level == 4  # passes the incident's cell (score 3.5)
    for i, route in enumerate(routes):
        assert all(not np.array_equal(route.nodes, other.nodes) for other in routes[:i])
        if route.label == "alternative":
            assert route.duration_s <= MAX_STRETCH * fastest.duration_s + 1e-6
        else:
            assert route.exposure <= fastest.exposure
