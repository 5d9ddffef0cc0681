"""The SOP rule kinds: how each reads its parameters from a policy file and checks a movement.

Every kind is a frozen dataclass with ``parse(reader)`` (validate the TOML table, raising
:class:`Invalid` with a plain reason) and ``check(ctx)`` returning an :class:`Outcome`: the
requirements the rule derives for this movement, and the ways the movement fails it. Whether a
failure blocks the movement is the rule's *severity*, decided by the policy file, not here.

``ctx.points`` are the route points the rule covers: the policy's jurisdiction (the whole route
for the federal baseline), limited to the rule's ``area`` and to points at or above its
``min_level``. A rule whose ``ctx.points`` is empty does not apply and is never checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, Protocol

from jsms.movements.sop.daylight import Curfew, departure_window, first_breach, parse_clock
from jsms.movements.sop.facts import (
    FEDERAL,
    JURISDICTIONS,
    PKT,
    MovementFacts,
    TimedPoint,
    Vehicle,
    canonical_jurisdiction,
    clock,
    group_by_jurisdiction,
    level_label,
)
from jsms.movements.sop.geo import Area, nearest_on_route, parse_area
from jsms.threat.risk import THREAT_LEVELS

__all__ = [
    "KINDS",
    "ApprovalChain",
    "ArmouredVehicle",
    "EscortRule",
    "Invalid",
    "Item",
    "MaxPersons",
    "MovementWindow",
    "NoGo",
    "NotifyPolice",
    "Outcome",
    "Reader",
    "RuleContext",
    "RuleKind",
    "Station",
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


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _stamp(moment: Any) -> str:
    """``"25 Mar 2024 08:00"`` local time."""
    local = moment.astimezone(PKT)
    return f"{local.day} {local:%b %Y %H:%M}"


def _duration(span: timedelta) -> str:
    minutes = round(abs(span).total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _required(count: int) -> str:
    return f"{count} {'is' if count == 1 else 'are'} required"


def _vehicle_name(vehicle: Vehicle, position: int) -> str:
    return vehicle.label or f"vehicle {position + 1}"


@dataclass(frozen=True)
class AdvanceNotice:
    """Police and the host agencies must hear of the movement hours ahead, more for worse areas."""

    kind: ClassVar[str] = "advance_notice"
    hours_by_level: LevelTable

    @classmethod
    def parse(cls, r: Reader) -> AdvanceNotice:
        return cls(r.level_table("hours_by_level"))

    def check(self, ctx: RuleContext) -> Outcome:
        level = ctx.max_level
        hours = by_level(self.hours_by_level, level)
        if hours is None:
            return Outcome()
        facts = ctx.facts
        need = timedelta(hours=hours)
        deadline = facts.departure - need
        given = facts.departure - facts.requested_at
        reach = f"a route reaching level {level_label(level)}{ctx.where}"
        out = Outcome()
        out.requirements.append(
            Item(
                f"request the movement and notify police by {_stamp(deadline)}, "
                f"{_duration(need)} before departure, for {reach}",
                {"hours": hours, "deadline": deadline, "level": level},
            )
        )
        if given < need:
            when = "after" if given < timedelta(0) else "before"
            out.failures.append(
                Item(
                    f"the request came {_duration(given)} {when} departure "
                    f"({_stamp(facts.requested_at)}); {_duration(need)} are required for {reach}",
                    {"hours": hours, "given_hours": given.total_seconds() / 3600},
                )
            )
        return out


@dataclass(frozen=True)
class EscortRule:
    """Host outer-ring vehicles in each jurisdiction and a guest inner-ring team, by the worst
    threat level the route reaches there."""

    kind: ClassVar[str] = "escort"
    host_vehicles_by_level: LevelTable
    guest_team_by_level: LevelTable

    @classmethod
    def parse(cls, r: Reader) -> EscortRule:
        host = r.level_table("host_vehicles_by_level", ())
        guest = r.level_table("guest_team_by_level", ())
        if not host and not guest:
            raise Invalid("escort needs host_vehicles_by_level and/or guest_team_by_level")
        return cls(host, guest)

    def check(self, ctx: RuleContext) -> Outcome:
        out = Outcome()
        near = f" near {ctx.area.name}" if ctx.area else ""
        guest_need, guest_level = 0, 0
        for jurisdiction, points in group_by_jurisdiction(ctx.points).items():
            level = max(p.level for p in points)
            host = by_level(self.host_vehicles_by_level, level)
            if host:
                need, have = int(host), ctx.facts.escort.host(jurisdiction)
                out.requirements.append(
                    Item(
                        f"at least {_plural(need, 'host outer-ring escort vehicle')} in "
                        f"{jurisdiction}{near}, where the route reaches level {level_label(level)}",
                        {"jurisdiction": jurisdiction, "host_vehicles": need, "level": level},
                    )
                )
                if have < need:
                    out.failures.append(
                        Item(
                            f"the host escort in {jurisdiction}{near} has "
                            f"{_plural(have, 'vehicle')}; {_required(need)} at level "
                            f"{level_label(level)}",
                            {"jurisdiction": jurisdiction, "host_vehicles": need, "have": have},
                        )
                    )
            guest = by_level(self.guest_team_by_level, level)
            if guest and int(guest) > guest_need:
                guest_need, guest_level = int(guest), level
        if guest_need:
            have = ctx.facts.escort.guest_team
            out.requirements.append(
                Item(
                    f"a guest inner-ring team of at least {guest_need}, as the route reaches "
                    f"level {level_label(guest_level)}{ctx.where}",
                    {"guest_team": guest_need, "level": guest_level},
                )
            )
            if have < guest_need:
                out.failures.append(
                    Item(
                        f"the guest inner-ring team is {have}; {_required(guest_need)} at "
                        f"level {level_label(guest_level)}",
                        {"guest_team": guest_need, "have": have},
                    )
                )
        return out


@dataclass(frozen=True)
class ArmouredVehicle:
    """Foreign nationals (or, with ``foreign_nationals_only = false``, everyone) ride armoured."""

    kind: ClassVar[str] = "armoured_vehicle"
    foreign_nationals_only: bool = True

    @classmethod
    def parse(cls, r: Reader) -> ArmouredVehicle:
        return cls(r.flag("foreign_nationals_only", True))

    def check(self, ctx: RuleContext) -> Outcome:
        facts = ctx.facts
        persons = facts.foreign_nationals if self.foreign_nationals_only else facts.passengers
        if persons == 0:
            return Outcome()
        who = "foreign national" if self.foreign_nationals_only else "passenger"
        armoured = [v for v in facts.vehicles if v.armoured]
        cap = ctx.persons_cap or max((v.seats for v in armoured), default=4)
        need = math.ceil(persons / cap)
        out = Outcome()
        out.requirements.append(
            Item(
                f"{_plural(persons, who)} must ride in armoured vehicles: at least "
                f"{_plural(need, 'armoured vehicle')}",
                {"armoured_vehicles": need, "persons": persons},
            )
        )
        if not armoured:
            state = "no vehicle is assigned" if not facts.vehicles else "no vehicle is armoured"
            out.failures.append(
                Item(f"{state}, yet the movement carries {_plural(persons, who)}", {})
            )
            return out
        allocated = all(v.foreign_nationals is not None for v in facts.vehicles)
        for i, vehicle in enumerate(facts.vehicles):
            if vehicle.armoured:
                continue
            if self.foreign_nationals_only:
                carried = (vehicle.foreign_nationals or 0) if allocated else 0
            else:
                carried = vehicle.passengers
            if carried:
                out.failures.append(
                    Item(
                        f"{_vehicle_name(vehicle, i)} is not armoured but carries "
                        f"{_plural(carried, who)}",
                        {"vehicle": _vehicle_name(vehicle, i), "persons": carried},
                    )
                )
        if self.foreign_nationals_only and not allocated:
            room = sum(v.passengers for v in armoured)
            if room < persons:
                out.failures.append(
                    Item(
                        f"the armoured vehicles carry {_plural(room, 'passenger')}, fewer than "
                        f"the {_plural(persons, who)}, so some would ride unarmoured",
                        {"armoured_passengers": room, "persons": persons},
                    )
                )
        return out


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

    def _margin_text(self, before: bool) -> str:
        if not self.margin:
            return ""
        minutes = int(self.margin.total_seconds() // 60)
        return f" {'plus' if before else 'minus'} the {minutes}-minute margin"

    def check(self, ctx: RuleContext) -> Outcome:
        out = Outcome()
        facts = ctx.facts
        if self.daylight:
            self._check_daylight(ctx, out)
        for curfew in self.curfews:
            enter, leave = ctx.points[0].at, ctx.points[-1].at
            out.requirements.append(
                Item(
                    f"no movement{ctx.where} from {curfew.describe()}, local time",
                    {"curfew_from": curfew.start, "curfew_to": curfew.end},
                )
            )
            if curfew.overlap(enter, leave):
                span = (
                    f"at {clock(enter, ctx.on)}"
                    if enter == leave
                    else f"from {clock(enter, ctx.on)} to {clock(leave, ctx.on)}"
                )
                out.failures.append(
                    Item(
                        f"the route is{ctx.where or ' on the road'} {span}, inside the "
                        f"curfew from {curfew.describe()}",
                        {"enter": enter, "leave": leave, "departure": facts.departure},
                    )
                )
        return out

    def _check_daylight(self, ctx: RuleContext, out: Outcome) -> None:
        facts = ctx.facts
        covered = f"every point at level {ctx.min_level} or above{ctx.where}"
        window = departure_window(ctx.points, self.margin, facts.departure, facts.arrival, ctx.on)
        if window is not None and window.feasible:
            hint = f"depart between {clock(window.earliest_departure, ctx.on)} and " + clock(
                window.latest_departure, ctx.on
            )
            out.requirements.append(
                Item(
                    f"{hint} (arrive between {clock(window.earliest_arrival, ctx.on)} and "
                    f"{clock(window.latest_arrival, ctx.on)}) so that {covered} is passed in "
                    "daylight",
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
        where = (
            f"the route {verb} {point.label()} (level {point.level}) at {clock(point.at, ctx.on)}"
        )
        if breach.sun is None:
            detail = f"{where}, when there is no daylight"
        elif breach.before_sunrise:
            detail = (
                f"{where}, before sunrise ({clock(breach.sun, ctx.on)}){self._margin_text(True)}"
            )
        else:
            detail = (
                f"{where}, after sunset ({clock(breach.sun, ctx.on)}){self._margin_text(False)}"
            )
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
                    f"{THREAT_LEVELS[point.level - 1]}) at {clock(point.at, ctx.on)}",
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
                        f"({clock(point.at, ctx.on)})",
                        {"zone": zone.name, "point": point.label(), "at": point.at},
                    )
                )
        return out


@dataclass(frozen=True)
class MaxPersons:
    """A cap on persons per vehicle (and never more persons than seats)."""

    kind: ClassVar[str] = "max_persons_per_vehicle"
    max_persons: int

    @classmethod
    def parse(cls, r: Reader) -> MaxPersons:
        return cls(r.integer("max_persons", minimum=1))

    def check(self, ctx: RuleContext) -> Outcome:
        facts = ctx.facts
        out = Outcome()
        need = math.ceil(facts.passengers / self.max_persons)
        out.requirements.append(
            Item(
                f"at most {self.max_persons} persons per vehicle: at least "
                f"{_plural(need, 'vehicle')} for {_plural(facts.passengers, 'passenger')}",
                {"max_persons": self.max_persons, "vehicles": need},
            )
        )
        for i, vehicle in enumerate(facts.vehicles):
            name = _vehicle_name(vehicle, i)
            if vehicle.passengers > self.max_persons:
                out.failures.append(
                    Item(
                        f"{name} carries {vehicle.passengers} persons; at most "
                        f"{self.max_persons} are allowed",
                        {"vehicle": name, "persons": vehicle.passengers},
                    )
                )
            elif vehicle.passengers > vehicle.seats:
                out.failures.append(
                    Item(
                        f"{name} carries {vehicle.passengers} persons in {vehicle.seats} seats",
                        {"vehicle": name, "persons": vehicle.passengers, "seats": vehicle.seats},
                    )
                )
        return out


@dataclass(frozen=True)
class Station:
    """A police station to warn: name, position and the number to call."""

    name: str
    lat: float
    lon: float
    phone: str
    note: str = ""


@dataclass(frozen=True)
class NotifyPolice:
    """Police stations within ``within_km`` of the route must be told of the movement."""

    kind: ClassVar[str] = "notify_police"
    within_km: float
    stations: tuple[Station, ...]
    notice_hours: float | None = None

    @classmethod
    def parse(cls, r: Reader) -> NotifyPolice:
        within = r.number("within_km", positive=True)
        notice = r.number("notice_hours") if r.has("notice_hours") else None
        stations: list[Station] = []
        for entry in r.items("stations"):
            if not isinstance(entry, Mapping):
                raise Invalid("each station must be a table { name, lat, lon, phone }")
            sub = Reader(entry)
            name = sub.text("name")
            lat, lon = sub.number("lat", signed=True), sub.number("lon", signed=True)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise Invalid(f"station {name}: lat, lon must be degrees")
            stations.append(Station(name, lat, lon, sub.text("phone"), sub.text("note", "")))
            sub.finish()
        if not stations:
            raise Invalid("notify_police needs at least one station")
        return cls(within, tuple(stations), notice)

    def check(self, ctx: RuleContext) -> Outcome:
        out = Outcome()
        for station in self.stations:
            km, a, b, t = nearest_on_route(station.lat, station.lon, ctx.timeline)
            if km > self.within_km:
                continue
            passing = a.at + (b.at - a.at) * t
            message = (
                f"notify {station.name}, phone {station.phone}: {km:.1f} km from the route, "
                f"passed about {clock(passing, ctx.on)}"
            )
            data: dict[str, Any] = {
                "station": station.name,
                "phone": station.phone,
                "lat": station.lat,
                "lon": station.lon,
                "distance_km": round(km, 2),
                "passing": passing,
            }
            if self.notice_hours is not None:
                deadline = ctx.facts.departure - timedelta(hours=self.notice_hours)
                message += f", by {_stamp(deadline)}"
                data["deadline"] = deadline
            out.requirements.append(Item(message, data))
        return out


_PARTY = re.compile(r"^(guest|client|host:(?P<host>[^/]+)(/(?P<office>.+))?)$")


@dataclass(frozen=True)
class ApprovalChain:
    """Who must approve: ``host:<jurisdiction>`` (``host:*`` = every jurisdiction crossed,
    ``host:Sindh/Home Department`` = a named office), ``guest`` and ``client``."""

    kind: ClassVar[str] = "approval_chain"
    parties: tuple[str, ...]

    @classmethod
    def parse(cls, r: Reader) -> ApprovalChain:
        parties: list[str] = []
        for party in r.items("parties"):
            match = _PARTY.match(party.strip()) if isinstance(party, str) else None
            if match is None:
                raise Invalid(
                    f"approval party must be host:<jurisdiction>, guest or client: {party!r}"
                )
            host = match.group("host")
            if host is not None:
                name = canonical_jurisdiction(host)
                if name != FEDERAL and name not in JURISDICTIONS:
                    raise Invalid(f"approval party names an unknown jurisdiction: {party!r}")
                office = match.group("office")
                party = f"host:{name}" + (f"/{office.strip()}" if office else "")
            parties.append(party.strip())
        if not parties:
            raise Invalid("approval_chain needs at least one party")
        return cls(tuple(parties))

    def expand(self, jurisdictions: Sequence[str]) -> list[str]:
        """The parties with ``host:*`` replaced by one host per jurisdiction, in route order."""
        out: list[str] = []
        for party in self.parties:
            if party.startswith(f"host:{FEDERAL}"):
                office = party[len(f"host:{FEDERAL}") :]
                out.extend(f"host:{j}{office}" for j in jurisdictions)
            else:
                out.append(party)
        return list(dict.fromkeys(out))

    def check(self, ctx: RuleContext) -> Outcome:
        parties = self.expand(ctx.facts.jurisdictions)
        return Outcome(
            requirements=[Item(f"approvals needed: {', '.join(parties)}", {"parties": parties})]
        )


KINDS: dict[str, Any] = {
    kind.kind: kind
    for kind in (
        AdvanceNotice,
        EscortRule,
        ArmouredVehicle,
        MovementWindow,
        NoGo,
        MaxPersons,
        NotifyPolice,
        ApprovalChain,
    )
}
"""Rule kind name -> class with ``parse(Reader)`` and ``check(RuleContext)``."""
