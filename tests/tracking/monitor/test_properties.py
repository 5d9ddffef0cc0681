"""Properties that must hold for any trajectory: batching and duplicates never change what
is reported, keys never repeat, short excursions never fire, and the geometry is metric."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jsms.tracking.fixes import StoredPosition
from jsms.tracking.monitor import Monitor, RouteLine, Thresholds
from tests.tracking.monitor.conftest import CAR, ESCORT_CAR, fix, make_plan

# A trajectory: one fix every 10 s for each device, metres north of the road per step, and
# whether it stands still (speed 0) or drives on at 15 m/s.
steps = st.lists(
    st.tuples(
        st.sampled_from([0.0, 50.0, 250.0, 400.0, 1500.0]),
        st.booleans(),
        st.sampled_from([None, None, None, "sos"]),
    ),
    min_size=1,
    max_size=120,
)


def trajectory(device: str, plan_steps: list, shift: float = 0.0) -> list[StoredPosition]:
    out, along = [], 0.0
    for i, (off, still, alarm) in enumerate(plan_steps):
        speed = 0.0 if still else 15.0
        along += speed * 10
        out.append(fix(device, shift + i * 10, along, off, speed=speed, alarm=alarm))
    return out


def run(batches: list[list[StoredPosition]]) -> list[str]:
    monitor = Monitor()
    monitor.watch(make_plan())
    return [f.key for batch in batches for f in monitor.feed(batch)]


def split(positions: list[StoredPosition], cuts: list[int]) -> list[list[StoredPosition]]:
    edges = sorted({0, len(positions), *(c % (len(positions) + 1) for c in cuts)})
    return [positions[a:b] for a, b in itertools.pairwise(edges)]


@settings(max_examples=150, deadline=None)
@given(car=steps, escort=steps, cuts=st.lists(st.integers(0, 400), max_size=12))
def test_batching_does_not_change_what_is_reported(car: list, escort: list, cuts: list) -> None:
    positions = sorted(
        trajectory(CAR, car) + trajectory(ESCORT_CAR, escort, shift=3), key=lambda p: p.fixed_at
    )
    one_by_one = run([[p] for p in positions])
    assert run(split(positions, cuts)) == one_by_one
    assert run([positions]) == one_by_one
    assert len(set(one_by_one)) == len(one_by_one)  # no key reported twice


@settings(max_examples=150, deadline=None)
@given(car=steps, resend=st.lists(st.integers(0, 200), max_size=30))
def test_duplicates_and_resent_old_fixes_change_nothing(car: list, resend: list) -> None:
    positions = trajectory(CAR, car)
    noisy: list[StoredPosition] = []
    for i, position in enumerate(positions):
        noisy.append(position)
        noisy.extend(positions[r % (i + 1)] for r in resend if r % 7 == i % 7)
    assert run([noisy]) == run([positions])


@settings(max_examples=100, deadline=None)
@given(
    pattern=st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 30), st.sampled_from([350.0, 2000.0])),
        min_size=1,
        max_size=20,
    )
)
def test_excursions_shorter_than_the_dwell_never_fire(pattern: list) -> None:
    """Off the road for at most 50 s at a time (fixes every 10 s), then back for a while."""
    plan_steps: list = []
    for out_steps, back_steps, off in pattern:
        plan_steps += [(off, False, None)] * out_steps + [(0.0, False, None)] * back_steps
    monitor = Monitor(Thresholds(corridor_dwell_s=60))
    monitor.watch(make_plan())
    kinds = [f.kind for f in monitor.feed(trajectory(CAR, plan_steps))]
    assert "deviation" not in kinds


@settings(max_examples=100, deadline=None)
@given(offsets=st.lists(st.floats(0, 299), min_size=1, max_size=200))
def test_driving_inside_the_corridor_is_never_a_deviation_or_stop(offsets: list) -> None:
    monitor = Monitor(Thresholds(corridor_m=300))
    monitor.watch(make_plan())
    found = monitor.feed(trajectory(CAR, [(off, False, None) for off in offsets]))
    assert found == []


R = 6_371_008.8


def destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from (lat, lon) on the sphere, setting out on ``bearing``."""
    p1, l1, d = math.radians(lat), math.radians(lon), metres / R
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), math.degrees(l2)


def initial_bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.atan2(y, x)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(24, 37),
    lon=st.floats(61, 75),
    bearing=st.floats(0, 2 * math.pi),
    length_m=st.floats(200, 20_000),
    at=st.floats(0.05, 0.95),
    off_m=st.floats(0, 2_000),
)
def test_distance_from_the_route_is_metric(
    lat: float, lon: float, bearing: float, length_m: float, at: float, off_m: float
) -> None:
    """A point ``off_m`` metres square off a road segment (up to 20 km, as between the
    vertices of a routed road) anywhere in Pakistan is found ``off_m`` away, within 1 % and
    a metre, and ``at`` of the way along it; the truth is computed on the sphere. Over a long
    segment the great circle bows away from the straight line on the map by up to
    ``L² tan(lat) / 8R`` (6 m for 20 km at 37 N): that much more is allowed."""
    start = (lat, lon)
    end = destination(lat, lon, bearing, length_m)
    middle = destination(lat, lon, bearing, at * length_m)
    heading = initial_bearing(middle, end)
    point = destination(*middle, heading + math.pi / 2, off_m)
    route = RouteLine([start, end])
    off, along = route.locate([point[0]], [point[1]])
    bow = length_m**2 * math.tan(math.radians(max(lat, point[0]))) / (8 * R)
    assert abs(float(off[0]) - off_m) <= 0.01 * off_m + 1.0 + bow
    assert abs(float(along[0]) - at * length_m) <= 0.01 * length_m + 1.0


@settings(max_examples=50, deadline=None)
@given(car=steps)
def test_a_rebuilt_watch_reaches_the_same_open_episodes(car: list) -> None:
    """After a restart the watch is rebuilt by replaying the stored positions: a tick then
    reports nothing the first run did not already report."""
    positions = trajectory(CAR, car)
    first = Monitor()
    first.watch(make_plan())
    end = positions[-1].fixed_at + timedelta(seconds=30)
    keys = {f.key for f in first.feed(positions)} | {f.key for f in first.tick(end)}
    again = Monitor()
    again.watch(make_plan())
    replayed = {f.key for f in again.feed(positions)} | {f.key for f in again.tick(end)}
    assert replayed == keys
