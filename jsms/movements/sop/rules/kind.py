"""What every SOP rule kind is made of: reading its table, the context it checks, its outcome.

Every kind is a frozen dataclass with ``parse(reader)`` (validate the TOML table, raising
:class:`Invalid` with a plain reason) and ``check(ctx)`` returning an :class:`Outcome`: the
requirements the rule derives for this movement, and the ways the movement fails it. Whether a
failure blocks the movement is the rule's *severity*, decided by the policy file, not here.

``ctx.points`` are the route points the rule covers: the policy's jurisdiction (the whole route
for the federal baseline), limited to the rule's ``area`` and to points at or above its
``min_level``. A rule whose ``ctx.points`` is empty does not apply and is never checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol

from jsms.movements.sop.facts import FEDERAL, MovementFacts, TimedPoint
from jsms.movements.sop.geo import Area
from jsms.movements.sop.local_time import DEFAULT_ZONE, LocalZone

__all__ = [
    "Invalid",
    "Item",
    "LevelTable",
    "Outcome",
    "Reader",
    "RuleContext",
    "RuleKind",
    "by_level",
]

LevelTable = tuple[tuple[int, float], ...]


class Invalid(ValueError):
    """A policy file's content is wrong; the loader adds the file name and the rule id."""


_MISSING: Any = object()


class Reader:
    """Typed reads from one TOML table that remember which keys were read, so that a
    misspelt key is reported instead of silently ignored (a typo must not weaken an SOP)."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.table = table
        self.used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is _MISSING:
                raise Invalid(f"missing required field '{key}'")
            return default
        return self.table[key]

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.raw(key, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"'{key}' must be a non-empty string")
        return value.strip()

    def integer(
        self, key: str, default: Any = _MISSING, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"'{key}' must be an integer, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f"..{maximum}"
            raise Invalid(f"'{key}' must be in {minimum}{upper}, got {value}")
        return value

    def number(
        self, key: str, default: Any = _MISSING, *, positive: bool = False, signed: bool = False
    ) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"'{key}' must be a number, got {value!r}")
        if (value < 0 and not signed) or (positive and value <= 0):
            raise Invalid(f"'{key}' must be {'positive' if positive else '>= 0'}, got {value}")
        return float(value)

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise Invalid(f"'{key}' must be true or false, got {value!r}")
        return value

    def items(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            raise Invalid(f"'{key}' must be an array")
        return value

    def level_table(self, key: str, default: Any = _MISSING) -> LevelTable:
        """``{ 1 = 24, 4 = 48 }``: a value from each threat level up, sorted by level."""
        value = self.raw(key, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, Mapping) or not value:
            raise Invalid(f"'{key}' must be a table of threat level = value, e.g. {{ 1 = 24 }}")
        rows: list[tuple[int, float]] = []
        for level, amount in value.items():
            if not str(level).isdigit() or not 1 <= int(level) <= 6:
                raise Invalid(f"'{key}' keys must be threat levels 1..6, got {level!r}")
            if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                raise Invalid(f"'{key}' values must be numbers >= 0, got {amount!r}")
            rows.append((int(level), float(amount)))
        return tuple(sorted(rows))

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(unknown)}")


def by_level(table: LevelTable, level: int) -> float | None:
    """The value for the highest table level at or below ``level`` (None below the first)."""
    found: float | None = None
    for at, value in table:
        if at <= level:
            found = value
    return found


@dataclass(frozen=True)
class Item:
    """One derived requirement or one failure: a plain-language detail plus structured data."""

    message: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What a rule says about a movement."""

    requirements: list[Item] = field(default_factory=list)
    failures: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class RuleContext:
    """The slice of the movement one rule of one policy looks at."""

    facts: MovementFacts
    timeline: tuple[TimedPoint, ...]
    points: tuple[TimedPoint, ...]
    jurisdiction: str
    on: date
    min_level: int
    area: Area | None = None
    persons_cap: int | None = None
    zone: LocalZone = DEFAULT_ZONE
    """The policy's local time: every time in a message is written in it."""

    @property
    def where(self) -> str:
        """`` in Sindh near Jinnah International Airport``: the rule's reach, for messages."""
        text = "" if self.jurisdiction == FEDERAL else f" in {self.jurisdiction}"
        return text + (f" near {self.area.name}" if self.area else "")

    @property
    def max_level(self) -> int:
        return max(p.level for p in self.points)


class RuleKind(Protocol):
    kind: ClassVar[str]

    def check(self, ctx: RuleContext) -> Outcome: ...
