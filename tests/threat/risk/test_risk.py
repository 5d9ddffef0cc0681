"""Risk surface and threat levels: behaviour on small hand-made cases, properties, real data."""

from __future__ import annotations

import doctest
import importlib
import json
import math

import h3
import numpy as np
import pytest
from h3.api import basic_int as h3i
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from jsms.threat.risk import (
    ATTACK_TYPE_WEIGHTS,
    LEVEL_THRESHOLDS,
    PAKISTAN_BBOX,
    THREAT_LEVELS,
    Override,
    apply_overrides,
    area_level,
    build_surface,
    canonical_attack_type,
    decay,
    level_for,
    level_name,
    severity,
    synthetic_events,
)
from jsms.threat.risk.cells import neighbours, parents
from jsms.threat.risk.synthetic import SYNTHETIC_END
from tests.conftest import shared_data

DAY = 86_400.0
T = 1_700_000_000.0  # 2023-11-14, an arbitrary "now"
QUETTA = (30.20082, 66.994352)
PESHAWAR = (34.006004, 71.53743)
KARACHI = (24.891116, 67.143312)
SKARDU = (35.2971, 75.6333)
THAR = (24.70, 70.18)


def cell(lat: float, lon: float) -> int:
    return h3i.latlng_to_cell(lat, lon, 7)


def ring(c: int, k: int) -> set[int]:
    return set(h3i.grid_ring(c, k))


def surface_of(events: list[tuple[int, float, float]], at: float = T, **kw):
    cells = np.array([e[0] for e in events], dtype=np.uint64)
    occurred = np.array([e[1] for e in events], dtype=np.float64)
    sev = np.array([e[2] for e in events], dtype=np.float64)
    return build_surface(cells, occurred, sev, at=at, **kw)


def test_docstring_examples_run() -> None:
    names = (
        "build",
        "cells",
        "levels",
        "overrides",
        "recency",
        "scores",
        "severities",
        "synthetic",
    )
    results = [doctest.testmod(importlib.import_module(f"jsms.threat.risk.{n}")) for n in names]
    assert sum(r.attempted for r in results) > 20
    assert sum(r.failed for r in results) == 0


# --- severity and decay ---------------------------------------------------------------------


def test_severity_orders_attack_types_casualties_and_foreign_victims() -> None:
    assert severity("vbied", 0, 0) > severity("bombing", 0, 0) > severity("armed_assault", 0, 0)
    assert severity("armed_assault", 0, 0) > severity("threat", 0, 0) > severity("protest", 0, 0)
    assert severity("ied", 5, 0) > severity("ied", 1, 0) > severity("ied", 0, 0)
    assert severity("ied", 3, 0) > severity("ied", 0, 3) > severity("ied", 0, 0)
    # Log scale: the tenth death adds less than the first.
    assert severity("ied", 10, 0) - severity("ied", 9, 0) < severity("ied", 1, 0) - severity(
        "ied", 0, 0
    )
    local = severity("armed_assault", 1, 0)
    assert severity("armed_assault", 1, 0, foreign_victims=1) > 2 * local
    assert severity("armed_assault", 1, 0, foreign_victims=3) > severity(
        "armed_assault", 1, 0, foreign_victims=1
    )
    assert severity(None, None, None) == ATTACK_TYPE_WEIGHTS["unknown"]
    assert severity("armed_assault", float("nan"), None) == ATTACK_TYPE_WEIGHTS["armed_assault"]
    with pytest.raises(ValueError):
        severity("ied", -1, 0)


def test_attack_types_of_every_source_are_understood() -> None:
    assert canonical_attack_type("Bombing/Explosion") == "bombing"
    assert canonical_attack_type("Hostage Taking (Kidnapping)") == "kidnapping"
    assert canonical_attack_type("Suicide bomb") == "suicide_attack"
    assert canonical_attack_type("  VBIED ") == "vbied"
    assert canonical_attack_type("something new") == "unknown"
    try:
        from jsms.threat.importers import ATTACK_TYPES
    except ImportError:  # pragma: no cover - importers not in this tree
        return
    for kind in ATTACK_TYPES:
        assert canonical_attack_type(kind) == kind, kind


def test_decay_halves_every_half_life_and_ignores_the_future() -> None:
    ages = np.array([0.0, 180.0, 360.0, 540.0, -1.0, np.nan])
    assert decay(ages).tolist() == [1.0, 0.5, 0.25, 0.125, 0.0, 0.0]
    assert decay(np.array([30.0]), half_life_days=30.0).tolist() == [0.5]
    with pytest.raises(ValueError):
        decay(np.array([1.0]), half_life_days=0)


# --- the surface -------------------------------------------------------------------------------


def test_fresh_severe_incident_raises_its_cell_and_less_its_neighbours() -> None:
    centre = cell(*QUETTA)
    background = [(cell(*KARACHI), T - 30 * DAY, 3.0)]
    before = surface_of(background)
    after = surface_of([*background, (centre, T - DAY, severity("vbied", 20, 40))])

    assert before.level_cell(centre) == 1
    assert after.level_cell(centre) >= 4
    for neighbour in ring(centre, 1):
        assert 0 < after.score_cell(neighbour) < after.score_cell(centre) / 10
        assert 1 < after.level_cell(neighbour) < after.level_cell(centre)
    for far in ring(centre, 2):
        assert after.score_cell(far) == 0.0
    # The rest of the map does not move.
    assert after.score_point(*KARACHI) == pytest.approx(before.score_point(*KARACHI))


def test_smoothing_shares_without_creating_or_losing_score() -> None:
    centre = cell(*QUETTA)
    s = surface_of([(centre, T, 10.0)], smoothing=0.3)
    assert s.scores7.sum() == pytest.approx(10.0)
    assert s.score_cell(centre) == pytest.approx(7.0)
    assert s.cells7.size == 7
    unsmoothed = surface_of([(centre, T, 10.0)], smoothing=0.0)
    assert unsmoothed.cells7.tolist() == [centre]
    assert unsmoothed.score_cell(centre) == pytest.approx(10.0)


def test_old_incidents_decay_with_the_half_life() -> None:
    c = cell(*PESHAWAR)
    fresh = surface_of([(c, T, 8.0)]).score_cell(c)
    half = surface_of([(c, T - 180 * DAY, 8.0)]).score_cell(c)
    quarter = surface_of([(c, T - 360 * DAY, 8.0)]).score_cell(c)
    assert half == pytest.approx(fresh / 2)
    assert quarter == pytest.approx(fresh / 4)
    assert surface_of([(c, T - 90 * DAY, 8.0)], half_life_days=90).score_cell(c) == (
        pytest.approx(fresh / 2)
    )
    assert level_for(quarter) < level_for(fresh)


def test_events_after_at_are_ignored_so_the_past_can_be_asked() -> None:
    c = cell(*QUETTA)
    events = [(c, T - 400 * DAY, 3.0), (c, T - 10 * DAY, 9.0)]
    now = surface_of(events, at=T)
    then = surface_of(events, at=T - 200 * DAY)  # the second attack had not happened yet
    before_all = surface_of(events, at=T - 500 * DAY)
    assert then.n_events == 1 and before_all.n_events == 0
    assert then.score_cell(c) == pytest.approx(0.7 * 3.0 * 0.5 ** (200 / 180))
    assert before_all.score_cell(c) == 0.0 and before_all.level_cell(c) == 1
    assert now.level_cell(c) > then.level_cell(c)


def test_regions_take_the_max_of_their_cells() -> None:
    cells, occurred, sev = synthetic_events(20_000, seed=5)
    s = build_surface(cells, occurred, sev, at=float(occurred.max()))
    expected: dict[int, float] = {}
    for c, score in zip(s.cells7.tolist(), s.scores7.tolist(), strict=True):
        parent = h3i.cell_to_parent(c, 5)
        expected[parent] = max(expected.get(parent, 0.0), score)
    assert s.cells5.tolist() == sorted(expected)
    assert s.scores5.tolist() == [expected[c] for c in s.cells5.tolist()]
    assert np.all(np.diff(s.cells7.astype(np.float64)) > 0)
    assert s.score_cell(h3i.int_to_str(int(s.cells5[0]))) == s.scores5[0]


def test_vectorised_neighbours_and_parents_match_h3() -> None:
    rng = np.random.default_rng(11)
    lat = np.concatenate(
        [rng.uniform(24, 37, 4000), np.degrees(np.arcsin(rng.uniform(-1, 1, 4000)))]
    )
    lon = np.concatenate([rng.uniform(61, 77, 4000), rng.uniform(-180, 180, 4000)])
    cells = {h3i.latlng_to_cell(a, b, 7) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)}
    cells |= set(h3i.get_pentagons(7))
    cells |= {n for p in h3i.get_pentagons(7) for n in h3i.grid_ring(p, 1)}
    arr = np.array(sorted(cells), dtype=np.uint64)
    table, counts = neighbours(arr)
    for c, row, n in zip(arr.tolist(), table.tolist(), counts.tolist(), strict=True):
        assert set(row[:n]) == set(h3i.grid_ring(c, 1)), h3i.int_to_str(c)
        assert all(x == 0 for x in row[n:])
    regions = parents(arr, 5)
    assert regions.tolist() == [h3i.cell_to_parent(c, 5) for c in arr.tolist()]


def test_inputs_from_the_database_and_bad_inputs() -> None:
    c = cell(*QUETTA)
    as_int64 = build_surface(np.array([c], dtype=np.int64), [T], [5.0], at=T)
    as_str = build_surface([h3i.int_to_str(c)], [T], [5.0], at=T)
    finer = build_surface([h3i.cell_to_center_child(c, 9)], [T], [5.0], at=T)
    no_cell = build_surface([0, c], [T, T], [50.0, 5.0], at=T)
    for s in (as_int64, as_str, finer, no_cell):
        assert s.score_cell(c) == pytest.approx(3.5)
    with pytest.raises(ValueError):
        build_surface([h3i.cell_to_parent(c, 5)], [T], [1.0], at=T)
    with pytest.raises(ValueError):
        build_surface([c, c], [T], [1.0], at=T)
    with pytest.raises(ValueError):
        build_surface([c], [T], [-1.0], at=T)
    with pytest.raises(ValueError):
        build_surface([c], [T], [1.0], at=T, smoothing=1.0)
    empty = build_surface([], [], [], at=T)
    assert empty.cells7.size == 0 and empty.cells5.size == 0
    assert empty.score_point(*QUETTA) == 0.0 and empty.level_point(*QUETTA) == 1
    with pytest.raises(ValueError):
        empty.score_point(120.0, 30.0)


# --- levels -----------------------------------------------------------------------------------


def test_levels_use_the_fixed_thresholds() -> None:
    assert len(THREAT_LEVELS) == 6 and len(LEVEL_THRESHOLDS) == 5
    assert list(LEVEL_THRESHOLDS) == sorted(LEVEL_THRESHOLDS)
    edges = np.array([0.0, *LEVEL_THRESHOLDS])
    assert level_for(edges).tolist() == [1, 2, 3, 4, 5, 6]
    assert level_for(np.nextafter(edges[1:], 0)).tolist() == [1, 2, 3, 4, 5]
    assert int(level_for(1e9)) == 6
    assert [level_name(i) for i in range(1, 7)] == list(THREAT_LEVELS)
    with pytest.raises(ValueError):
        level_name(7)


@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=50))
def test_levels_are_monotone_in_score(scores: list[float]) -> None:
    s = np.sort(np.array(scores))
    levels = level_for(s)
    assert np.all(np.diff(levels) >= 0)
    assert levels.min() >= 1 and levels.max() <= 6


def test_area_level_is_the_worst_cell_unless_support_is_asked() -> None:
    assert area_level([]) == 1
    assert area_level([0.0, 0.0]) == 1
    assert area_level([25.0, 0.5, 0.0]) == 6
    assert area_level([25.0, 0.5, 0.0], support=2) == 2
    assert area_level([25.0], support=3) == 6
    c = cell(*QUETTA)
    s = surface_of([(c, T, 10.0)])
    district = np.array(h3i.grid_disk(c, 3), dtype=np.uint64)
    assert s.area_level(district) == s.level_cell(c) == 4
    assert s.area_level(np.array(h3i.grid_ring(c, 3), dtype=np.uint64)) == 1


# --- overrides --------------------------------------------------------------------------------


def test_overrides_replace_the_level_until_they_expire() -> None:
    c = cell(*QUETTA)
    region = h3i.cell_to_parent(c, 5)
    raise_ = Override(cells=[region], level=6, reason="credible VBIED warning", expires_at=T + DAY)
    lower = Override(cells={c}, level=2, reason="area cleared by FC", expires_at=T + DAY)
    assert apply_overrides(3, [raise_], at=T, cell=c) == 6
    assert apply_overrides(3, [raise_], at=T + DAY, cell=c) == 3  # expired
    assert apply_overrides(5, [lower], at=T, cell=c) == 2  # analysts may lower too
    assert apply_overrides(5, [lower], at=T + 2 * DAY, cell=c) == 5
    elsewhere = cell(*KARACHI)
    assert apply_overrides(3, [raise_, lower], at=T, cell=elsewhere) == 3
    assert apply_overrides(3, [raise_], at=T) == 6  # caller already picked the area's overrides


def test_the_latest_override_wins_and_future_ones_wait() -> None:
    c = cell(*PESHAWAR)
    first = Override(
        cells=[c], level=6, reason="threat", starts_at=T - 10 * DAY, expires_at=T + DAY
    )
    later = Override(cells=[c], level=3, reason="reviewed", starts_at=T - DAY, expires_at=T + DAY)
    future = Override(
        cells=[c], level=1, reason="planned", starts_at=T + DAY, expires_at=T + 9 * DAY
    )
    assert apply_overrides(4, [first, later, future], at=T, cell=c) == 3
    assert apply_overrides(4, [first, later, future], at=T - 5 * DAY, cell=c) == 6
    assert apply_overrides(4, [first, later, future], at=T + 2 * DAY, cell=c) == 1
    same_start = Override(cells=[c], level=5, reason="x", starts_at=T - DAY, expires_at=T + DAY)
    assert apply_overrides(4, [later, same_start], at=T, cell=c) == 5


def test_overrides_apply_to_points_and_are_validated() -> None:
    c = cell(*QUETTA)
    s = surface_of([(c, T, 10.0)])
    warning = Override(cells=[h3i.int_to_str(c)], level=6, reason="warning", expires_at=T + DAY)
    assert s.level_point(*QUETTA) == 4
    assert s.level_point(*QUETTA, overrides=[warning]) == 6
    assert s.level_point(*QUETTA, overrides=[warning], at=T + DAY) == 4
    for bad in (
        {"cells": [c], "level": 0, "reason": "r", "expires_at": T},
        {"cells": [c], "level": 7, "reason": "r", "expires_at": T},
        {"cells": [c], "level": 3, "reason": " ", "expires_at": T},
        {"cells": [], "level": 3, "reason": "r", "expires_at": T},
        {"cells": [12345], "level": 3, "reason": "r", "expires_at": T},
        {"cells": [c], "level": 3, "reason": "r", "starts_at": T, "expires_at": T},
    ):
        with pytest.raises(ValueError):
            Override(**bad)


# --- lines ------------------------------------------------------------------------------------


def test_line_through_a_hot_spot_reports_it_and_a_detour_scores_lower() -> None:
    hot = cell(*QUETTA)
    s = surface_of([(hot, T, 30.0)])  # level 6 at Quetta: 0.7 x 30 = 21
    lat, lon = h3i.cell_to_latlng(hot)  # through the centre: >= 2 km inside the cell
    through = [(lat - 0.3, lon), (lat + 0.3, lon)]
    around = [(lat - 0.3, lon), (lat - 0.1, lon + 0.15), (lat + 0.1, lon + 0.15), (lat + 0.3, lon)]
    a, b = s.score_line(through), s.score_line(around)
    assert a.max_level == s.level_point(lat, lon) == 6
    assert a.max_score == pytest.approx(s.score_cell(hot))
    assert hot in a.cells and hot not in b.cells
    assert b.max_level < a.max_level
    assert a.exposure > b.exposure
    assert b.length_km > a.length_km
    assert a.length_km == pytest.approx(2 * 0.3 * math.pi / 180 * 6371.0088, rel=1e-3)
    assert a.samples == math.ceil(a.length_km) + 2
    # Consecutive samples 1 km apart stay in the same or adjacent cells (~1.2 km edge).
    assert all(h3i.grid_distance(p, q) <= 2 for p, q in zip(a.cells, a.cells[1:], strict=False))


def test_line_exposure_does_not_depend_on_the_step_much() -> None:
    c = cell(*KARACHI)
    s = surface_of([(n, T, 5.0) for n in h3i.grid_disk(c, 4)])
    route = np.array([[24.80, 67.00], [24.95, 67.30]])
    coarse, fine = s.score_line(route, step_km=1.0), s.score_line(route, step_km=0.25)
    assert fine.exposure == pytest.approx(coarse.exposure, rel=0.1)
    assert fine.samples > coarse.samples


def test_degenerate_lines() -> None:
    c = cell(*QUETTA)
    s = surface_of([(c, T, 10.0)])
    point = s.score_line([QUETTA])
    assert point.length_km == 0.0 and point.exposure == 0.0 and point.max_level == 4
    assert point.cells == (c,)
    assert s.score_line([QUETTA, QUETTA]).max_level == 4
    with pytest.raises(ValueError):
        s.score_line([])
    with pytest.raises(ValueError):
        s.score_line([QUETTA, (200.0, 0.0)])
    with pytest.raises(ValueError):
        s.score_line([QUETTA, KARACHI], step_km=0)


# --- GeoJSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", [5, 7])
def test_geojson_has_closed_lon_lat_rings_and_levels(resolution: int) -> None:
    cells, occurred, sev = synthetic_events(5_000, seed=3)
    s = build_surface(cells, occurred, sev, at=float(occurred.max()))
    fc = json.loads(json.dumps(s.to_geojson(resolution, min_level=3)))
    assert fc["type"] == "FeatureCollection" and fc["features"]
    lat_min, lon_min, lat_max, lon_max = PAKISTAN_BBOX
    for feature in fc["features"]:
        assert feature["type"] == "Feature"
        geometry, props = feature["geometry"], feature["properties"]
        assert geometry["type"] == "Polygon"
        ring_ = geometry["coordinates"][0]
        assert ring_[0] == ring_[-1] and len(ring_) >= 6
        for lon, lat in ring_:  # [lon, lat]: longitudes of Pakistan exceed its latitudes
            assert lon_min - 2 < lon < lon_max + 2 and lat_min - 2 < lat < lat_max + 2
        polygon = shape(geometry)
        assert polygon.is_valid
        centre_lat, centre_lon = h3.cell_to_latlng(props["cell"])
        assert polygon.contains(Point(centre_lon, centre_lat))
        assert h3.get_resolution(props["cell"]) == props["resolution"] == resolution
        assert props["level"] >= 3 and props["name"] == THREAT_LEVELS[props["level"] - 1]
        assert props["score"] >= LEVEL_THRESHOLDS[1] - 1e-3
    assert len(s.to_geojson(resolution, min_level=1)["features"]) >= len(fc["features"])
    with pytest.raises(ValueError):
        s.to_geojson(6)


# --- properties -------------------------------------------------------------------------------

POOL = [int(c) for c in sorted(h3i.grid_disk(h3i.latlng_to_cell(*QUETTA, 7), 3))]
event = st.tuples(
    st.sampled_from(POOL),
    st.floats(-50 * DAY, 2_000 * DAY, allow_nan=False),
    st.floats(0, 20, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(event, max_size=30), event)
def test_adding_an_event_never_lowers_any_score(events: list, extra: tuple) -> None:
    base = [(c, T - age, sev) for c, age, sev in events]
    before = surface_of(base)
    after = surface_of([*base, (extra[0], T - extra[1], extra[2])])
    for cells, scores, resolution in (
        (before.cells7, before.scores7, 7),
        (before.cells5, before.scores5, 5),
    ):
        for c, score in zip(cells.tolist(), scores.tolist(), strict=True):
            assert after.score_cell(c) >= score * (1 - 1e-12), (resolution, c)


@settings(max_examples=40, deadline=None)
@given(st.lists(event, min_size=1, max_size=30), st.floats(-100 * DAY, 2_000 * DAY))
def test_a_surface_at_time_t_is_the_surface_of_what_happened_by_t(
    events: list, back: float
) -> None:
    timed = [(c, T - age, sev) for c, age, sev in events]
    at = T - back
    full = surface_of(timed, at=at)
    known = surface_of([e for e in timed if e[1] <= at], at=at)
    assert full.cells7.tolist() == known.cells7.tolist()
    assert np.allclose(full.scores7, known.scores7)


def test_synthetic_events_are_clustered_reproducible_and_inside_pakistan() -> None:
    cells, occurred, sev = synthetic_events(50_000, seed=9)
    again = synthetic_events(50_000, seed=9)
    assert all(np.array_equal(x, y) for x, y in zip((cells, occurred, sev), again, strict=True))
    assert not np.array_equal(cells, synthetic_events(50_000, seed=10)[0])
    assert cells.dtype == np.uint64 and occurred.dtype == sev.dtype == np.float64
    assert np.unique(cells).size < cells.size / 3  # clustered
    assert (sev > 0).all() and sev.max() < 40
    assert occurred.max() <= SYNTHETIC_END
    assert occurred.min() >= SYNTHETIC_END - 10 * 365.25 * DAY
    lat_min, lon_min, lat_max, lon_max = PAKISTAN_BBOX
    for c in np.unique(cells)[::97].tolist():
        assert h3i.get_resolution(c) == 7
        lat, lon = h3i.cell_to_latlng(c)
        assert lat_min - 0.2 < lat < lat_max + 0.2 and lon_min - 0.2 < lon < lon_max + 0.2


# --- real data --------------------------------------------------------------------------------


def test_real_gtd_levels_at_the_end_of_2018() -> None:
    data = shared_data()
    path = None if data is None else data / "gtd_pakistan" / "pakistan_gtd_2007_2018_processed.csv"
    if path is None or not path.exists():
        pytest.skip("real datasets (../shared/data) not present")
    from benchmarks.risk import GTD_AT, index_cells, load_gtd

    events = load_gtd(path)
    cells = index_cells(events.lat, events.lon)
    s = build_surface(cells, events.occurred, events.severities, at=GTD_AT)
    for hot in (QUETTA, PESHAWAR, KARACHI):
        assert s.level_point(*hot) >= 4, hot
    for quiet in (SKARDU, THAR):
        assert s.level_point(*quiet) <= 2, quiet
    levels = level_for(s.scores7)
    assert (levels <= 2).mean() > 0.8  # most cells are quiet
    assert (levels >= 5).sum() < 50  # High and Extreme are rare
    # Before the first incident in the extract, Quetta was quiet.
    assert (
        build_surface(cells, events.occurred, events.severities, at=1.1e9).level_point(*QUETTA) == 1
    )
