"""The sovereignty rule as a pure decision: may this unit act at this place, at this time?"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jsms.registry.authorisation import Grant, Place, decide

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
UNIT = "unit-cp-1"
OTHER_UNIT = "unit-cp-2"
KARACHI = Place("Sindh", "Malir", None, "Port Qasim Power Project")
BESHAM = Place("Khyber Pakhtunkhwa", "Shangla", None, "Besham")


def grant(**changes) -> Grant:
    base = Grant(
        id="g-1",
        reference="DA-SPU-S-0001",
        host_name="Sindh SPU",
        host_provinces=("Sindh",),
        unit_id=None,
        provinces=("Sindh",),
        districts=(),
        site_ids=(),
        starts_at=NOW - timedelta(days=30),
        ends_at=NOW + timedelta(days=30),
        headcount_cap=12,
        revoked_at=None,
        conditions="inner ring only",
    )
    return replace(base, **changes)


def guest_decision(place: Place = KARACHI, *, at: datetime = NOW, headcount: int = 6, grants=()):
    return decide(
        unit_id=UNIT,
        unit_side="guest",
        unit_agency_provinces=(),
        place=place,
        at=at,
        headcount=headcount,
        grants=list(grants),
    )


def test_allowed_inside_a_live_grant_and_the_reason_names_it() -> None:
    verdict = guest_decision(grants=[grant()])
    assert verdict.allowed
    assert verdict.authorisation_id == "g-1"
    assert "DA-SPU-S-0001" in verdict.reason
    assert "Sindh SPU" in verdict.reason
    assert "inner ring only" in verdict.reason


def test_refused_outside_the_scope_of_every_grant() -> None:
    verdict = guest_decision(BESHAM, grants=[grant()])
    assert not verdict.allowed
    assert verdict.authorisation_id is None
    assert "no deployment authorisation covers" in verdict.reason
    assert "Besham" in verdict.reason


def test_refused_without_any_grant() -> None:
    verdict = guest_decision(grants=[])
    assert not verdict.allowed
    assert "no deployment authorisation covers" in verdict.reason


def test_district_and_site_scopes_cover_only_what_they_name() -> None:
    by_district = grant(provinces=(), districts=("Malir",))
    assert guest_decision(grants=[by_district]).allowed
    elsewhere = Place("Sindh", "Tharparkar", None, "Thar Coal Block II")
    assert not guest_decision(elsewhere, grants=[by_district]).allowed

    by_site = grant(provinces=(), site_ids=("site-port",))
    at_site = Place("Sindh", "Malir", "site-port", "Port Qasim Power Project")
    assert guest_decision(at_site, grants=[by_site]).allowed
    next_door = Place("Sindh", "Malir", "site-other", "Another camp")
    refused = guest_decision(next_door, grants=[by_site])
    assert not refused.allowed
    assert "no deployment authorisation covers" in refused.reason


def test_refused_before_the_start_naming_the_validity_period() -> None:
    future = grant(starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=20))
    verdict = guest_decision(grants=[future])
    assert not verdict.allowed
    assert verdict.authorisation_id == "g-1"
    assert "valid only from" in verdict.reason
    assert f"{NOW + timedelta(days=2):%Y-%m-%d}" in verdict.reason
    assert f"{NOW + timedelta(days=20):%Y-%m-%d}" in verdict.reason


def test_refused_after_the_end_naming_the_validity_period() -> None:
    expired = grant(starts_at=NOW - timedelta(days=60), ends_at=NOW - timedelta(days=1))
    verdict = guest_decision(grants=[expired])
    assert not verdict.allowed
    assert "valid only from" in verdict.reason
    assert f"{NOW - timedelta(days=1):%Y-%m-%d}" in verdict.reason


def test_the_end_instant_is_outside_the_period() -> None:
    assert not guest_decision(at=grant().ends_at, grants=[grant()]).allowed
    assert guest_decision(at=grant().starts_at, grants=[grant()]).allowed


def test_refused_once_revoked_naming_the_revocation() -> None:
    revoked = grant(revoked_at=NOW - timedelta(hours=1))
    verdict = guest_decision(grants=[revoked])
    assert not verdict.allowed
    assert "revoked" in verdict.reason
    assert "DA-SPU-S-0001" in verdict.reason
    # Before the revocation took effect the same grant was good.
    assert guest_decision(at=NOW - timedelta(hours=2), grants=[revoked]).allowed


def test_a_revoked_grant_does_not_hide_a_live_one() -> None:
    revoked = grant(id="g-old", reference="DA-OLD", revoked_at=NOW - timedelta(days=1))
    live = grant(id="g-new", reference="DA-NEW")
    verdict = guest_decision(grants=[revoked, live])
    assert verdict.allowed
    assert verdict.authorisation_id == "g-new"


def test_refused_over_the_headcount_cap_naming_the_cap() -> None:
    verdict = guest_decision(headcount=13, grants=[grant(headcount_cap=12)])
    assert not verdict.allowed
    assert "cap of 12" in verdict.reason
    assert "13" in verdict.reason
    assert guest_decision(headcount=12, grants=[grant(headcount_cap=12)]).allowed


def test_grant_from_a_host_without_jurisdiction_there_is_refused() -> None:
    # The KP force "grants" Sindh: it has no authority to.
    usurped = grant(host_name="KP SSU", host_provinces=("Khyber Pakhtunkhwa",))
    verdict = guest_decision(grants=[usurped])
    assert not verdict.allowed
    assert "without jurisdiction" in verdict.reason


def test_a_unit_specific_grant_does_not_cover_another_unit() -> None:
    for_other = grant(unit_id=OTHER_UNIT)
    verdict = guest_decision(grants=[for_other])
    assert not verdict.allowed
    assert "no deployment authorisation covers" in verdict.reason
    assert guest_decision(grants=[grant(unit_id=UNIT)]).allowed


def test_host_units_act_only_in_their_own_jurisdiction() -> None:
    def host(place: Place):
        return decide(
            unit_id="sindh-escort",
            unit_side="host",
            unit_agency_provinces=("Sindh",),
            place=place,
            at=NOW,
            headcount=30,
            grants=[],
        )

    inside = host(KARACHI)
    assert inside.allowed
    assert "own jurisdiction" in inside.reason
    outside = host(BESHAM)
    assert not outside.allowed
    assert "outside this host force's jurisdiction" in outside.reason
    assert "Sindh" in outside.reason


def test_unlocated_places_and_client_units_are_refused() -> None:
    assert not guest_decision(Place(None, None), grants=[grant()]).allowed
    client = decide(
        unit_id=UNIT,
        unit_side="client",
        unit_agency_provinces=(),
        place=KARACHI,
        at=NOW,
        headcount=1,
        grants=[grant()],
    )
    assert not client.allowed


caps = st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=5)


@given(caps=caps, extra=st.integers(min_value=1, max_value=1000))
def test_never_allowed_when_headcount_exceeds_every_cap(caps: list[int], extra: int) -> None:
    grants = [
        grant(id=f"g-{i}", reference=f"DA-{i}", headcount_cap=cap) for i, cap in enumerate(caps)
    ]
    verdict = guest_decision(headcount=max(caps) + extra, grants=grants)
    assert not verdict.allowed
    assert f"cap of {max(caps)}" in verdict.reason


@given(caps=caps, headcount=st.integers(min_value=1, max_value=500))
def test_allowed_exactly_when_some_live_cap_fits(caps: list[int], headcount: int) -> None:
    grants = [
        grant(id=f"g-{i}", reference=f"DA-{i}", headcount_cap=cap) for i, cap in enumerate(caps)
    ]
    verdict = guest_decision(headcount=headcount, grants=grants)
    assert verdict.allowed == (headcount <= max(caps))
    if verdict.allowed:
        chosen = next(g for g in grants if g.id == verdict.authorisation_id)
        assert headcount <= chosen.headcount_cap
