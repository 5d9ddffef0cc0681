"""Rules about the movement once it is on the road: how often the escort commander (or the
protected persons) must check in with the control room."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jsms.movements.sop.facts import level_label
from jsms.movements.sop.rules.kind import (
    Invalid,
    Item,
    LevelTable,
    Outcome,
    Reader,
    RuleContext,
    by_level,
)

__all__ = ["CHECK_IN_BY", "CheckIn"]

CHECK_IN_BY = {"escort_commander": "the escort commander", "protectee": "each protected person"}


@dataclass(frozen=True)
class CheckIn:
    """Check in every N minutes while under way, more often where the route is more
    dangerous: ``minutes_by_level = { 1 = 60, 4 = 30 }``. The requirement carries the
    interval (``check_in_minutes``) and the grace before a missed check-in is raised, so the
    live monitor runs its timer from the movement's own SOP verdict. Never a failure of the
    plan: it is kept or missed on the road."""

    kind: ClassVar[str] = "check_in"
    by: tuple[str, ...]
    minutes_by_level: LevelTable
    grace_minutes: int

    @classmethod
    def parse(cls, r: Reader) -> CheckIn:
        by = r.items("by", ["escort_commander"])
        unknown = [who for who in by if who not in CHECK_IN_BY]
        if not by or unknown:
            known = ", ".join(CHECK_IN_BY)
            raise Invalid(f"'by' must list who checks in ({known}), got {by!r}")
        table = r.level_table("minutes_by_level")
        if any(minutes < 1 for _, minutes in table):
            raise Invalid("'minutes_by_level' values must be at least 1 minute")
        return cls(tuple(by), table, r.integer("grace_minutes", 5, maximum=120))

    def check(self, ctx: RuleContext) -> Outcome:
        level = ctx.max_level
        minutes = by_level(self.minutes_by_level, level)
        if minutes is None:
            return Outcome()
        every = int(minutes)
        who = " and ".join(CHECK_IN_BY[w] for w in self.by)
        return Outcome(
            requirements=[
                Item(
                    f"{who} must check in with the control room every {every} minutes while "
                    f"under way (the route reaches level {level_label(level)}{ctx.where}); a "
                    f"check-in {self.grace_minutes} minutes overdue raises an alert",
                    {
                        "check_in_minutes": every,
                        "check_in_by": list(self.by),
                        "check_in_grace_minutes": self.grace_minutes,
                        "level": level,
                    },
                )
            ]
        )
