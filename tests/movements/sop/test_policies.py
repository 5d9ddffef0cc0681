"""SOP policy files: the shipped set, versioning by date, and strict validation."""

from __future__ import annotations

import textwrap
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from jsms.movements.sop import (
    KINDS,
    SEVERITIES,
    Escort,
    PolicyError,
    PolicySet,
    RouteSegment,
    evaluate,
    load_policies,
    parse_policy,
)
from tests.movements.sop.test_engine import karachi_hub_route, kkh_route, movement

SHIPPED = load_policies()

HEADER = """
jurisdiction = "Sindh"
version = {version}
effective_from = {start}
{until}
title = "Test SOP"
source = "Written for the tests."
"""

NOTIFY_RULE = """
[[rule]]
id = "SD-TEST-{version}"
kind = "notify_police"
severity = "requirement"
within_km = {km}
stations = [{{ name = "Station v{version}", lat = 24.9, lon = 67.2, phone = "0" }}]
text = "Test notify rule."
"""


def write_policy(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def versioned(folder: Path, version: int, start: str, until: str = "", km: int = 5) -> None:
    until_line = f"effective_until = {until}" if until else ""
    text = HEADER.format(version=version, start=start, until=until_line)
    write_policy(
        folder, f"sindh_v{version}.toml", text + NOTIFY_RULE.format(version=version, km=km)
    )


def test_shipped_set_covers_federal_and_every_province() -> None:
    assert set(SHIPPED.jurisdictions) == {
        "*",
        "Sindh",
        "Punjab",
        "Balochistan",
        "Khyber Pakhtunkhwa",
        "Gilgit-Baltistan",
        "Islamabad",
    }
    for policy in SHIPPED:
        assert policy.title and policy.source
        ids = [rule.id for rule in policy.rules]
        assert len(ids) == len(set(ids))
        for rule in policy.rules:
            assert rule.kind in KINDS and rule.severity in SEVERITIES
            assert rule.text.endswith(".")


def test_shipped_files_cite_their_sources() -> None:
    folder = resources.files("jsms.movements.sop.policies")  # where the loader reads them
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    assert len(files) == len(SHIPPED)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "Modelled on" in text, path.name
        assert "https://" in text, path.name


def test_federal_baseline_has_the_reported_core_rules() -> None:
    federal = SHIPPED.latest("*", date(2024, 6, 1))
    assert federal is not None
    kinds = {rule.kind: rule for rule in federal.rules}
    assert kinds["armoured_vehicle"].severity == "blocking"
    assert kinds["advance_notice"].spec.hours_by_level[0] == (1, 24.0)
    assert kinds["escort"].severity == "blocking"
    assert kinds["approval_chain"].spec.parties == ("host:*", "guest", "client")
    assert kinds["max_persons_per_vehicle"].spec.max_persons == 6


def test_in_force_picks_the_version_of_the_date() -> None:
    def labels(day: date) -> list[str]:
        return [p.label for p in SHIPPED.in_force("KP", day)]

    assert labels(date(2023, 1, 1)) == []
    assert labels(date(2024, 3, 26)) == ["Federal SOP v1", "Khyber Pakhtunkhwa SOP v1"]
    assert labels(date(2024, 3, 27)) == ["Federal SOP v1", "Khyber Pakhtunkhwa SOP v2"]
    assert labels(date(2024, 9, 2)) == ["Federal SOP v1", "Khyber Pakhtunkhwa SOP v3"]
    assert [p.label for p in SHIPPED.in_force("*", date(2024, 9, 2))] == ["Federal SOP v1"]


def test_versioning_changes_the_verdict_for_the_same_movement() -> None:
    # The Besham attack was on 26 Mar 2024: that day KP SOP v1 only advised daylight travel.
    before = evaluate(movement(day=date(2024, 3, 26), depart=(18, 30)), SHIPPED)
    assert "Khyber Pakhtunkhwa SOP v1" in before.policies
    assert "KP-WINDOW-1" not in before.violated_rules
    assert [a.rule_id for a in before.advisories if a.rule_id == "KP-WINDOW-1"]

    after = evaluate(movement(day=date(2024, 4, 10), depart=(18, 30)), SHIPPED)
    assert "Khyber Pakhtunkhwa SOP v2" in after.policies
    assert "KP-WINDOW-1" in after.violated_rules


def test_older_version_still_answers_for_past_dates(tmp_path: Path) -> None:
    versioned(tmp_path, 1, "2024-01-01", km=5)
    versioned(tmp_path, 2, "2024-06-01", km=50)
    policies = load_policies(tmp_path)
    assert policies.latest("Sindh", date(2023, 12, 31)) is None
    assert policies.latest("Sindh", date(2024, 5, 31)).version == 1  # type: ignore[union-attr]
    assert policies.latest("Sindh", date(2024, 6, 1)).version == 2  # type: ignore[union-attr]
    assert [p.version for p in policies.versions("Sindh")] == [1, 2]
    # No federal baseline in this folder: only the Sindh policy applies.
    assert [p.label for p in policies.in_force("Sindh", date(2024, 7, 1))] == ["Sindh SOP v2"]


def test_effective_until_ends_a_version(tmp_path: Path) -> None:
    versioned(tmp_path, 1, "2024-01-01", until="2024-12-31")
    policies = load_policies(tmp_path)
    assert policies.latest("Sindh", date(2024, 12, 31)) is not None
    assert policies.latest("Sindh", date(2025, 1, 1)) is None
    result = evaluate(movement(day=date(2025, 1, 5), route=karachi_hub_route()), policies)
    assert set(result.uncovered) == {"*", "Sindh", "Balochistan"}


def test_polygon_no_go_zone_and_area_scoped_rule(tmp_path: Path) -> None:
    write_policy(
        tmp_path,
        "kp.toml",
        """
        jurisdiction = "Khyber Pakhtunkhwa"
        version = 1
        effective_from = 2024-01-01
        title = "Test"
        source = "Test."

        [[rule]]
        id = "KP-ZONE-9"
        kind = "no_go"
        severity = "blocking"
        text = "No movement through the Lahore Nala bend."

        [[rule.zones]]
        name = "Lahore Nala bend"

        [rule.zones.geometry]
        type = "Polygon"
        coordinates = [[
          [72.85, 34.95], [72.95, 34.95], [72.95, 35.05], [72.85, 35.05], [72.85, 34.95],
        ]]

        [[rule]]
        id = "KP-DASU-9"
        kind = "escort"
        severity = "blocking"
        area = { name = "Dasu", lat = 35.2917, lon = 73.2906, radius_km = 2 }
        host_vehicles_by_level = { 1 = 9 }
        text = "Nine vehicles at Dasu."
        """,
    )
    policies = load_policies(tmp_path)
    # The Besham-Dasu leg crosses the polygon although no route point lies inside it.
    result = evaluate(movement(), policies)
    (zone,) = [v for v in result.violations if v.rule_id == "KP-ZONE-9"]
    assert zone.message.startswith("the route enters the no-go zone Lahore Nala bend at Besham")
    assert result.minimum_host_escort["Khyber Pakhtunkhwa"] == 9
    # A route that stays south of the zone and away from Dasu meets neither rule.
    south = (RouteSegment("KP", ((34.75, 72.9167, 3, "Thakot"), (34.90, 72.87, 3, "S"))),)
    quiet = evaluate(movement(route=south), policies)
    assert not quiet.cites("KP-ZONE-9") and not quiet.cites("KP-DASU-9")


def test_station_distance_threshold(tmp_path: Path) -> None:
    # Stations 4 km and 6 km east of the straight Thakot-Besham leg; the rule says 5 km.
    write_policy(
        tmp_path,
        "kp.toml",
        """
        jurisdiction = "Khyber Pakhtunkhwa"
        version = 1
        effective_from = 2024-01-01
        title = "Test"
        source = "Test."

        [[rule]]
        id = "KP-NOTIFY-9"
        kind = "notify_police"
        severity = "requirement"
        within_km = 5
        notice_hours = 24
        stations = [
          { name = "Near", lat = 34.84, lon = 72.9378, phone = "1" },
          { name = "Far", lat = 34.84, lon = 72.9597, phone = "2" },
        ]
        text = "Tell the police."
        """,
    )
    result = evaluate(movement(route=kkh_route()), load_policies(tmp_path))
    stations = {s["station"]: s for s in result.police_to_notify}
    assert set(stations) == {"Near"}
    assert 3.5 < stations["Near"]["distance_km"] < 4.5
    assert "by 14 Nov 2024 10:00" in result.requirements[0].message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('kind = "teleport"\nseverity = "blocking"\ntext = "x."', "unknown kind 'teleport'"),
        ('kind = "escort"\nseverity = "blocking"\nhost_vehicles_by_level = {1 = 1}', "'text'"),
        ('kind = "escort"\nseverity = "fatal"\ntext = "x."', "severity must be one of"),
        (
            'kind = "escort"\nseverity = "blocking"\ntext = "x."\nhost_vehicles_by_level = {1=1}\n'
            "guest_team_by_levels = {1=2}",
            "unknown field(s): guest_team_by_levels",
        ),
        ('kind = "escort"\nseverity = "blocking"\ntext = "x."', "host_vehicles_by_level"),
        (
            'kind = "escort"\nseverity = "blocking"\ntext = "x."\nhost_vehicles_by_level = {9 = 1}',
            "threat levels 1..6",
        ),
        ('kind = "no_go"\nseverity = "blocking"\ntext = "x."', "explicit min_level"),
        (
            'kind = "movement_window"\nseverity = "blocking"\ntext = "x."\n'
            'curfews = [{ from = "25:00", to = "05:00" }]',
            "clock time",
        ),
        (
            'kind = "approval_chain"\nseverity = "requirement"\ntext = "x."\n'
            'parties = ["host:Atlantis"]',
            "unknown jurisdiction",
        ),
        (
            'kind = "no_go"\nseverity = "blocking"\ntext = "x."\n'
            'zones = [{ name = "Z", geometry = { type = "Point", coordinates = [1, 2] } }]',
            "Polygon",
        ),
        ('kind = "escort"\nseverity = "blocking"\ntext = "x."\nmin_level = 0', "min_level"),
    ],
)
def test_malformed_rule_names_file_and_rule(tmp_path: Path, rule: str, expected: str) -> None:
    text = HEADER.format(version=1, start="2024-01-01", until="")
    text += NOTIFY_RULE.format(version=1, km=5)
    text += f'\n[[rule]]\nid = "SD-BAD-7"\n{rule}\n'
    write_policy(tmp_path, "sindh_broken.toml", text)
    with pytest.raises(PolicyError) as caught:
        load_policies(tmp_path)
    message = str(caught.value)
    assert message.startswith("sindh_broken.toml: rule SD-BAD-7: ")
    assert expected in message
    assert caught.value.rule_id == "SD-BAD-7"
    assert caught.value.origin == "sindh_broken.toml"


def test_rule_without_id_is_named_by_position(tmp_path: Path) -> None:
    text = HEADER.format(version=1, start="2024-01-01", until="")
    text += NOTIFY_RULE.format(version=1, km=5)
    text += '\n[[rule]]\nkind = "escort"\nseverity = "blocking"\ntext = "x."\n'
    write_policy(tmp_path, "no_id.toml", text)
    with pytest.raises(PolicyError, match=r"^no_id\.toml: rule #2: missing required field 'id'"):
        load_policies(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jurisdiction = ", "not valid TOML"),
        ('jurisdiction = "Mars"\n', "missing required field"),
        (
            'jurisdiction = "Mars"\nversion = 1\neffective_from = 2024-01-01\n'
            'title = "t"\nsource = "s"\n[[rule]]\nid = "X-1"',
            "unknown jurisdiction 'Mars'",
        ),
        (
            'jurisdiction = "Sindh"\nversion = 0\neffective_from = 2024-01-01\n'
            'title = "t"\nsource = "s"\n[[rule]]\nid = "X-1"',
            "'version' must be an integer >= 1",
        ),
        (
            'jurisdiction = "Sindh"\nversion = 1\neffective_from = 2024-01-01\n'
            'effective_until = 2023-01-01\ntitle = "t"\nsource = "s"\n[[rule]]\nid = "X-1"',
            "before 'effective_from'",
        ),
        (
            'jurisdiction = "Sindh"\nversion = 1\neffective_from = 2024-01-01\n'
            'title = "t"\nsource = "s"\nrules = []\n',
            "unknown field(s): rules",
        ),
    ],
)
def test_malformed_file_names_the_file(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "broken.toml")
    assert str(caught.value).startswith("broken.toml: ")
    assert expected in str(caught.value)


def test_duplicate_rule_id_in_a_file() -> None:
    text = HEADER.format(version=1, start="2024-01-01", until="")
    text += NOTIFY_RULE.format(version=1, km=5) * 2
    with pytest.raises(PolicyError, match="rule SD-TEST-1: the id is used twice"):
        parse_policy(text, "twice.toml")


def test_two_files_with_the_same_version(tmp_path: Path) -> None:
    versioned(tmp_path, 1, "2024-01-01")
    (tmp_path / "copy.toml").write_text((tmp_path / "sindh_v1.toml").read_text())
    with pytest.raises(PolicyError, match=r"Sindh SOP v1 is also defined in"):
        load_policies(tmp_path)


def test_policy_set_from_parsed_policies() -> None:
    text = HEADER.format(version=1, start="2024-01-01", until="")
    policy = parse_policy(text + NOTIFY_RULE.format(version=1, km=5), "inline")
    policies = PolicySet([policy])
    assert len(policies) == 1
    assert policy.rule("SD-TEST-1").kind == "notify_police"
    result = evaluate(movement(route=karachi_hub_route(), escort=Escort()), policies)
    assert result.policies == ("Sindh SOP v1",)
