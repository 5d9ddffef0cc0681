"""Corridor deviation and no-go zones: off the approved route long enough is one alert per
excursion; a junction detour is none."""

from __future__ import annotations

from jsms.tracking.monitor import Monitor, NoGoZone, Thresholds
from tests.tracking.monitor.conftest import CAR, ESCORT_CAR, at, drive, fix, make_plan, where


def kinds(findings: list) -> list[str]:
    return [f.kind for f in findings]


def test_a_detour_across_a_junction_is_not_a_deviation(monitor: Monitor) -> None:
    # 40 s on a slip road 400 m from the route, then back: shorter than the 60 s dwell
    out = drive(CAR, 0, 300, off=lambda s: 400.0 if 100 <= s < 140 else 0.0)
    assert kinds(monitor.feed(out)) == []


def test_leaving_the_corridor_for_longer_than_the_dwell_is_one_deviation(monitor: Monitor) -> None:
    positions = drive(CAR, 0, 600, off=lambda s: 800.0 if 100 <= s < 400 else 0.0)
    findings = monitor.feed(positions)
    assert kinds(findings) == ["deviation"]
    deviation = findings[0]
    assert deviation.key == f"m1:deviation:{CAR}:{at(100).isoformat()}"
    assert deviation.at == at(160)  # the first fix a full minute after leaving
    assert deviation.severity == "warning"
    assert deviation.detail["off_route_m"] == 800
    assert deviation.device_id == CAR and deviation.movement_id == "m1"
    assert "MV-2026-00001" in deviation.title


def test_each_excursion_is_its_own_episode(monitor: Monitor) -> None:
    def off(s: float) -> float:
        return 800.0 if 100 <= s < 300 or 500 <= s < 700 else 0.0

    findings = monitor.feed(drive(CAR, 0, 900, off=off))
    assert [f.key for f in findings] == [
        f"m1:deviation:{CAR}:{at(100).isoformat()}",
        f"m1:deviation:{CAR}:{at(500).isoformat()}",
    ]


def test_gps_jitter_at_the_edge_does_not_end_the_episode(monitor: Monitor) -> None:
    # out at 320 m, then wobbling between 260 and 320 m: still the same excursion
    def off(s: float) -> float:
        if s < 100:
            return 0.0
        return 320.0 if (s // 10) % 2 == 0 else 260.0

    findings = monitor.feed(drive(CAR, 0, 600, off=off))
    assert kinds(findings) == ["deviation"]


def test_a_whole_convoy_leaving_the_road_is_one_alert(monitor: Monitor) -> None:
    positions = sorted(
        drive(CAR, 0, 400, off=lambda s: 600.0 if s >= 100 else 0.0)
        + drive(ESCORT_CAR, 5, 405, from_m=-50, off=lambda s: 600.0 if s >= 105 else 0.0),
        key=lambda p: p.fixed_at,
    )
    assert kinds(monitor.feed(positions)) == ["deviation"]


def test_a_clock_tick_completes_the_dwell_of_a_silent_device(monitor: Monitor) -> None:
    monitor.feed([fix(CAR, 0, 0), fix(CAR, 30, 450), fix(CAR, 60, 900, 700)])
    assert monitor.tick(at(100)) == []
    found = monitor.tick(at(125))
    assert kinds(found) == ["deviation"]
    assert monitor.tick(at(200)) == []  # reported once


def test_no_deviation_before_the_movement_is_under_way() -> None:
    monitor = Monitor()
    monitor.watch(make_plan(started_at=None))
    # the escort drives from its base, far from the route, before departure
    positions = drive(ESCORT_CAR, -3000, -2000, off=lambda s: 5000.0)
    assert kinds(monitor.feed(positions)) == []


def test_a_corridor_set_for_the_movement_replaces_the_configured_one() -> None:
    monitor = Monitor(Thresholds(corridor_m=300))
    monitor.watch(make_plan(corridor_m=1000))
    assert monitor.feed(drive(CAR, 0, 400, off=lambda s: 800.0 if s >= 100 else 0.0)) == []


def test_entering_a_no_go_zone_is_critical_at_once() -> None:
    lat, lon = where(10_000, 2_000)
    zone = NoGoZone("market", rule_id="XX-NOGO-1", lat=lat, lon=lon, radius_km=0.5)
    monitor = Monitor()
    monitor.watch(make_plan(no_go=(zone,)))
    positions = drive(CAR, 0, 900, off=lambda s: 2_000.0 if 600 <= s < 700 else 0.0)
    found = [f for f in monitor.feed(positions) if f.kind == "no_go_entry"]
    assert len(found) == 1
    assert found[0].severity == "critical"
    assert found[0].detail["place"] == "market" and found[0].detail["rule_id"] == "XX-NOGO-1"
    assert found[0].detail["radius_km"] == 0.5
    assert found[0].at == at(640)  # the first fix within 500 m of the centre (9.6 km along)


def test_a_polygon_no_go_zone() -> None:
    from shapely.geometry import box

    (lat1, lon1), (lat2, lon2) = where(5_000, -100), where(6_000, 100)
    zone = NoGoZone("bridge", geometry=box(lon1, lat1, lon2, lat2))
    monitor = Monitor()
    monitor.watch(make_plan(no_go=(zone,)))
    found = monitor.feed(drive(CAR, 0, 600))
    assert [f.kind for f in found] == ["no_go_entry"]
    # the polygon travels with the finding, for the CAP message's area
    assert found[0].detail["zone"]["type"] == "Polygon"
    assert found[0].detail["place"] == "bridge"
