"""SOP policy files: one TOML file per jurisdiction and version, validated as they load.

A policy file holds ``jurisdiction`` (a province or territory, or ``"*"`` for the federal
baseline that applies everywhere), an integer ``version``, ``effective_from`` and optionally
``effective_until`` (TOML dates, inclusive), a ``title``, a ``source`` saying what it is
modelled on, optionally a ``timezone`` (IANA name; the jurisdiction's local time, in which
every time in a finding is written; default Asia/Karachi), and ``[[rule]]`` tables. Every rule
has a stable ``id`` (cited in every finding), a ``kind`` (see :mod:`jsms.movements.sop.rules`),
a ``severity`` (``blocking``: a failure stops the movement; ``requirement``: a failure must be
fixed before approval; ``advisory``: for the officer's attention), the plain-language ``text``
an officer reads, optionally ``min_level`` (the rule covers the route's points at or above this
threat level; default 1) and ``area`` (a circle or GeoJSON polygon the rule is limited to),
plus the kind's own parameters.

Files are checked strictly (unknown kinds, fields or misspelt keys are errors) because a typo
that silently drops a rule would weaken an SOP without anyone noticing. Every error is a
:class:`PolicyError` naming the file and the rule.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jsms.movements.sop.facts import FEDERAL, JURISDICTIONS, canonical_jurisdiction
from jsms.movements.sop.geo import Area, parse_area
from jsms.movements.sop.local_time import DEFAULT_ZONE, LocalZone, parse_zone
from jsms.movements.sop.rules import KINDS, Invalid, Outcome, Reader, RuleContext

__all__ = [
    "SEVERITIES",
    "Policy",
    "PolicyError",
    "PolicySet",
    "Rule",
    "default_policies",
    "load_policies",
    "parse_policy",
]

SEVERITIES = ("blocking", "requirement", "advisory")
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
_TOP_FIELDS = {
    "jurisdiction",
    "version",
    "effective_from",
    "effective_until",
    "title",
    "source",
    "timezone",
    "rule",
}


class PolicyError(ValueError):
    """A policy file cannot be used; the message names the file and, where known, the rule."""

    def __init__(self, origin: str, problem: str, rule_id: str | None = None) -> None:
        self.origin = origin
        self.rule_id = rule_id
        self.problem = problem
        where = f"{origin}: rule {rule_id}" if rule_id else origin
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Rule:
    """One SOP rule: a stable id, its kind's checker, how binding it is and what it says."""

    id: str
    kind: str
    severity: str
    text: str
    min_level: int
    area: Area | None
    spec: Any

    def check(self, ctx: RuleContext) -> Outcome:
        """What this rule says about the movement slice ``ctx``."""
        return self.spec.check(ctx)


@dataclass(frozen=True)
class Policy:
    """One version of one jurisdiction's SOP."""

    jurisdiction: str
    version: int
    effective_from: date
    effective_until: date | None
    title: str
    source: str
    rules: tuple[Rule, ...]
    origin: str
    zone: LocalZone = DEFAULT_ZONE
    """The jurisdiction's local time: every time in a finding is written in it."""

    @property
    def label(self) -> str:
        """``"Khyber Pakhtunkhwa SOP v3"`` / ``"Federal SOP v1"``: how findings cite it."""
        name = "Federal" if self.jurisdiction == FEDERAL else self.jurisdiction
        return f"{name} SOP v{self.version}"

    def in_force_on(self, day: date) -> bool:
        """Whether ``day`` falls in the policy's effective period (both ends inclusive)."""
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (``KeyError`` if the policy has none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class PolicySet:
    """All loaded policy versions; answers which version of which SOP applies on a date."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        seen: dict[tuple[str, int], Policy] = {}
        for policy in policies:
            key = (policy.jurisdiction, policy.version)
            if key in seen:
                raise PolicyError(
                    policy.origin,
                    f"{policy.label} is also defined in {seen[key].origin}",
                )
            seen[key] = policy
        self._policies = tuple(sorted(seen.values(), key=lambda p: (p.jurisdiction, p.version)))

    def __iter__(self) -> Iterator[Policy]:
        return iter(self._policies)

    def __len__(self) -> int:
        return len(self._policies)

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        """Jurisdictions with at least one policy version (``"*"`` for the federal baseline)."""
        return tuple(dict.fromkeys(p.jurisdiction for p in self._policies))

    def versions(self, jurisdiction: str) -> tuple[Policy, ...]:
        """Every version of one jurisdiction's SOP, oldest first."""
        name = canonical_jurisdiction(jurisdiction)
        return tuple(p for p in self._policies if p.jurisdiction == name)

    def latest(self, jurisdiction: str, on: date) -> Policy | None:
        """The highest version of exactly this jurisdiction's SOP in force on ``on``.

        An older version keeps answering for dates before its successor took effect, so a
        movement is always judged by the rules of its own date.
        """
        candidates = [p for p in self.versions(jurisdiction) if p.in_force_on(on)]
        return max(candidates, key=lambda p: p.version) if candidates else None

    def zone(self, jurisdiction: str, on: date) -> LocalZone:
        """The local time of ``jurisdiction`` on ``on``: its SOP's zone, else the federal
        baseline's, else :data:`DEFAULT_ZONE`."""
        for policy in (self.latest(jurisdiction, on), self.latest(FEDERAL, on)):
            if policy is not None:
                return policy.zone
        return DEFAULT_ZONE

    def in_force(self, jurisdiction: str, on: date) -> list[Policy]:
        """The policies that govern a movement in ``jurisdiction`` on ``on``: the federal
        baseline (when one is in force) followed by the jurisdiction's own SOP (when one is)."""
        found = [self.latest(FEDERAL, on)]
        if canonical_jurisdiction(jurisdiction) != FEDERAL:
            found.append(self.latest(jurisdiction, on))
        return [p for p in found if p is not None]


def _date(value: Any, key: str, origin: str) -> date:
    if isinstance(value, datetime):
        raise PolicyError(origin, f"'{key}' must be a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PolicyError(origin, f"'{key}' must be a date (YYYY-MM-DD), got {value!r}")


def _rule(table: Any, position: int, origin: str) -> Rule:
    if not isinstance(table, Mapping):
        raise PolicyError(origin, "must be a table", f"#{position}")
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise PolicyError(origin, "missing required field 'id'", f"#{position}")
    rule_id = rule_id.strip()
    try:
        if not _RULE_ID.match(rule_id):
            raise Invalid("id must look like FED-ARMOUR-1 (capitals, digits, hyphens)")
        r = Reader(table)
        r.raw("id")
        kind = r.text("kind")
        if kind not in KINDS:
            raise Invalid(f"unknown kind '{kind}' (known: {', '.join(sorted(KINDS))})")
        severity = r.text("severity")
        if severity not in SEVERITIES:
            raise Invalid(f"severity must be one of {', '.join(SEVERITIES)}, got '{severity}'")
        text = " ".join(r.text("text").split())
        min_level = r.integer("min_level", 1, minimum=1, maximum=6)
        area = None
        if r.has("area"):
            try:
                area = parse_area(r.raw("area"))
            except ValueError as exc:
                raise Invalid(str(exc)) from exc
        spec = KINDS[kind].parse(r)
        r.finish()
    except Invalid as exc:
        raise PolicyError(origin, str(exc), rule_id) from exc
    return Rule(rule_id, kind, severity, text, min_level, area, spec)


def parse_policy(text: str, origin: str = "<policy>") -> Policy:
    """One :class:`Policy` from the text of a policy file; ``origin`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(origin, f"not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - _TOP_FIELDS)
    if unknown:
        raise PolicyError(origin, f"unknown field(s): {', '.join(unknown)}")
    for key in ("jurisdiction", "version", "effective_from", "title", "source", "rule"):
        if key not in data:
            raise PolicyError(origin, f"missing required field '{key}'")
    raw_name = data["jurisdiction"]
    if not isinstance(raw_name, str):
        raise PolicyError(origin, "'jurisdiction' must be a string")
    jurisdiction = canonical_jurisdiction(raw_name)
    if jurisdiction != FEDERAL and jurisdiction not in JURISDICTIONS:
        known = ", ".join(sorted(JURISDICTIONS))
        raise PolicyError(origin, f"unknown jurisdiction {raw_name!r} (use '*' or one of {known})")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PolicyError(origin, f"'version' must be an integer >= 1, got {version!r}")
    effective_from = _date(data["effective_from"], "effective_from", origin)
    effective_until = None
    if "effective_until" in data:
        effective_until = _date(data["effective_until"], "effective_until", origin)
        if effective_until < effective_from:
            raise PolicyError(origin, "'effective_until' is before 'effective_from'")
    for key in ("title", "source"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise PolicyError(origin, f"'{key}' must be a non-empty string")
    try:
        zone = parse_zone(data["timezone"]) if "timezone" in data else DEFAULT_ZONE
    except ValueError as exc:
        raise PolicyError(origin, f"'timezone': {exc}") from exc
    tables = data["rule"]
    if not isinstance(tables, list) or not tables:
        raise PolicyError(origin, "needs at least one [[rule]] table")
    rules = tuple(_rule(table, i, origin) for i, table in enumerate(tables, start=1))
    ids = [rule.id for rule in rules]
    for rule_id in ids:
        if ids.count(rule_id) > 1:
            raise PolicyError(origin, "the id is used twice in this file", rule_id)
    return Policy(
        jurisdiction=jurisdiction,
        version=version,
        effective_from=effective_from,
        effective_until=effective_until,
        title=" ".join(data["title"].split()),
        source=data["source"].strip(),
        rules=rules,
        origin=origin,
        zone=zone,
    )


def _files(directory: str | Path | None) -> list[tuple[str, Traversable | Path]]:
    if directory is None:
        folder: Traversable | Path = resources.files("jsms.movements.sop.policies")
    else:
        folder = Path(directory)
        if not folder.is_dir():
            raise PolicyError(str(folder), "is not a directory")
    found = [(entry.name, entry) for entry in folder.iterdir() if entry.name.endswith(".toml")]
    return sorted(found, key=lambda pair: pair[0])


def load_policies(directory: str | Path | None = None) -> PolicySet:
    """Every ``*.toml`` policy file in ``directory`` (default: the shipped SOP set in
    ``jsms/movements/sop/policies``), validated. Raises :class:`PolicyError` on the first bad
    one."""
    policies = []
    for name, entry in _files(directory):
        policies.append(parse_policy(entry.read_text(encoding="utf-8"), name))
    return PolicySet(policies)


@lru_cache(maxsize=1)
def default_policies() -> PolicySet:
    """The shipped SOP set, loaded once per process."""
    return load_policies()
