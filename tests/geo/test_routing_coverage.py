"""Routing refuses an end outside the graph's coverage instead of snapping across the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jsms.geo.roads import RoadGraph, build_graph, national_corridors
from jsms.geo.routing import OutsideCoverage, plan_routes

SADDAR = (24.855, 67.025)  # central Karachi
AIRPORT = (24.9067, 67.1608)  # Jinnah International, ~15 km east
MOHMAND_DAM = (34.3532, 71.533)  # a project site ~30 km from the nearest corridor town


def grid_extract(
    centre: tuple[float, float], size_m: float = 3_000, step_m: float = 250
) -> RoadGraph:
    """A street grid of ``size_m`` x ``size_m`` around ``centre``, like a small OSM extract."""
    n = int(size_m // step_m) + 1
    dlat = step_m / 111_320
    dlon = step_m / (111_320 * np.cos(np.radians(centre[0])))
    lat0 = centre[0] - dlat * (n - 1) / 2
    lon0 = centre[1] - dlon * (n - 1) / 2
    lat = [lat0 + i * dlat for i in range(n) for _ in range(n)]
    lon = [lon0 + j * dlon for _ in range(n) for j in range(n)]
    tails, heads = [], []
    for i in range(n):
        for j in range(n):
            here = i * n + j
            for there in ((i + 1) * n + j if i + 1 < n else None, here + 1 if j + 1 < n else None):
                if there is not None:
                    tails += [here, there]
                    heads += [there, here]
    return build_graph(lat, lon, tails, heads, speed_kmh=30.0, source="test extract (3 x 3 km)")


def test_an_end_outside_a_small_extract_is_refused_naming_the_end_and_distance() -> None:
    extract = grid_extract(SADDAR)
    with pytest.raises(OutsideCoverage) as refused:
        plan_routes(extract, np.zeros(extract.n_edges), SADDAR, AIRPORT)
    assert refused.value.end == "destination"
    assert refused.value.distance_m > 10_000
    assert "test extract (3 x 3 km)" in str(refused.value)
    assert "km" in str(refused.value)


def test_both_ends_inside_the_extract_are_routed_on_its_streets() -> None:
    extract = grid_extract(SADDAR)
    a = (SADDAR[0] - 0.01, SADDAR[1] - 0.01)
    b = (SADDAR[0] + 0.01, SADDAR[1] + 0.01)
    [route, *_] = plan_routes(extract, np.zeros(extract.n_edges), a, b)
    assert 2_000 < route.distance_m < 6_000
    assert route.origin_snap_m < 250 and route.destination_snap_m < 250


def test_reach_survives_save_and_load(tmp_path: Path) -> None:
    extract = grid_extract(SADDAR)
    loaded = RoadGraph.load(extract.save(tmp_path / "roads.npz"))
    assert loaded.reach_m == extract.reach_m == 2_000


def test_the_national_corridors_reach_project_sites_off_the_highway() -> None:
    graph = national_corridors()
    [route, *_] = plan_routes(graph, np.zeros(graph.n_edges), MOHMAND_DAM, (34.0151, 71.5249))
    assert route.origin_snap_m > 2_000  # farther than a street graph would accept
    assert route.distance_m > 20_000
