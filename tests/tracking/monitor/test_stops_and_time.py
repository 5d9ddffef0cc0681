"""Unplanned stops, late departure, overdue check-ins and stale fixes."""

from __future__ import annotations

from datetime import timedelta

from jsms.tracking.monitor import CheckInSchedule, Monitor, PlannedStop, Thresholds
from tests.tracking.monitor.conftest import CAR, ESCORT_CAR, at, drive, fix, make_plan, where


def kinds(findings: list) -> list[str]:
    return [f.kind for f in findings]


def halt(device: str, start_s: float, end_s: float, along_m: float, every_s: float = 20):
    return [
        fix(device, s, along_m, speed=0.0) for s in range(int(start_s), int(end_s) + 1, every_s)
    ]


def test_standing_still_on_the_road_for_five_minutes_is_an_unplanned_stop(
    monitor: Monitor,
) -> None:
    moving = drive(CAR, 0, 600)  # 9 km
    found = monitor.feed([*moving, *halt(CAR, 620, 1000, 9_000)])
    stops = [f for f in found if f.kind == "unplanned_stop"]
    assert len(stops) == 1
    assert stops[0].key == f"m1:unplanned_stop:{CAR}:{at(620).isoformat()}"
    assert stops[0].at == at(920)  # five minutes after the stop began


def test_a_four_minute_halt_and_slow_traffic_are_not_stops(monitor: Monitor) -> None:
    positions = [
        *drive(CAR, 0, 300),
        *halt(CAR, 320, 540, 4_500),  # under five minutes
        *drive(CAR, 560, 1500, speed=2.0, from_m=4_500),  # crawling at 7 km/h
    ]
    assert kinds(monitor.feed(positions)) == []


def test_stopping_at_the_destination_or_a_planned_stop_is_not_reported() -> None:
    lat, lon = where(9_000)
    monitor = Monitor()
    monitor.watch(make_plan(stops=(PlannedStop(lat, lon, "fuel"),)))
    found = monitor.feed([*drive(CAR, 0, 600), *halt(CAR, 620, 1400, 9_100)])
    assert kinds(found) == []
    found = monitor.feed([*drive(CAR, 1420, 2800, from_m=9_100), *halt(CAR, 2820, 3600, 29_900)])
    assert kinds(found) == []


def test_one_stop_alert_for_the_convoy_while_any_protectee_device_still_moves() -> None:
    monitor = Monitor()
    monitor.watch(make_plan(devices={CAR: "protectee", "phone": "protectee"}))
    car = halt(CAR, 620, 1200, 9_000)
    phone_moving = [fix("phone", s, 9_000 + 5 * (s - 620), speed=5.0) for s in range(625, 900, 20)]
    phone_halted = [fix("phone", s, 10_400, speed=0.0) for s in range(905, 1400, 20)]
    found = monitor.feed(sorted([*car, *phone_moving, *phone_halted], key=lambda p: p.fixed_at))
    stops = [f for f in found if f.kind == "unplanned_stop"]
    assert len(stops) == 1
    assert stops[0].detail["episode_start"] == at(905).isoformat()  # when the last one stopped


def test_a_tick_reports_a_stop_when_a_stopped_device_reports_rarely(monitor: Monitor) -> None:
    monitor.feed([*drive(CAR, 0, 600), fix(CAR, 620, 9_000, speed=0.0)])
    monitor.feed([fix(CAR, 800, 9_000, speed=0.0)])  # three minutes later
    assert "unplanned_stop" not in kinds(monitor.tick(at(900)))
    assert "unplanned_stop" in kinds(monitor.tick(at(925)))


def test_late_departure_once_the_grace_has_passed_without_leaving() -> None:
    monitor = Monitor(Thresholds(late_departure_minutes=15))
    monitor.watch(make_plan(started_at=None))
    monitor.feed(halt(CAR, -600, 800, 0))  # at the origin
    assert monitor.tick(at(14 * 60)) == []
    found = monitor.tick(at(16 * 60))
    assert kinds(found) == ["late_departure"]
    assert found[0].key == f"m1:late_departure:-:{at(0).isoformat()}"
    assert monitor.tick(at(17 * 60)) == []


def test_leaving_on_time_is_not_late() -> None:
    monitor = Monitor()
    monitor.watch(make_plan(started_at=None))
    monitor.feed([*halt(CAR, -600, 0, 0), *drive(CAR, 20, 300)])
    assert [f.kind for f in monitor.tick(at(20 * 60))] == ["stale_fix", "stale_fix"]


def test_a_device_far_from_the_origin_before_departure_has_not_departed() -> None:
    monitor = Monitor()
    monitor.watch(make_plan(started_at=None))
    # a passenger's phone at the hotel, 5 km north of the origin, not on the route
    monitor.feed([fix(CAR, s, 0, 5_000, speed=0.0) for s in range(-900, 900, 60)])
    assert kinds(monitor.tick(at(16 * 60))) == ["late_departure"]


def test_overdue_check_in_runs_from_the_start_then_from_each_check_in() -> None:
    every = CheckInSchedule("escort_commander", timedelta(minutes=30), timedelta(minutes=5), "R-1")
    monitor = Monitor()
    monitor.watch(make_plan(check_ins=(every,), devices={}))
    assert monitor.tick(at(34 * 60)) == []  # due at 30 min, grace 5
    late = monitor.tick(at(36 * 60))
    assert kinds(late) == ["overdue_check_in"]
    assert late[0].key == f"m1:overdue_check_in:escort_commander:{at(30 * 60).isoformat()}"
    assert late[0].detail["rule_id"] == "R-1"
    assert monitor.tick(at(37 * 60)) == []  # one alert per missed check-in
    monitor.check_in("m1", "escort_commander", at(38 * 60))
    assert monitor.tick(at(72 * 60)) == []  # next due 68 min, grace to 73
    assert kinds(monitor.tick(at(74 * 60))) == ["overdue_check_in"]


def test_a_protectee_check_in_does_not_stop_the_escort_commanders_timer() -> None:
    every = CheckInSchedule("escort_commander", timedelta(minutes=30), timedelta(minutes=5))
    monitor = Monitor()
    monitor.watch(make_plan(check_ins=(every,), devices={}))
    monitor.check_in("m1", "protectee", at(20 * 60))
    assert kinds(monitor.tick(at(36 * 60))) == ["overdue_check_in"]


def test_no_check_in_timer_before_the_movement_starts() -> None:
    every = CheckInSchedule("escort_commander", timedelta(minutes=30), timedelta(minutes=5))
    monitor = Monitor()
    monitor.watch(make_plan(check_ins=(every,), devices={}, started_at=None))
    assert "overdue_check_in" not in kinds(monitor.tick(at(90 * 60)))


def test_a_silent_device_is_a_stale_fix_once_per_silence(monitor: Monitor) -> None:
    monitor.feed([*drive(CAR, 0, 120), *drive(ESCORT_CAR, 0, 400)])
    found = monitor.tick(at(120 + 5 * 60 + 1))
    assert [(f.kind, f.device_id) for f in found] == [("stale_fix", CAR)]
    assert found[0].key == f"m1:stale_fix:{CAR}:{at(120).isoformat()}"
    assert all(f.device_id != CAR for f in monitor.tick(at(1000)))  # reported once
    # it reports again, then falls silent again: a new episode
    monitor.feed(drive(CAR, 1100, 1200, from_m=1800))
    again = [f for f in monitor.tick(at(1200 + 6 * 60)) if f.device_id == CAR]
    assert [f.key for f in again] == [f"m1:stale_fix:{CAR}:{at(1200).isoformat()}"]


def test_devices_that_never_report_are_one_alert_for_the_movement() -> None:
    monitor = Monitor()
    devices = {
        CAR: "protectee",
        ESCORT_CAR: "escort",
        "phone-1": "protectee",
        "phone-2": "protectee",
    }
    monitor.watch(make_plan(devices=devices))
    monitor.feed(drive(CAR, 0, 400))
    assert [f for f in monitor.tick(at(299)) if f.kind == "stale_fix"] == []
    found = [f for f in monitor.tick(at(301)) if f.kind == "stale_fix"]
    assert [(f.key, f.device_id) for f in found] == [
        (f"m1:stale_fix:never:{at(0).isoformat()}", None)
    ]
    assert found[0].detail["devices"] == sorted([ESCORT_CAR, "phone-1", "phone-2"])
    assert all(":never:" not in f.key for f in monitor.tick(at(900)))  # reported once


def test_no_stale_fix_after_arrival(monitor: Monitor) -> None:
    monitor.feed(drive(CAR, 0, 2000, every_s=20))  # 30 km in 2000 s: arrived
    assert [f for f in monitor.tick(at(4000)) if f.device_id == CAR] == []
