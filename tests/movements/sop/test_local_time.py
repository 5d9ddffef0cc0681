"""Defect 3: every time an SOP explanation shows names its zone, and the zone is the
jurisdiction's, taken from its policy file rather than written into each message."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from jsms.movements.sop import Evaluation, PolicyError, PolicySet, evaluate, parse_policy
from jsms.movements.sop.local_time import LocalZone, parse_zone
from tests.movements.sop.test_engine import POLICIES, karachi_hub_route, movement

CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
DAY = r"(?: on \d{1,2} [A-Z][a-z]{2})?"


def unzoned_times(text: str, label: str) -> list[str]:
    """Clock times in ``text`` not followed by the zone label (ranges and days allowed)."""
    zoned = re.compile(
        rf"\d{{2}}:\d{{2}}{DAY}(?:\u2013\d{{2}}:\d{{2}}{DAY})? {re.escape(label)}{DAY}"
    )
    covered = [span for m in zoned.finditer(text) for span in [(m.start(), m.end())]]
    return [m[0] for m in CLOCK.finditer(text) if not any(a <= m.start() < b for a, b in covered)]


def explanations() -> list[Evaluation]:
    """Movements whose findings write many times: a night run through Besham (window,
    sunset, notice deadline, police stations), a short-notice one, a Balochistan curfew."""
    return [
        evaluate(movement(depart=(18, 30)), POLICIES),
        evaluate(movement(depart=(5, 0), notice_hours=2), POLICIES),
        evaluate(
            movement(day=date(2025, 9, 1), depart=(16, 0), hours=1.5, route=karachi_hub_route()),
            POLICIES,
        ),
    ]


def test_every_time_in_an_explanation_names_its_zone() -> None:
    texts = [e.explanation() for e in explanations()]
    assert sum(len(CLOCK.findall(t)) for t in texts) >= 10  # the check is not vacuous
    for text in texts:
        assert unzoned_times(text, "PKT (UTC+5)") == [], text
    night = texts[0]
    assert re.search(r"depart \d{2}:\d{2}\u2013\d{2}:\d{2} PKT \(UTC\+5\)", night), night
    for finding in explanations()[0].requirements:
        assert unzoned_times(finding.message, "PKT (UTC+5)") == []


def test_the_zone_comes_from_the_policy_file() -> None:
    """A Sindh policy in another zone (as a test) writes its times there; the federal
    baseline, in Pakistan's zone, keeps writing PKT."""
    sindh = parse_policy(
        """
        jurisdiction = "Sindh"
        timezone = "Asia/Kolkata"
        version = 9
        effective_from = 2020-01-01
        title = "Test SOP in another zone"
        source = "test"

        [[rule]]
        id = "SD-NOTICE-9"
        kind = "advance_notice"
        severity = "blocking"
        text = "Notify police ahead."
        hours_by_level = { 1 = 24 }
        """,
        "sindh_test.toml",
    )
    policies = PolicySet([*(p for p in POLICIES if p.jurisdiction != "Sindh"), sindh])
    facts = movement(depart=(10, 0), notice_hours=2, route=karachi_hub_route())
    result = evaluate(facts, policies)
    (finding,) = [f for f in result.requirements if f.rule_id == "SD-NOTICE-9"]
    # The notice deadline is 24 h before the 10:00 PKT departure: 10:30 in Kolkata.
    assert "by 14 Nov 2024 10:30 IST (UTC+5:30)" in finding.message
    assert unzoned_times(finding.message, "IST (UTC+5:30)") == []
    federal = [f for f in result.requirements if f.jurisdiction == "*" and CLOCK.search(f.message)]
    assert federal and all(unzoned_times(f.message, "PKT (UTC+5)") == [] for f in federal)
    assert policies.zone("Sindh", facts.movement_date).name == "Asia/Kolkata"
    assert policies.zone("Punjab", facts.movement_date).name == "Asia/Karachi"


def test_shipped_policies_name_their_zone() -> None:
    for policy in POLICIES:
        assert policy.zone.name == "Asia/Karachi", policy.origin


def test_a_bad_zone_is_refused_with_the_file_named() -> None:
    with pytest.raises(PolicyError, match=r"bad\.toml: 'timezone': unknown time zone"):
        parse_policy(
            'jurisdiction = "Sindh"\ntimezone = "Asia/Atlantis"\nversion = 1\n'
            'effective_from = 2020-01-01\ntitle = "t"\nsource = "s"\n'
            '[[rule]]\nid = "SD-X-1"\nkind = "advance_notice"\nseverity = "blocking"\n'
            'text = "t."\nhours_by_level = { 1 = 24 }\n',
            "bad.toml",
        )
    with pytest.raises(ValueError):
        parse_zone(5)


def test_labels_for_zones_with_and_without_letters() -> None:
    moment = datetime(2024, 11, 15, 1, 0, tzinfo=UTC)
    assert LocalZone("Asia/Karachi").label(moment) == "PKT (UTC+5)"
    assert LocalZone("Asia/Kolkata").label(moment) == "IST (UTC+5:30)"
    assert LocalZone("Asia/Dubai").label(moment) == "UTC+4"  # the zone has no letters
    zone = LocalZone("Asia/Karachi")
    later = datetime(2024, 11, 15, 20, 0, tzinfo=UTC)  # 01:00 on 16 Nov in Karachi
    assert zone.window(moment, later, date(2024, 11, 15)) == (
        "06:00\u201301:00 on 16 Nov PKT (UTC+5)"
    )
