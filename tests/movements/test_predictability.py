"""Predictability: the same airport pick-up at the same hour is flagged, with alternatives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jsms.movements.predictability import Plan, find_repeats, suggestions

AIRPORT = (24.9067, 67.1608)
PLANT = (24.7854, 67.3695)
ROUTE = ((24.9067, 67.1608), (24.87, 67.22), (24.83, 67.30), (24.7854, 67.3695))


def plan(ref: str, departure: datetime, route: tuple = ROUTE, origin=AIRPORT) -> Plan:
    return Plan(ref, origin, PLANT, departure, route)


def test_same_pickup_same_hour_on_another_day_is_a_repeat() -> None:
    monday = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)  # 22:00 local
    past = [plan("MV-1", monday), plan("MV-2", monday + timedelta(days=2, minutes=25))]
    new = plan("MV-3", monday + timedelta(days=7, minutes=10))
    repeats = find_repeats(new, past)
    assert [r.reference for r in repeats] == ["MV-1", "MV-2"]
    assert repeats[0].minutes_apart == 10
    advice = suggestions(new, repeats)
    assert any("alternative route" in a for a in advice)


def test_different_hour_other_route_or_other_place_is_not_a_repeat() -> None:
    day = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
    past = [plan("MV-1", day)]
    assert not find_repeats(plan("MV-2", day + timedelta(days=1, hours=3)), past)
    detour = ((24.9067, 67.1608), (25.00, 67.10), (25.05, 67.30), (24.7854, 67.3695))
    assert not find_repeats(plan("MV-3", day + timedelta(days=1), route=detour), past)
    assert not find_repeats(plan("MV-4", day + timedelta(days=1), origin=(25.40, 68.37)), past)
    assert not find_repeats(plan("MV-5", day + timedelta(days=60)), past)


def test_suggested_times_avoid_every_used_hour_and_stay_in_daylight() -> None:
    day = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # 10:00 local
    past = [plan("MV-1", day)]
    new = plan("MV-2", day + timedelta(days=1))
    advice = suggestions(new, find_repeats(new, past))
    times = [a.split()[2] for a in advice if a.startswith("depart at")]
    assert times and all(t not in {"10:00", "09:30", "10:30"} for t in times)
    assert all("06:00" <= t <= "17:00" for t in times)
