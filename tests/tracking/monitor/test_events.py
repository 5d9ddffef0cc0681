"""SOS, convoy split, incidents near the convoy or the route ahead, progress and ETA."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jsms.tracking.monitor import IncidentReport, Monitor, Thresholds
from tests.tracking.monitor.conftest import (
    CAR,
    ESCORT_CAR,
    LENGTH_M,
    at,
    drive,
    fix,
    make_plan,
    where,
)


def test_sos_is_critical_and_one_alert_per_press(monitor: Monitor) -> None:
    presses = [fix(CAR, s, 1000, alarm="sos") for s in (100, 110, 130)]  # held, re-sent
    found = monitor.feed(presses)
    assert [(f.kind, f.severity) for f in found] == [("sos", "critical")]
    assert found[0].key == f"m1:sos:{CAR}:{at(100).isoformat()}"
    assert (found[0].lat, found[0].lon) == pytest.approx(where(1000))
    later = monitor.feed([fix(CAR, 100 + 15 * 60, 1000, alarm="SOS")])
    assert [f.kind for f in later] == ["sos"]  # a new press after ten quiet minutes


def test_sos_counts_before_departure_and_in_a_late_store_and_forward_fix() -> None:
    monitor = Monitor()
    monitor.watch(make_plan(started_at=None))
    monitor.feed([fix(CAR, -100, 0, speed=0.0)])
    assert [f.kind for f in monitor.feed([fix(CAR, -300, 0, alarm="sos")])] == ["sos"]


def test_an_escort_falling_a_kilometre_behind_for_two_minutes_is_a_convoy_split(
    monitor: Monitor,
) -> None:
    car = drive(CAR, 0, 600)
    escort = drive(ESCORT_CAR, 2, 602, from_m=-50)
    # the escort stops for 3 min at 200 s (at 2.95 km), the car drives on
    escort = [p for p in escort if p.fixed_at < at(200)] + [
        fix(ESCORT_CAR, s, 2_950, speed=0.0) for s in range(202, 400, 10)
    ]
    found = monitor.feed(sorted([*car, *escort], key=lambda p: p.fixed_at))
    split = [f for f in found if f.kind == "convoy_split"]
    assert len(split) == 1
    assert split[0].device_id == ESCORT_CAR
    assert split[0].detail["gap_m"] > 1000
    # the gap passed 1 km when the car was 1 km past the escort (about 267 s)
    assert at(260) <= split[0].at - timedelta(seconds=120) <= at(280)


def test_a_short_gap_at_a_checkpoint_is_not_a_split(monitor: Monitor) -> None:
    car = drive(CAR, 0, 600)
    escort = [
        *drive(ESCORT_CAR, 2, 200, from_m=-50),
        *[fix(ESCORT_CAR, s, 2_950, speed=0.0) for s in range(210, 320, 10)],  # 1.8 min
        *drive(ESCORT_CAR, 320, 600, speed=30, from_m=2_950),
    ]
    found = monitor.feed(sorted([*car, *escort], key=lambda p: p.fixed_at))
    assert [f for f in found if f.kind == "convoy_split"] == []


def test_an_incident_near_the_convoy_is_critical_near_the_route_ahead_a_warning(
    monitor: Monitor,
) -> None:
    monitor.feed(drive(CAR, 0, 600))  # at 9 km
    lat, lon = where(9_500, 1_000)
    found = monitor.incident(IncidentReport("i1", lat, lon, at(610), "IED"))
    assert [(f.kind, f.severity, f.incident_id) for f in found] == [
        ("incident_nearby", "critical", "i1")
    ]
    lat, lon = where(25_000, 3_000)  # 16 km ahead, 3 km off the road
    ahead = monitor.incident(IncidentReport("i2", lat, lon, at(620), "firing"))
    assert [(f.severity, f.detail["distance_m"]) for f in ahead] == [("warning", 3000)]
    assert ahead[0].key == "m1:incident_nearby:i2:" + at(620).isoformat()
    assert monitor.incident(IncidentReport("i2", lat, lon, at(630))) == []  # seen already


def test_an_incident_behind_the_convoy_or_far_away_is_not_reported(monitor: Monitor) -> None:
    monitor.feed(drive(CAR, 0, 1200))  # at 18 km
    lat, lon = where(2_000, 500)  # behind: the route there is done
    assert monitor.incident(IncidentReport("i3", lat, lon, at(1210))) == []
    lat, lon = where(25_000, 20_000)
    assert monitor.incident(IncidentReport("i4", lat, lon, at(1210))) == []


def test_an_incident_on_the_route_of_a_movement_about_to_leave_is_reported() -> None:
    monitor = Monitor(Thresholds(incident_radius_km=2))
    monitor.watch(make_plan(started_at=None))
    lat, lon = where(20_000, 1_500)
    found = monitor.incident(IncidentReport("i5", lat, lon, at(-1800)))
    assert [(f.kind, f.severity) for f in found] == [("incident_nearby", "warning")]


def test_progress_and_eta_from_recent_speed(monitor: Monitor) -> None:
    monitor.feed(drive(CAR, 0, 600, speed=20.0))  # 12 km in 10 min
    progress = monitor.progress("m1", at(600))
    assert progress is not None
    assert progress.fraction == pytest.approx(12_000 / LENGTH_M, abs=0.001)
    assert progress.left_m == pytest.approx(18_000, abs=5)
    assert progress.speed_from == "recent" and progress.speed_mps == pytest.approx(20.0)
    assert progress.eta == at(600 + 900)
    assert progress.late_by == timedelta(seconds=1500 - 3600)
    assert progress.to_dict()["left_m"] == 18000


def test_eta_falls_back_to_the_plans_speed_when_stopped(monitor: Monitor) -> None:
    monitor.feed(
        [*drive(CAR, 0, 300), *[fix(CAR, s, 4_500, speed=0.0) for s in range(310, 700, 10)]]
    )
    progress = monitor.progress("m1", at(700))
    assert progress is not None
    planned = LENGTH_M / 3600
    assert progress.speed_from == "plan" and progress.speed_mps == pytest.approx(planned)
    assert progress.eta == at(700 + (LENGTH_M - 4_500) / planned)


def test_arrival_completes_the_progress(monitor: Monitor) -> None:
    monitor.feed(drive(CAR, 0, 2000, every_s=20))
    progress = monitor.progress("m1", at(2100))
    assert progress is not None and progress.arrived and progress.fraction == 1.0
