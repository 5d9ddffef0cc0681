"""SOP engine: movements checked against the shipped federal and provincial SOPs.

The corridors are the real ones: the Karakoram Highway from Thakot through Besham to Dasu
(Khyber Pakhtunkhwa), and Karachi (Jinnah International Airport, Port Qasim) to Hub
(Balochistan). Coordinates come from jsms/geo/data/places.csv.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from jsms.movements.sop import (
    PKT,
    Escort,
    Evaluation,
    FactsError,
    MovementFacts,
    PolicySet,
    RoutePoint,
    RouteSegment,
    Vehicle,
    evaluate,
    load_policies,
)
from jsms.movements.sop.daylight import sun_times

THAKOT = (34.7500, 72.9167)
BESHAM = (34.9300, 72.8700)
DASU = (35.2917, 73.2906)
KARACHI_AIRPORT = (24.9067, 67.1608)
PORT_QASIM = (24.7667, 67.3333)
SINDH_BORDER = (24.98, 66.99)  # the Hub river
HUB = (25.0255, 66.8853)

POLICIES: PolicySet = load_policies()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """A local (PKT) time on ``day``."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=PKT)


def kkh_route(besham: int = 5, others: int = 3) -> tuple[RouteSegment, ...]:
    """Thakot -> Besham -> Dasu, all in Khyber Pakhtunkhwa."""
    return (
        RouteSegment(
            "Khyber Pakhtunkhwa",
            (
                (*THAKOT, others, "Thakot"),
                (*BESHAM, besham, "Besham"),
                (*DASU, others, "Dasu"),
            ),
        ),
    )


def karachi_hub_route(level: int = 2) -> tuple[RouteSegment, ...]:
    """Jinnah International Airport -> Hub river -> Hub town."""
    return (
        RouteSegment("Sindh", ((*KARACHI_AIRPORT, level, "Jinnah International Airport"),)),
        RouteSegment("Balochistan", ((*SINDH_BORDER, level, "Hub river"), (*HUB, level, "Hub"))),
    )


def movement(
    day: date = date(2024, 11, 15),
    depart: tuple[int, int] = (10, 0),
    hours: float = 3.0,
    notice_hours: float = 96.0,
    route: tuple[RouteSegment, ...] | None = None,
    **changes: Any,
) -> MovementFacts:
    """A movement that every shipped SOP accepts on the KKH by day, unless changed."""
    departure = at(day, *depart)
    facts = MovementFacts(
        departure=departure,
        arrival=departure + timedelta(hours=hours),
        requested_at=departure - timedelta(hours=notice_hours),
        passengers=4,
        foreign_nationals=4,
        vehicles=(Vehicle(armoured=True, seats=4, passengers=4, label="BPV-1"),),
        escort=Escort(
            {"Khyber Pakhtunkhwa": 4, "Sindh": 3, "Balochistan": 4, "Punjab": 2, "Islamabad": 2},
            guest_team=6,
        ),
        route=route if route is not None else kkh_route(),
    )
    return dataclasses.replace(facts, **changes) if changes else facts


def check(facts: MovementFacts) -> Evaluation:
    return evaluate(facts, POLICIES)


def test_baseline_movement_is_cleared() -> None:
    result = check(movement())
    assert result.ok, result.explanation()
    assert not result.blocked
    assert result.policies == ("Federal SOP v1", "Khyber Pakhtunkhwa SOP v3")
    assert result.explanation().startswith("Cleared: no blocking violation")


def test_night_movement_through_level_5_area_is_blocked_citing_the_rule() -> None:
    night = movement(depart=(18, 30))
    result = check(night)

    assert result.blocked
    window = [v for v in result.violations if v.rule_id == "KP-WINDOW-1"]
    assert len(window) == 1
    finding = window[0]
    assert finding.blocking
    assert finding.policy == "Khyber Pakhtunkhwa SOP v3"
    sunset = sun_times(*BESHAM, date(2024, 11, 15))[1]  # type: ignore[index]
    assert "the route enters Besham (level 5) at 19:" in finding.message
    limit = sunset - timedelta(minutes=30)
    assert (
        f"after the daylight limit of {limit:%H:%M} PKT (UTC+5): sunset at {sunset:%H:%M} PKT "
        "(UTC+5) minus the 30-minute margin" in finding.message
    )
    assert (
        "Blocked: Khyber Pakhtunkhwa SOP v3 rule KP-WINDOW-1 \u2014 movements through areas at "
        "threat level 4 (Substantial) or above must run in daylight" in result.explanation()
    )
    # Only the window rule is broken: everything else about the movement is compliant.
    assert result.violated_rules == ("KP-WINDOW-1",)


def test_the_same_movement_by_day_passes_the_window_rule() -> None:
    result = check(movement(depart=(9, 0)))
    assert "KP-WINDOW-1" not in result.violated_rules
    assert not result.blocked
    # ...and the rule still tells when the movement may leave.
    earliest, latest = result.departure_window  # type: ignore[misc]
    assert earliest <= at(date(2024, 11, 15), 9) <= latest


def test_before_sunrise_is_blocked_too() -> None:
    result = check(movement(depart=(5, 0)))
    (finding,) = [v for v in result.violations if v.rule_id == "KP-WINDOW-1"]
    assert "before the daylight limit of" in finding.message
    assert "sunrise at" in finding.message and "plus the 30-minute margin" in finding.message


def test_window_rule_only_covers_points_at_or_above_its_level() -> None:
    # Besham at level 3: KP-WINDOW-1 (level >= 4) covers no point and is not checked.
    result = check(movement(depart=(18, 30), route=kkh_route(besham=3)))
    assert "KP-WINDOW-1" not in result.violated_rules
    assert not result.cites("KP-WINDOW-1")


def test_advance_notice_shorter_than_required_is_blocked() -> None:
    # Karachi to Hub at level 2: the federal baseline needs 24 hours.
    result = check(movement(route=karachi_hub_route(), notice_hours=20))
    (finding,) = [v for v in result.violations if v.rule_id == "FED-NOTICE-1"]
    assert finding.blocking
    assert "the request came 20 h before departure" in finding.message
    assert "24 h are required" in finding.message
    assert result.notice_deadline == at(date(2024, 11, 14), 10)

    assert "FED-NOTICE-1" not in check(movement(route=karachi_hub_route())).violated_rules


def test_notice_required_grows_with_threat_level() -> None:
    # 50 h of notice: enough for level 2 (24 h) and level 4 (48 h) but not level 5 (72 h).
    assert (
        "FED-NOTICE-1"
        not in check(movement(route=karachi_hub_route(4), notice_hours=50)).violated_rules
    )
    result = check(movement(route=karachi_hub_route(5), notice_hours=50))
    assert "FED-NOTICE-1" in result.violated_rules


def test_request_after_departure_is_reported_as_such() -> None:
    result = check(movement(notice_hours=-2))
    (finding,) = [v for v in result.violations if v.rule_id == "FED-NOTICE-1"]
    assert "2 h after departure" in finding.message


def test_missing_armoured_vehicle_with_foreign_nationals_is_blocked() -> None:
    soft = movement(vehicles=(Vehicle(armoured=False, seats=4, passengers=4, label="Coaster"),))
    result = check(soft)
    assert result.blocked
    assert {"FED-ARMOUR-1", "KP-ARMOUR-1"} <= set(result.violated_rules)
    (federal,) = [v for v in result.violations if v.rule_id == "FED-ARMOUR-1"]
    assert federal.message.startswith("no vehicle is armoured")
    assert result.armoured_vehicles_needed == 1


def test_unarmoured_vehicle_named_when_foreigners_are_allocated() -> None:
    vehicles = (
        Vehicle(armoured=True, seats=4, passengers=2, foreign_nationals=2, label="BPV-1"),
        Vehicle(armoured=False, seats=4, passengers=2, foreign_nationals=2, label="Hilux-7"),
    )
    result = check(movement(vehicles=vehicles))
    (finding,) = [v for v in result.violations if v.rule_id == "FED-ARMOUR-1"]
    assert finding.message == "Hilux-7 is not armoured but carries 2 foreign nationals"


def test_local_staff_may_ride_unarmoured() -> None:
    vehicles = (
        Vehicle(armoured=True, seats=4, passengers=4, foreign_nationals=4),
        Vehicle(armoured=False, seats=4, passengers=2, foreign_nationals=0),
    )
    result = check(movement(vehicles=vehicles, passengers=6))
    assert "FED-ARMOUR-1" not in result.violated_rules


def test_no_foreign_nationals_no_armour_rule() -> None:
    facts = movement(
        foreign_nationals=0, vehicles=(Vehicle(armoured=False, seats=4, passengers=4),)
    )
    result = check(facts)
    assert not result.cites("FED-ARMOUR-1")


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_escort_requirement_grows_with_threat_level(level: int) -> None:
    lower = check(movement(route=kkh_route(besham=max(1, level - 1), others=1)))
    higher = check(movement(route=kkh_route(besham=level, others=1)))
    kp = "Khyber Pakhtunkhwa"
    assert higher.minimum_host_escort[kp] >= lower.minimum_host_escort[kp]
    assert higher.minimum_guest_team >= lower.minimum_guest_team


def test_escort_minimum_per_level_in_kp() -> None:
    kp = "Khyber Pakhtunkhwa"
    host = {lv: check(movement(route=kkh_route(lv, 1))).minimum_host_escort[kp] for lv in (1, 5)}
    guest = {lv: check(movement(route=kkh_route(lv, 1))).minimum_guest_team for lv in (1, 5)}
    assert host == {1: 1, 5: 4}
    assert guest == {1: 2, 5: 6}


def test_too_small_escort_is_blocked() -> None:
    result = check(movement(escort=Escort({"Khyber Pakhtunkhwa": 2}, guest_team=2)))
    messages = [v.message for v in result.violations if v.rule_id == "KP-ESCORT-1"]
    assert messages == [
        "the host escort in Khyber Pakhtunkhwa has 2 vehicles; 4 are required at level 5 (High)",
        "the guest inner-ring team is 2; 6 are required at level 5 (High)",
    ]
    # The federal baseline (2 host vehicles at level >= 4, guest team 2) is met.
    assert "FED-ESCORT-1" not in result.violated_rules


def test_escort_checked_per_jurisdiction() -> None:
    escort = Escort({"Sindh": 1}, guest_team=2)  # nothing in Balochistan
    result = check(movement(route=karachi_hub_route(), escort=escort))
    failed = {(v.rule_id, v.data.get("jurisdiction")) for v in result.violations}
    assert ("FED-ESCORT-1", "Balochistan") in failed
    assert ("BL-ESCORT-1", "Balochistan") in failed
    assert ("FED-ESCORT-1", "Sindh") not in failed


def test_karachi_airport_needs_two_host_vehicles() -> None:
    route = (
        RouteSegment(
            "Sindh",
            ((*PORT_QASIM, 2, "Port Qasim"), (*KARACHI_AIRPORT, 2, "Jinnah International Airport")),
        ),
    )
    result = check(movement(route=route, escort=Escort({"Sindh": 1}, guest_team=2)))
    (finding,) = [v for v in result.violations if v.rule_id == "SD-AIRPORT-1"]
    assert "near Jinnah International Airport" in finding.message
    assert result.minimum_host_escort["Sindh"] == 2
    # The same route before Sindh SOP v2 (5 Nov 2024) had no airport rule.
    older = check(
        movement(day=date(2024, 10, 1), route=route, escort=Escort({"Sindh": 1}, guest_team=2))
    )
    assert not older.cites("SD-AIRPORT-1")
    assert "Sindh SOP v1" in older.policies


def test_max_persons_per_vehicle() -> None:
    crowded = movement(
        route=karachi_hub_route(),
        passengers=7,
        foreign_nationals=0,
        vehicles=(Vehicle(armoured=True, seats=8, passengers=7, label="Van"),),
    )
    result = check(crowded)
    (finding,) = [v for v in result.violations if v.rule_id == "FED-PERSONS-1"]
    assert finding.message == "Van carries 7 persons; at most 6 are allowed"

    # At level 5 in KP the cap is 4: five in one vehicle breaks KP-PERSONS-1 only.
    five = movement(
        passengers=5,
        foreign_nationals=5,
        vehicles=(Vehicle(armoured=True, seats=7, passengers=5),),
    )
    assert check(five).violated_rules == ("KP-PERSONS-1",)

    # Never more persons than seats, whatever the cap.
    squeezed = movement(vehicles=(Vehicle(armoured=True, seats=3, passengers=4),))
    (seats,) = [v for v in check(squeezed).violations if v.rule_id == "FED-PERSONS-1"]
    assert seats.message == "vehicle 1 carries 4 persons in 3 seats"


def test_police_stations_near_the_route_are_listed_and_far_ones_are_not() -> None:
    result = check(movement())
    names = [s["station"] for s in result.police_to_notify]
    assert names == ["Thakot police station", "Besham police station", "Dasu police station"]
    assert not any("Chilas" in n or "Karachi" in n for n in names)

    karachi = check(movement(route=karachi_hub_route()))
    names = [s["station"] for s in karachi.police_to_notify]
    assert "Airport police station, Karachi" in names
    assert "Hub City police station" in names
    # Bin Qasim (Port Qasim) is on Sindh's list but about 25 km off this route.
    assert "Bin Qasim police station" not in names
    airport = next(s for s in karachi.police_to_notify if s["station"].startswith("Airport"))
    assert airport["distance_km"] < 1 and airport["phone"]


def test_approval_chain_for_sindh_and_balochistan() -> None:
    result = check(movement(route=karachi_hub_route()))
    assert result.approvals == ("host:Sindh", "host:Balochistan", "guest", "client")
    (finding,) = [r for r in result.requirements if r.rule_id == "FED-APPROVAL-1"]
    assert finding.message == "approvals needed: host:Sindh, host:Balochistan, guest, client"


def test_kp_v3_adds_the_district_police_noc() -> None:
    assert check(movement()).approvals == (
        "host:Khyber Pakhtunkhwa",
        "host:Khyber Pakhtunkhwa/district police NOC",
        "guest",
        "client",
    )


def test_level_6_is_a_no_go_area() -> None:
    result = check(movement(route=kkh_route(besham=6)))
    (finding,) = [v for v in result.violations if v.rule_id == "FED-NOGO-1"]
    assert finding.blocking
    assert finding.message.startswith("the route reaches Besham (level 6, Extreme) at 10:")


def test_balochistan_curfew_by_version() -> None:
    def hub_evening(day: date) -> Evaluation:
        return check(movement(day=day, depart=(16, 0), hours=1.5, route=karachi_hub_route()))

    # 28 Mar 2025 ban: 18:00 to 06:00 -- the convoy is through by 17:30.
    assert "BL-CURFEW-1" not in hub_evening(date(2025, 6, 1)).violated_rules
    # 12 Aug 2025 ban: 17:00 to 05:00 -- now it is not.
    late = hub_evening(date(2025, 9, 1))
    (finding,) = [v for v in late.violations if v.rule_id == "BL-CURFEW-1"]
    assert "inside the curfew 17:00\u201305:00 PKT (UTC+5)" in finding.message
    assert late.policies[-1] == "Balochistan SOP v3"
    # Before either ban there is no curfew at all.
    assert not hub_evening(date(2024, 12, 1)).cites("BL-CURFEW-1")


def test_kalmat_zone_is_advisory() -> None:
    route = (
        RouteSegment(
            "Balochistan",
            ((25.2102, 64.6363, 3, "Ormara"), (25.2630, 63.4692, 3, "Pasni")),
        ),
    )
    result = check(movement(day=date(2025, 6, 1), route=route, hours=3))
    (advice,) = [a for a in result.advisories if a.rule_id == "BL-ZONE-1"]
    assert "Kalmat" in advice.message
    assert "BL-ZONE-1" not in result.violated_rules
    assert "Advisory: Balochistan SOP v2 rule BL-ZONE-1" in result.explanation()


def test_explanations_cite_rule_ids() -> None:
    bad = movement(
        depart=(18, 30),
        notice_hours=5,
        vehicles=(Vehicle(armoured=False, seats=4, passengers=4),),
        escort=Escort({}, guest_team=0),
    )
    result = check(bad)
    text = result.explanation()
    assert len(result.violated_rules) >= 6
    for finding in (*result.violations, *result.requirements, *result.advisories):
        assert f"{finding.policy} rule {finding.rule_id}" in text
    for line in text.splitlines()[:-1]:
        assert " rule " in line
    assert text.splitlines()[0].startswith("Blocked: ")
    assert result.to_dict()["blocked"] is True


def test_jurisdiction_without_sop_is_reported() -> None:
    route = (RouteSegment("Azad Kashmir", ((33.59, 73.60, 2, "Karot"),)),)
    result = check(movement(route=route))
    assert result.uncovered == ("Azad Kashmir",)
    assert "Not covered: no Azad Kashmir SOP was in force" in result.explanation()
    assert result.approvals[0] == "host:Azad Kashmir"


def test_before_any_federal_baseline() -> None:
    result = check(movement(day=date(2022, 7, 1)))
    assert "*" in result.uncovered
    assert result.policies == ()
    assert "no federal SOP baseline" in result.explanation()


def test_route_points_accept_names_and_etas() -> None:
    day = date(2024, 11, 15)
    route = (
        RouteSegment(
            "KP",
            (
                RoutePoint(*THAKOT, 3, "Thakot"),
                RoutePoint(*BESHAM, 5, "Besham", eta=at(day, 19, 40)),
                RoutePoint(*DASU, 3, "Dasu"),
            ),
        ),
    )
    result = check(movement(depart=(16, 0), hours=5, route=route))
    (finding,) = [v for v in result.violations if v.rule_id == "KP-WINDOW-1"]
    assert "the route enters Besham (level 5) at 19:40" in finding.message


@pytest.mark.parametrize(
    "change",
    [
        {"departure": datetime(2024, 11, 15, 10)},
        {"arrival": at(date(2024, 11, 15), 9)},
        {"foreign_nationals": 5},
        {"passengers": 3},
        {"route": ()},
    ],
)
def test_inconsistent_facts_raise(change: dict[str, Any]) -> None:
    with pytest.raises(FactsError):
        movement(**change)


def test_etas_running_backwards_raise() -> None:
    day = date(2024, 11, 15)
    route = (
        RouteSegment(
            "KP",
            (
                RoutePoint(*THAKOT, 3, eta=at(day, 12)),
                RoutePoint(*BESHAM, 5, eta=at(day, 11)),
            ),
        ),
    )
    with pytest.raises(FactsError, match="backwards"):
        check(movement(route=route))


def test_bad_route_points_raise() -> None:
    with pytest.raises(FactsError):
        RouteSegment("Sindh", ((24.9, 67.1, 7),))
    with pytest.raises(FactsError):
        RouteSegment("Sindh", ((124.9, 67.1, 2),))
