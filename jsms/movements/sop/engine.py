"""SOP engine: checks a planned movement against the standard operating procedures in force.

After the Dasu (2021), Besham (2024) and Karachi airport (2024) attacks on convoys, every
movement of foreign engineers must be checked against the federal and provincial SOPs
(bullet-proof vehicles, prior notice to police, escorts...). This module answers, for one
movement, *which rules of which SOP version* it breaks, what those rules *require* of it
(escort per province, approvals, police stations to warn, armoured vehicles, a departure
window), and says so in plain language citing each rule's id.

Pure and deterministic: no database, no HTTP, no clock. Policies are loaded once
(:func:`load_policies`), the movement's times are passed in (:class:`MovementFacts`), and
:func:`evaluate` does the rest in memory.

How a rule reaches a movement: the federal baseline (jurisdiction ``"*"``) covers the whole
route; a provincial SOP covers the route's points in its province. Each rule is further
limited to its ``area`` and to points at or above its ``min_level``; a rule that covers no
point does not apply. The version applied is the latest in force on the local date of
departure.

Typical use::

    policies = load_policies()
    result = evaluate(facts, policies)
    if result.blocked:
        print(result.explanation())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jsms.movements.sop.facts import (
    FEDERAL,
    MovementFacts,
    TimedPoint,
    build_timeline,
)
from jsms.movements.sop.policy import (
    Policy,
    PolicySet,
    Rule,
    default_policies,
)
from jsms.movements.sop.rules import Item, RuleContext

__all__ = ["Evaluation", "Finding", "evaluate"]


# First words of rule texts that are ordinary words (lower-cased after the dash); any other
# first word ("Chinese", "NOC", a place) keeps its capital.
_COMMON_FIRST_WORDS = frozenset(
    [
        "a",
        "all",
        "an",
        "any",
        "avoid",
        "convoys",
        "each",
        "every",
        "foreign",
        "movements",
        "no",
        "police",
        "the",
        "vehicles",
        "where",
    ]
)


def _clause(text: str) -> str:
    """A rule's text as a clause after a dash: no final full stop, and a lower-case first word
    when it is an ordinary word."""
    text = text.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if first.lower() in _COMMON_FIRST_WORDS:
        text = first.lower() + text[len(first) :]
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Finding:
    """One violation, requirement or advisory, citing the SOP version and rule it comes from."""

    policy: str
    jurisdiction: str
    version: int
    rule_id: str
    kind: str
    severity: str
    rule_text: str
    message: str
    blocking: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def citation(self) -> str:
        """``"Khyber Pakhtunkhwa SOP v3 rule KP-WINDOW-1"``."""
        return f"{self.policy} rule {self.rule_id}"

    def sentence(self, *, with_rule_text: bool = True) -> str:
        """The rule cited, what it says (unless ``with_rule_text`` is false), and what this
        movement does about it."""
        if not with_rule_text:
            return f"{self.citation}: {self.message}."
        return f"{self.citation} \u2014 {_clause(self.rule_text)}: {self.message}."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (datetimes as ISO 8601)."""
        return {
            "policy": self.policy,
            "jurisdiction": self.jurisdiction,
            "version": self.version,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "severity": self.severity,
            "blocking": self.blocking,
            "rule_text": self.rule_text,
            "message": self.message,
            "data": _plain(self.data),
        }


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one movement: violations (blocking ones stop it), derived requirements
    and advisories, each citing its rule; plus the policies applied and any gaps."""

    movement_date: date
    jurisdictions: tuple[str, ...]
    policies: tuple[str, ...]
    violations: tuple[Finding, ...]
    requirements: tuple[Finding, ...]
    advisories: tuple[Finding, ...]
    uncovered: tuple[str, ...]
    rules_checked: int

    @property
    def blocked(self) -> bool:
        """True when a blocking rule is broken: the movement must not go as planned."""
        return any(v.blocking for v in self.violations)

    @property
    def ok(self) -> bool:
        """No violation at all (blocking or not)."""
        return not self.violations

    @property
    def blocking_violations(self) -> tuple[Finding, ...]:
        return tuple(v for v in self.violations if v.blocking)

    @property
    def violated_rules(self) -> tuple[str, ...]:
        """Ids of the rules broken, each once, in the order reported."""
        return tuple(dict.fromkeys(v.rule_id for v in self.violations))

    def _data(self, key: str) -> list[tuple[Finding, Any]]:
        return [(r, r.data[key]) for r in self.requirements if key in r.data]

    @property
    def minimum_host_escort(self) -> dict[str, int]:
        """Host outer-ring vehicles required per jurisdiction (the strictest rule wins)."""
        need: dict[str, int] = {}
        for finding, count in self._data("host_vehicles"):
            jurisdiction = finding.data["jurisdiction"]
            need[jurisdiction] = max(need.get(jurisdiction, 0), count)
        return need

    @property
    def minimum_guest_team(self) -> int:
        """Guest inner-ring team size required (the strictest rule wins; 0 if none)."""
        return max((count for _, count in self._data("guest_team")), default=0)

    @property
    def armoured_vehicles_needed(self) -> int:
        """Armoured vehicles required (0 if no rule requires any)."""
        return max((count for _, count in self._data("armoured_vehicles")), default=0)

    @property
    def approvals(self) -> tuple[str, ...]:
        """Parties that must approve: hosts in route order, then guest, client, others."""
        parties: list[str] = []
        for _, named in self._data("parties"):
            parties.extend(named)
        order = {j: i for i, j in enumerate(self.jurisdictions)}

        def rank(item: tuple[int, str]) -> tuple[int, int, int]:
            position, party = item
            if party.startswith("host:"):
                where = party[5:].split("/", 1)[0]
                return (0, order.get(where, len(order)), position)
            return ({"guest": 1, "client": 2}.get(party, 3), 0, position)

        unique = list(dict.fromkeys(parties))
        return tuple(party for _, party in sorted(enumerate(unique), key=rank))

    @property
    def police_to_notify(self) -> tuple[Mapping[str, Any], ...]:
        """Police stations to notify (name, phone, lat, lon, distance_km, passing), nearest
        first along the route."""
        stations: dict[str, Mapping[str, Any]] = {}
        for finding, name in self._data("station"):
            stations.setdefault(name, finding.data)
        return tuple(sorted(stations.values(), key=lambda s: (s["passing"], s["station"])))

    @property
    def notice_deadline(self) -> datetime | None:
        """The latest time by which the request and police notice had to be made."""
        return min((d for _, d in self._data("deadline")), default=None)

    @property
    def departure_window(self) -> tuple[datetime, datetime] | None:
        """(earliest, latest) departure satisfying every daylight rule; ``None`` when no
        daylight rule applies. Earliest after latest means no departure time works."""
        lows = [v for _, v in self._data("earliest_departure")]
        highs = [v for _, v in self._data("latest_departure")]
        if not lows:
            return None
        return max(lows), min(highs)

    def cites(self, rule_id: str) -> bool:
        """Whether any finding cites ``rule_id``."""
        return any(
            f.rule_id == rule_id for f in (*self.violations, *self.requirements, *self.advisories)
        )

    def explanation(self) -> str:
        """Plain-language verdict, one line per finding, each citing its SOP version and rule."""
        day = f"{self.movement_date.day} {self.movement_date:%b %Y}"
        applied = ", ".join(self.policies) or "no SOP"
        lines: list[str] = []
        if not self.blocked:
            lines.append(f"Cleared: no blocking violation of {applied} for the movement on {day}.")
        lines.extend(f"Blocked: {v.sentence()}" for v in self.blocking_violations)
        lines.extend(f"Must fix: {v.sentence()}" for v in self.violations if not v.blocking)
        lines.extend(f"Required: {r.sentence(with_rule_text=False)}" for r in self.requirements)
        lines.extend(f"Advisory: {a.sentence()}" for a in self.advisories)
        for name in self.uncovered:
            if name == FEDERAL:
                lines.append(f"Not covered: no federal SOP baseline was in force on {day}.")
            else:
                lines.append(
                    f"Not covered: no {name} SOP was in force on {day}; "
                    "only the federal baseline applied there."
                )
        lines.append(
            f"Checked {self.rules_checked} applicable rules of {applied} (movement on {day})."
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the whole verdict."""
        return {
            "movement_date": self.movement_date.isoformat(),
            "blocked": self.blocked,
            "policies": list(self.policies),
            "violations": [v.to_dict() for v in self.violations],
            "requirements": [r.to_dict() for r in self.requirements],
            "advisories": [a.to_dict() for a in self.advisories],
            "uncovered": list(self.uncovered),
            "explanation": self.explanation(),
        }


def _finding(policy: Policy, rule: Rule, item: Item, *, blocking: bool = False) -> Finding:
    return Finding(
        policy=policy.label,
        jurisdiction=policy.jurisdiction,
        version=policy.version,
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        rule_text=rule.text,
        message=item.message,
        blocking=blocking,
        data=dict(item.data),
    )


def _covered(rule: Rule, points: tuple[TimedPoint, ...]) -> tuple[TimedPoint, ...]:
    chosen = rule.area.select(points) if rule.area is not None else points
    return tuple(p for p in chosen if p.level >= rule.min_level)


def evaluate(facts: MovementFacts, policies: PolicySet | None = None) -> Evaluation:
    """Check one movement against the SOPs in force on its date (default: the shipped set).

    Raises :class:`FactsError` if the facts contradict themselves (e.g. ETAs running
    backwards); SOP breaches are never exceptions, they are findings.
    """
    policies = default_policies() if policies is None else policies
    timeline = build_timeline(facts)
    on = facts.movement_date
    jurisdictions = facts.jurisdictions

    applied: list[tuple[Policy, tuple[TimedPoint, ...]]] = []
    uncovered: list[str] = []
    federal = policies.latest(FEDERAL, on)
    if federal is not None:
        applied.append((federal, timeline))
    else:
        uncovered.append(FEDERAL)
    for jurisdiction in jurisdictions:
        policy = policies.latest(jurisdiction, on)
        if policy is None:
            uncovered.append(jurisdiction)
            continue
        applied.append((policy, tuple(p for p in timeline if p.jurisdiction == jurisdiction)))

    checks = [
        (policy, rule, covered)
        for policy, points in applied
        for rule in policy.rules
        if (covered := _covered(rule, points))
    ]
    persons_cap = min(
        (
            rule.spec.max_persons
            for _, rule, _ in checks
            if rule.kind == "max_persons_per_vehicle" and rule.severity != "advisory"
        ),
        default=None,
    )

    violations: list[Finding] = []
    requirements: list[Finding] = []
    advisories: list[Finding] = []
    for policy, rule, covered in checks:
        ctx = RuleContext(
            facts=facts,
            timeline=timeline,
            points=covered,
            jurisdiction=policy.jurisdiction,
            on=on,
            min_level=rule.min_level,
            area=rule.area,
            persons_cap=persons_cap,
            zone=policy.zone,
        )
        outcome = rule.check(ctx)
        advisory = rule.severity == "advisory"
        for item in outcome.requirements:
            (advisories if advisory else requirements).append(_finding(policy, rule, item))
        for item in outcome.failures:
            if advisory:
                advisories.append(_finding(policy, rule, item))
            else:
                blocking = rule.severity == "blocking"
                violations.append(_finding(policy, rule, item, blocking=blocking))

    violations.sort(key=lambda v: not v.blocking)  # stable: blocking first, else rule order
    return Evaluation(
        movement_date=on,
        jurisdictions=jurisdictions,
        policies=tuple(dict.fromkeys(policy.label for policy, _ in applied)),
        violations=tuple(violations),
        requirements=tuple(requirements),
        advisories=tuple(advisories),
        uncovered=tuple(uncovered),
        rules_checked=len(checks),
    )
