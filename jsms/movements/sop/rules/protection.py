"""Rules about the convoy itself: escorts per jurisdiction, armoured vehicles, persons per
vehicle."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from jsms.movements.sop.facts import group_by_jurisdiction, level_label
from jsms.movements.sop.rules.kind import (
    Invalid,
    Item,
    LevelTable,
    Outcome,
    Reader,
    RuleContext,
    by_level,
)
from jsms.movements.sop.rules.phrasing import plural, required, vehicle_name

__all__ = ["ArmouredVehicle", "EscortRule", "MaxPersons"]


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
                        f"at least {plural(need, 'host outer-ring escort vehicle')} in "
                        f"{jurisdiction}{near}, where the route reaches level {level_label(level)}",
                        {"jurisdiction": jurisdiction, "host_vehicles": need, "level": level},
                    )
                )
                if have < need:
                    out.failures.append(
                        Item(
                            f"the host escort in {jurisdiction}{near} has "
                            f"{plural(have, 'vehicle')}; {required(need)} at level "
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
                        f"the guest inner-ring team is {have}; {required(guest_need)} at "
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
                f"{plural(persons, who)} must ride in armoured vehicles: at least "
                f"{plural(need, 'armoured vehicle')}",
                {"armoured_vehicles": need, "persons": persons},
            )
        )
        if not armoured:
            state = "no vehicle is assigned" if not facts.vehicles else "no vehicle is armoured"
            out.failures.append(
                Item(f"{state}, yet the movement carries {plural(persons, who)}", {})
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
                        f"{vehicle_name(vehicle, i)} is not armoured but carries "
                        f"{plural(carried, who)}",
                        {"vehicle": vehicle_name(vehicle, i), "persons": carried},
                    )
                )
        if self.foreign_nationals_only and not allocated:
            room = sum(v.passengers for v in armoured)
            if room < persons:
                out.failures.append(
                    Item(
                        f"the armoured vehicles carry {plural(room, 'passenger')}, fewer than "
                        f"the {plural(persons, who)}, so some would ride unarmoured",
                        {"armoured_passengers": room, "persons": persons},
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
                f"{plural(need, 'vehicle')} for {plural(facts.passengers, 'passenger')}",
                {"max_persons": self.max_persons, "vehicles": need},
            )
        )
        for i, vehicle in enumerate(facts.vehicles):
            name = vehicle_name(vehicle, i)
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
