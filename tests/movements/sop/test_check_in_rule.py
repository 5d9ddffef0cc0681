"""The `check_in` rule kind: how often escort commanders (and, where the SOP says so, the
protected persons) must check in while under way, carried in the verdict for the monitor."""

from __future__ import annotations

from pathlib import Path

import pytest

from jsms.movements.sop import Evaluation, PolicyError, evaluate, load_policies
from tests.movements.sop.test_engine import karachi_hub_route, kkh_route, movement
from tests.movements.sop.test_policies import HEADER, NOTIFY_RULE, write_policy

SHIPPED = load_policies()


def check_ins(result: Evaluation) -> dict[str, dict]:
    return {r.rule_id: dict(r.data) for r in result.requirements if r.kind == "check_in"}


def test_the_interval_follows_the_worst_level_on_the_route() -> None:
    quiet = check_ins(evaluate(movement(route=kkh_route(besham=3, others=3)), SHIPPED))
    assert quiet["FED-CHECKIN-1"]["check_in_minutes"] == 60
    assert quiet["KP-CHECKIN-1"]["check_in_minutes"] == 30
    dangerous = check_ins(evaluate(movement(route=kkh_route(besham=5)), SHIPPED))
    assert dangerous["FED-CHECKIN-1"] == {
        "check_in_minutes": 15,
        "check_in_by": ["escort_commander"],
        "check_in_grace_minutes": 5,
        "level": 5,
    }
    assert dangerous["KP-CHECKIN-1"]["check_in_minutes"] == 15


def test_protected_persons_check_in_too_where_balochistan_reaches_level_5() -> None:
    from datetime import date

    day = date(2025, 9, 10)  # Balochistan SOP v3 in force
    calm = check_ins(evaluate(movement(day=day, route=karachi_hub_route(level=2)), SHIPPED))
    assert "BL-CHECKIN-2" not in calm
    assert calm["BL-CHECKIN-1"]["check_in_minutes"] == 30
    high = check_ins(evaluate(movement(day=day, route=karachi_hub_route(level=5)), SHIPPED))
    assert high["BL-CHECKIN-2"]["check_in_by"] == ["protectee"]
    assert high["BL-CHECKIN-2"]["check_in_grace_minutes"] == 10
    assert high["BL-CHECKIN-1"]["check_in_minutes"] == 15


def test_a_check_in_rule_is_a_requirement_never_a_violation() -> None:
    result = evaluate(movement(route=kkh_route(besham=5)), SHIPPED)
    assert result.ok, result.explanation()
    assert "FED-CHECKIN-1" not in result.violated_rules
    assert (
        "Required: Federal SOP v1 rule FED-CHECKIN-1: the escort commander must check in with "
        "the control room every 15 minutes while under way" in result.explanation()
    )


def write_rule(folder: Path, rule: str) -> None:
    text = HEADER.format(version=1, start="2024-01-01", until="")
    text += NOTIFY_RULE.format(version=1, km=5)
    text += '\n[[rule]]\nid = "SD-CHECKIN-7"\nkind = "check_in"\nseverity = "requirement"\n'
    text += f'text = "x."\n{rule}\n'
    write_policy(folder, "sindh_check_in.toml", text)


def test_a_policy_file_may_set_who_and_the_grace(tmp_path: Path) -> None:
    write_rule(
        tmp_path,
        'by = ["escort_commander", "protectee"]\nminutes_by_level = { 1 = 20 }\ngrace_minutes = 2',
    )
    rule = load_policies(tmp_path).versions("Sindh")[0].rule("SD-CHECKIN-7")
    assert rule.spec.by == ("escort_commander", "protectee")
    assert rule.spec.minutes_by_level == ((1, 20.0),)
    assert rule.spec.grace_minutes == 2


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ('by = ["driver"]\nminutes_by_level = { 1 = 20 }', "'by' must list who checks in"),
        ("by = []\nminutes_by_level = { 1 = 20 }", "'by' must list who checks in"),
        ("minutes_by_level = { 1 = 0 }", "at least 1 minute"),
        ("minutes_by_level = { 7 = 20 }", "threat levels 1..6"),
        ("minutes_by_level = { 1 = 20 }\ngrace_minutes = 500", "'grace_minutes' must be in"),
        ("minutes_by_level = { 1 = 20 }\ngrace_minute = 5", "unknown field(s): grace_minute"),
        ("every = 20", "missing required field 'minutes_by_level'"),
    ],
)
def test_a_malformed_check_in_rule_names_the_file_the_rule_and_the_reason(
    tmp_path: Path, rule: str, reason: str
) -> None:
    write_rule(tmp_path, rule)
    with pytest.raises(PolicyError) as caught:
        load_policies(tmp_path)
    assert str(caught.value).startswith("sindh_check_in.toml: rule SD-CHECKIN-7: ")
    assert reason in str(caught.value)
