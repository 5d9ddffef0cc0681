"""Rules about when and where the route may run: daylight and curfew windows, no-go zones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from jsms.movements.sop.daylight import Curfew, departure_window, first_breach, parse_clock
from jsms.movements.sop.geo import Area, parse_area
from jsms.movements.sop.rules.kind import Invalid, Item, Outcome, Reader, RuleContext
from jsms.threat.risk import THREAT_LEVELS

__all__ = ["MovementWindow", "NoGo"]


@dataclass(frozen=True)
class MovementWindow:
    """Daylight only over the covered points (sunrise + margin to sunset - margin at each point,
    on the date it is passed), and/or daily curfews in local time."""

    kind: ClassVar[str] = "movement_window"
    daylight: bool
    margin: timedelta
    curfews: tuple[Curfew, ...]

    @classmethod
    def parse(cls, r: Reader) -> MovementWindow:
        daylight = r.flag("daylight", False)
        margin = timedelta(minutes=r.integer("margin_minutes", 0, maximum=240))
        curfews: list[Curfew] = []
        for entry in r.items("curfews", []):
            if not isinstance(entry, Mapping):
                raise Invalid("each curfew must be a table { from, to, label }")
            sub = Reader(entry)
            try:
                start, end = parse_clock(sub.raw("from")), parse_clock(sub.raw("to"))
            except ValueError as exc:
                raise Invalid(f"curfew: {exc}") from exc
            if start == end:
                raise Invalid("curfew 'from' and 'to' must differ")
            curfews.append(Curfew(start, end, sub.text("label", "")))
            sub.finish()
        if not daylight and not curfews:
            raise Invalid("movement_window needs daylight = true and/or curfews")
        return cls(daylight, margin, tuple(curfews))

    def _limit_text(self, ctx: RuleContext, sun: datetime, before: bool) -> str:
        """``"after the daylight limit of 17:22 PKT (UTC+5): sunset at 17:52 PKT (UTC+5)
        minus the 30-minute margin"`` (or just ``"after sunset at ..."`` without a margin)."""
        event = "sunrise" if before else "sunset"
        side = "before" if before else "after"
        at = ctx.zone.clock(sun, ctx.on)
        if not self.margin:
            return f"{side} {event} at {at}"
        limit = ctx.zone.clock(sun + self.margin if before else sun - self.margin, ctx.on)
        minutes = int(self.margin.total_seconds() // 60)
        margin = f"{'plus' if before else 'minus'} the {minutes}-minute margin"
        return f"{side} the daylight limit of {limit}: {event} at {at} {margin}"

    def check(self, ctx: RuleContext) -> Outcome:
        out = Outcome()
        facts = ctx.facts
        if self.daylight:
            self._check_daylight(ctx, out)
        for curfew in self.curfews:
            enter, leave = ctx.points[0].at, ctx.points[-1].at
            out.requirements.append(
                Item(
                    f"no movement{ctx.where} during {curfew.describe(ctx.zone, ctx.on)}",
                    {"curfew_from": curfew.start, "curfew_to": curfew.end},
                )
            )
            if curfew.overlap(enter, leave, ctx.zone):
                span = (
                    f"at {ctx.zone.clock(enter, ctx.on)}"
                    if enter == leave
                    else ctx.zone.window(enter, leave, ctx.on)
                )
                out.failures.append(
                    Item(
                        f"the route is{ctx.where or ' on the road'} {span}, inside the "
                        f"curfew {curfew.describe(ctx.zone, ctx.on)}",
                        {"enter": enter, "leave": leave, "departure": facts.departure},
                    )
                )
        return out

    def _check_daylight(self, ctx: RuleContext, out: Outcome) -> None:
        facts = ctx.facts
        covered = f"every point at level {ctx.min_level} or above{ctx.where}"
        window = departure_window(ctx.points, self.margin, facts.departure, facts.arrival, ctx.on)
        if window is not None and window.feasible:
            zone = ctx.zone
            departing = zone.window(window.earliest_departure, window.latest_departure, ctx.on)
            arriving = zone.window(window.earliest_arrival, window.latest_arrival, ctx.on)
            hint = f"depart {departing}"
            out.requirements.append(
                Item(
                    f"{hint} and arrive {arriving}, so that {covered} is passed in daylight",
                    {
                        "feasible": True,
                        "earliest_departure": window.earliest_departure,
                        "latest_departure": window.latest_departure,
                        "earliest_arrival": window.earliest_arrival,
                        "latest_arrival": window.latest_arrival,
                    },
                )
            )
        else:
            hint = "the stretch cannot be driven within one day's daylight: plan a night halt"
            data: dict[str, Any] = {"feasible": False}
            if window is not None:
                data["earliest_departure"] = window.earliest_departure
                data["latest_departure"] = window.latest_departure
            out.requirements.append(Item(f"{covered} must be passed in daylight; {hint}", data))
        breach = first_breach(ctx.points, self.margin)
        if breach is None:
            return
        point = breach.point
        verb = "enters" if breach.entering else "passes"
        at = ctx.zone.clock(point.at, ctx.on)
        where = f"the route {verb} {point.label()} (level {point.level}) at {at}"
        if breach.sun is None:
            detail = f"{where}, when there is no daylight"
        else:
            detail = f"{where}, {self._limit_text(ctx, breach.sun, breach.before_sunrise)}"
        advice = f"{hint} to comply" if window is not None and window.feasible else hint
        out.failures.append(
            Item(
                f"{detail}; {advice}",
                {"point": point.label(), "level": point.level, "at": point.at, "sun": breach.sun},
            )
        )


@dataclass(frozen=True)
class NoGo:
    """No movement through the listed zones, or (``min_level``) through any point at or above
    that level."""

    kind: ClassVar[str] = "no_go"
    zones: tuple[Area, ...]

    @classmethod
    def parse(cls, r: Reader) -> NoGo:
        zones: list[Area] = []
        for entry in r.items("zones", []):
            try:
                zones.append(parse_area(entry))
            except ValueError as exc:
                raise Invalid(f"no-go zone: {exc}") from exc
        if not zones and not r.has("min_level"):
            raise Invalid("no_go needs zones (GeoJSON polygons) or an explicit min_level")
        return cls(tuple(zones))

    def check(self, ctx: RuleContext) -> Outcome:
        out = Outcome()
        if not self.zones:
            point = ctx.points[0]
            out.failures.append(
                Item(
                    f"the route reaches {point.label()} (level {point.level}, "
                    f"{THREAT_LEVELS[point.level - 1]}) at {ctx.zone.clock(point.at, ctx.on)}",
                    {"point": point.label(), "level": point.level, "at": point.at},
                )
            )
            return out
        for zone in self.zones:
            inside = zone.select(ctx.points)
            if inside:
                point = inside[0]
                out.failures.append(
                    Item(
                        f"the route enters the no-go zone {zone.name} at {point.label()} "
                        f"at {ctx.zone.clock(point.at, ctx.on)}",
                        {"zone": zone.name, "point": point.label(), "at": point.at},
                    )
                )
        return out
