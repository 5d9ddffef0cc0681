"""Escalation ladders (ladders.toml): who hears of an unacknowledged alert, and when.

Plain data and arithmetic on times, so the escalation loop is a function of `now` and tests
drive the clock instead of sleeping.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from jsms.alerts.findings import KINDS, SEVERITIES
from jsms.identity.roles import Side

__all__ = ["Ladder", "Step", "ladder_for", "ladders", "severity_reaches"]


@dataclass(frozen=True)
class Step:
    number: int
    after: timedelta  # since the alert opened
    sides: frozenset[Side]
    note: str


@dataclass(frozen=True)
class Ladder:
    name: str
    kinds: frozenset[str]  # "*" for every kind
    severities: frozenset[str]
    quiet: timedelta
    steps: tuple[Step, ...]

    def matches(self, kind: str, severity: str) -> bool:
        return ("*" in self.kinds or kind in self.kinds) and severity in self.severities

    def step(self, number: int) -> Step | None:
        return self.steps[number] if 0 <= number < len(self.steps) else None

    def due_at(self, opened_at: datetime, number: int) -> datetime | None:
        """When the alert climbs to step `number`, or None past the top of the ladder."""
        step = self.step(number)
        return None if step is None else opened_at + step.after


def severity_reaches(severity: str, minimum: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(minimum)


def _parse(text: str) -> tuple[Ladder, ...]:
    found = []
    for raw in tomllib.loads(text)["ladder"]:
        kinds = frozenset(raw["kinds"])
        unknown = kinds - set(KINDS) - {"*"}
        if unknown or not set(raw["severities"]) <= set(SEVERITIES):
            raise ValueError(f"ladder {raw['name']!r}: unknown kind or severity {sorted(unknown)}")
        steps = tuple(
            Step(
                number=i,
                after=timedelta(seconds=s["after_s"]),
                sides=frozenset(Side(x) for x in s["sides"]),
                note=s["note"],
            )
            for i, s in enumerate(raw["steps"])
        )
        if not steps or steps[0].after:
            raise ValueError(f"ladder {raw['name']!r}: step 0 must be at once (after_s = 0)")
        if any(b.after <= a.after for a, b in itertools.pairwise(steps)):
            raise ValueError(f"ladder {raw['name']!r}: steps must come later one after another")
        found.append(
            Ladder(
                name=raw["name"],
                kinds=kinds,
                severities=frozenset(raw["severities"]),
                quiet=timedelta(seconds=raw.get("quiet_s", 0)),
                steps=steps,
            )
        )
    return tuple(found)


@cache
def ladders() -> tuple[Ladder, ...]:
    """The packaged ladders, read once."""
    return _parse(resources.files("jsms.alerts").joinpath("ladders.toml").read_text("utf-8"))


def ladder_for(kind: str, severity: str) -> Ladder:
    for ladder in ladders():
        if ladder.matches(kind, severity):
            return ladder
    raise LookupError(f"no escalation ladder for {kind} at {severity}")
