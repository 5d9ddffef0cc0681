"""A simulated convoy follows its approved route (judged with the monitor's own geometry), and
its scripted trouble happens when and as scripted: off the corridor by more than the
corridor for longer than the dwell and back, standing still longer than an unplanned stop,
one SOS from the lead escort tracker."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from jsms.simulator.route import RouteWalk, haversine_m
from jsms.simulator.script import Drive, Member, Script
from jsms.simulator.wire import Report
from jsms.tracking.monitor import RouteLine, Thresholds

# Karachi airport -> the Hub river -> Hub, as the movement tests plan it.
ROUTE = [(24.9067, 67.1608), (24.98, 66.99), (25.0255, 66.8853)]
T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
LIMITS = Thresholds()


def _convoy(script: Script, speed_up: float = 1.0) -> Drive:
    members = [
        Member("trk-lead", "osmand", "escort", "k1", "lead", gap_m=90, every_s=5),
        Member("trk-rear", "osmand", "escort", "k2", "rear", gap_m=-90, every_s=5),
        Member("co/phone-1", "owntracks", "protectee", "k3", "phone", every_s=10),
    ]
    drive = Drive(
        "MV-TEST", RouteWalk(ROUTE), members, cruise_mps=15.0, speed_up=speed_up, script=script
    )
    drive.begin(0.0, distance_m=1000.0)
    return drive


def _run(drive: Drive, seconds: int) -> list[tuple[float, Report]]:
    reports = []
    for t in range(seconds + 1):
        reports += [(float(t), r) for r in drive.advance(float(t), T0 + timedelta(seconds=t))]
    return reports


def _off_route(reports: list[tuple[float, Report]]) -> list[float]:
    line = RouteLine(ROUTE)
    off, _along = line.locate([r.lat for _, r in reports], [r.lon for _, r in reports])
    return [float(x) for x in off]


def test_a_quiet_convoy_keeps_to_its_corridor_and_moves_on_at_its_speed() -> None:
    drive = _convoy(Script.quiet(), speed_up=4.0)
    reports = _run(drive, 300)
    assert max(_off_route(reports)) < 20
    assert drive.distance_m == pytest.approx(1000 + 15 * 4 * 300)
    lead = [r for _, r in reports if r.identifier == "trk-lead"]
    assert len(lead) == 61 and all(r.speed_mps == 60.0 for r in lead)
    phones = [r for _, r in reports if r.identifier == "co/phone-1"]
    assert len(phones) == 31
    steps = [haversine_m((a.lat, a.lon), (b.lat, b.lon)) for a, b in itertools.pairwise(lead)]
    assert all(250 < step < 350 for step in steps)  # 5 s at 60 m/s, give or take the GPS noise
    assert not any(r.alarm for _, r in reports)


def test_the_scripted_deviation_leaves_the_corridor_for_longer_than_the_dwell_and_comes_back() -> (
    None
):
    script = Script(
        deviate_after=30, deviate_for=90, deviate_m=1500, stop_after=None, sos_after=None
    )
    reports = _run(_convoy(script), 200)
    off = dict(zip([t for t, _ in reports], _off_route(reports), strict=True))
    outside = [t for t, metres in off.items() if metres > LIMITS.corridor_m]
    assert outside and min(outside) > 30 and max(outside) < 30 + 90 + 20
    assert max(outside) - min(outside) > LIMITS.corridor_dwell_s
    assert max(off.values()) > 1400
    assert all(metres < 20 for t, metres in off.items() if t < 30 or t > 145)


def test_the_scripted_stop_stands_still_longer_than_an_unplanned_stop() -> None:
    script = Script(deviate_after=None, stop_after=20, stop_for=400, sos_after=None)
    reports = [(t, r) for t, r in _run(_convoy(script), 440) if r.identifier == "trk-lead"]
    standing = [(t, r) for t, r in reports if 21 <= t < 420]
    assert all(r.speed_mps == 0.0 for _, r in standing)
    first = standing[0][1]
    assert all(haversine_m((first.lat, first.lon), (r.lat, r.lon)) < 15 for _, r in standing)
    assert standing[-1][0] - standing[0][0] > LIMITS.stop.total_seconds()
    assert reports[-1][1].speed_mps == 15.0


def test_one_sos_from_the_lead_escort_tracker() -> None:
    script = Script(deviate_after=None, stop_after=None, sos_after=60)
    alarms = [(t, r.identifier) for t, r in _run(_convoy(script), 300) if r.alarm == "sos"]
    assert alarms == [(60.0, "trk-lead")]


def test_a_parked_convoy_reports_from_its_origin_now_and_then() -> None:
    members = [Member("trk-lead", "osmand", "escort", "k1", "lead", every_s=5)]
    drive = Drive("MV-WAIT", RouteWalk(ROUTE), members, cruise_mps=15.0, script=Script())
    reports = _run(drive, 100)
    assert len(reports) == 4  # every 30 s while waiting
    assert all(haversine_m(ROUTE[0], (r.lat, r.lon)) < 10 and r.speed_mps == 0 for _, r in reports)
    assert not any(r.alarm for _, r in reports)
