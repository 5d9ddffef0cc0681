"""Rules about who must hear of a movement and who must approve it: advance notice to the
police and host agencies, police stations along the route, the approval chain."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from jsms.movements.sop.facts import (
    FEDERAL,
    JURISDICTIONS,
    canonical_jurisdiction,
    level_label,
)
from jsms.movements.sop.geo import nearest_on_route
from jsms.movements.sop.rules.kind import (
    Invalid,
    Item,
    LevelTable,
    Outcome,
    Reader,
    RuleContext,
    by_level,
)
from jsms.movements.sop.rules.phrasing import duration

__all__ = ["AdvanceNotice", "ApprovalChain", "NotifyPolice", "Station"]


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
                f"request the movement and notify police by {ctx.zone.stamp(deadline)}, "
                f"{duration(need)} before departure, for {reach}",
                {"hours": hours, "deadline": deadline, "level": level},
            )
        )
        if given < need:
            when = "after" if given < timedelta(0) else "before"
            out.failures.append(
                Item(
                    f"the request came {duration(given)} {when} departure "
                    f"({ctx.zone.stamp(facts.requested_at)}); {duration(need)} are required "
                    f"for {reach}",
                    {"hours": hours, "given_hours": given.total_seconds() / 3600},
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
                f"passed about {ctx.zone.clock(passing, ctx.on)}"
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
                message += f", by {ctx.zone.stamp(deadline)}"
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
