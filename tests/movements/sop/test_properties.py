"""Properties of the SOP engine over random movements (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jsms.movements.sop import Escort, MovementFacts, RouteSegment, Vehicle, evaluate
from jsms.movements.sop.facts import PKT
from tests.movements.sop.test_engine import POLICIES

# Points along the demo corridors, by jurisdiction.
CORRIDORS = {
    "Sindh": [(24.9067, 67.1608), (24.7667, 67.3333), (24.86, 67.05)],
    "Balochistan": [(24.98, 66.99), (25.0255, 66.8853), (25.1105, 62.3396)],
    "Khyber Pakhtunkhwa": [(34.75, 72.9167), (34.93, 72.87), (35.2917, 73.2906)],
    "Punjab": [(33.5491, 72.8257), (33.8208, 72.6897)],
    "Islamabad": [(33.7215, 73.0433)],
    "Gilgit-Baltistan": [(35.4129, 74.1041), (35.9187, 74.3124)],
}


@st.composite
def segments(draw: st.DrawFn) -> tuple[RouteSegment, ...]:
    names = draw(st.lists(st.sampled_from(sorted(CORRIDORS)), min_size=1, max_size=3, unique=True))
    out = []
    for name in names:
        places = draw(
            st.lists(st.sampled_from(CORRIDORS[name]), min_size=1, max_size=3, unique=True)
        )
        points = [(lat, lon, draw(st.integers(1, 6))) for lat, lon in places]
        out.append(RouteSegment(name, tuple(points)))
    return tuple(out)


@st.composite
def movements(draw: st.DrawFn) -> MovementFacts:
    route = draw(segments())
    day = draw(st.dates(min_value=date(2023, 11, 16), max_value=date(2026, 6, 30)))
    minutes = draw(st.integers(0, 24 * 60 - 1))
    departure = datetime(day.year, day.month, day.day, tzinfo=PKT) + timedelta(minutes=minutes)
    duration = timedelta(minutes=draw(st.integers(10, 16 * 60)))
    notice = timedelta(hours=draw(st.integers(-2, 120)))
    vehicles = draw(
        st.lists(
            st.builds(
                lambda armoured, seats, extra: Vehicle(
                    armoured, seats, max(0, min(seats + extra, 9))
                ),
                st.booleans(),
                st.integers(1, 8),
                st.integers(-8, 1),
            ),
            min_size=1,
            max_size=4,
        )
    )
    passengers = sum(v.passengers for v in vehicles)
    foreign = draw(st.integers(0, passengers))
    hosts = {seg.jurisdiction: draw(st.integers(0, 5)) for seg in route}
    return MovementFacts(
        departure=departure,
        arrival=departure + duration,
        requested_at=departure - notice,
        passengers=passengers,
        foreign_nationals=foreign,
        vehicles=tuple(vehicles),
        escort=Escort(hosts, draw(st.integers(0, 8))),
        route=route,
    )


def broken(facts: MovementFacts) -> set[tuple[str, str]]:
    result = evaluate(facts, POLICIES)
    return {(v.rule_id, v.message) for v in result.violations}


@settings(max_examples=150, deadline=None)
@given(movements(), st.integers(0, 4), st.integers(0, 6))
def test_more_escort_never_adds_a_violation(
    facts: MovementFacts, more_host: int, more_guest: int
) -> None:
    hosts = {j: n + more_host for j, n in facts.escort.host_vehicles.items()}
    escort = Escort(hosts, facts.escort.guest_team + more_guest)
    stronger = dataclasses.replace(facts, escort=escort)
    before = {rule for rule, _ in broken(facts)}
    after = {rule for rule, _ in broken(stronger)}
    assert after <= before
    # Nothing but the escort changed, so only escort findings may go away.
    gone = before - after
    assert all("ESCORT" in rule or "AIRPORT" in rule for rule in gone)


@settings(max_examples=100, deadline=None)
@given(movements(), st.integers(1, 200))
def test_earlier_request_never_adds_a_violation(facts: MovementFacts, hours: int) -> None:
    earlier = dataclasses.replace(facts, requested_at=facts.requested_at - timedelta(hours=hours))
    assert {r for r, _ in broken(earlier)} <= {r for r, _ in broken(facts)}


@settings(max_examples=100, deadline=None)
@given(movements())
def test_evaluation_is_deterministic_and_cites_every_rule(facts: MovementFacts) -> None:
    first, second = evaluate(facts, POLICIES), evaluate(facts, POLICIES)
    assert first == second
    text = first.explanation()
    assert text == second.explanation()
    for finding in (*first.violations, *first.requirements, *first.advisories):
        assert f"rule {finding.rule_id}" in text
    assert first.blocked == any(v.blocking for v in first.violations)
