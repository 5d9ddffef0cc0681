"""Escort assignment: the guest inner ring and the host outer ring, leg by leg.

A leg is the part of the route inside one jurisdiction; escorts hand over where the route
crosses into the next. A guest unit is checked against the host's deployment authorisations
(place, time and headcount) at both ends of its leg; a host unit acts only in its own
jurisdiction; no unit is booked on two movements at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.errors import Conflict, DomainError, Forbidden, Invalid
from jsms.geo.service import locate
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Side
from jsms.movements.models import EscortAssignment, Movement
from jsms.movements.service import escort_overlaps
from jsms.registry.authorisation import Place, Verdict
from jsms.registry.models import SecurityUnit
from jsms.registry.service import get_unit, may_act_at


@dataclass(frozen=True)
class Leg:
    index: int
    jurisdiction: str
    start: tuple[float, float]
    end: tuple[float, float]


def legs_of(movement: Movement) -> list[Leg]:
    """The route's legs, one per jurisdiction crossed, with their entry and exit points."""
    crossings = movement.route.get("jurisdictions") or []
    if not crossings:
        raise Invalid(f"{movement.reference} has no route yet")
    return [
        Leg(i, c["jurisdiction"], tuple(c["enter"]), tuple(c["exit"]))  # type: ignore[arg-type]
        for i, c in enumerate(crossings)
    ]


def leg_places(db: Session, leg: Leg) -> tuple[Place, Place]:
    """Where a leg starts and ends, as the authorisation rule reads a place: the leg lies in
    one jurisdiction (the router says which); districts come from its ends."""
    places = []
    for point in (leg.start, leg.end):
        where = locate(db, point[0], point[1])
        district = where.district if where.province == leg.jurisdiction else None
        places.append(Place(leg.jurisdiction, district, None, f"leg {leg.index}"))
    return places[0], places[1]


def leg_verdict(
    db: Session,
    unit: SecurityUnit,
    places: tuple[Place, Place],
    *,
    starts: datetime,
    ends: datetime,
    headcount: int,
) -> Verdict:
    """May the unit act at both ends of the leg, at the times it is there? The first refusal,
    else the permission (its reason names the authorisation)."""
    verdict = None
    for place, moment in zip(places, (starts, ends), strict=True):
        verdict = may_act_at(
            db, unit_id=unit.id, place=place, at=moment, headcount=headcount
        ).verdict
        if not verdict.allowed:
            return verdict
    assert verdict is not None
    return verdict


def ring_of(side: str) -> str:
    """The guest detail is the inner ring, the host forces the outer."""
    return "inner" if side == Side.GUEST.value else "outer"


@dataclass(frozen=True)
class Bookable:
    """A unit that may act on a leg, with why, and any booking elsewhere at the same time."""

    unit: SecurityUnit
    ring: str
    reason: str
    clash: EscortAssignment | None


def bookable_units(db: Session, actor: Actor, movement: Movement, leg: Leg) -> list[Bookable]:
    """The actor's side's units that may act on this leg for the movement's times, by the
    same rule `assign` enforces (a host unit in its own jurisdiction, a guest unit inside a
    live deployment authorisation); the headcount is checked when a number is booked."""
    places = leg_places(db, leg)
    sides = {a.id: a.side for a in db.scalars(select(Agency))}
    out = []
    for unit in db.scalars(select(SecurityUnit).order_by(SecurityUnit.call_sign)):
        if sides.get(unit.agency_id) != actor.side.value:
            continue
        verdict = leg_verdict(
            db,
            unit,
            places,
            starts=movement.departure_at,
            ends=movement.arrival_at,
            headcount=1,
        )
        if verdict.allowed:
            clashes = escort_overlaps(
                db, unit.id, movement.departure_at, movement.arrival_at, movement.id
            )
            out.append(
                Bookable(unit, ring_of(actor.side.value), verdict.reason, next(iter(clashes), None))
            )
    return out


def _about(error: type[DomainError], field: str, reason: str) -> DomainError:
    """A refusal naming the booking field it concerns (a form shows it beside that field;
    the API lists it under `errors`, as request validation does)."""
    return error(reason, errors=[{"field": field, "reason": reason}])


def assign(
    db: Session,
    actor: Actor,
    movement: Movement,
    *,
    unit_id: str,
    leg: int,
    ring: str,
    headcount: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> EscortAssignment:
    """Book a unit for one leg, or refuse with the reason."""
    if movement.status not in ("draft", "submitted", "approved"):
        raise Conflict(f"{movement.reference} is {movement.status}; escorts are fixed")
    legs = legs_of(movement)
    if not 0 <= leg < len(legs):
        raise _about(Invalid, "leg", f"leg must be 0..{len(legs) - 1} for this route")
    the_leg = legs[leg]
    unit = get_unit(db, unit_id)
    agency = db.get(Agency, unit.agency_id)
    assert agency is not None
    if agency.side != actor.side.value:
        raise _about(
            Forbidden,
            "unit_id",
            "each side assigns its own units: host units by the host, guest by the guest",
        )
    if ring == "inner" and agency.side != Side.GUEST.value:
        raise _about(Invalid, "ring", "the inner ring is the guest security detail")
    if ring == "outer" and agency.side != Side.HOST.value:
        raise _about(Invalid, "ring", "the outer ring is a host-nation unit")
    starts = starts_at or movement.departure_at
    ends = ends_at or movement.arrival_at
    people = headcount or unit.strength
    if people > unit.strength:
        raise _about(Invalid, "headcount", f"{unit.call_sign} has only {unit.strength} personnel")
    places = leg_places(db, the_leg)
    verdict = leg_verdict(db, unit, places, starts=starts, ends=ends, headcount=people)
    if not verdict.allowed:
        audit.record(
            db,
            action="escort.refused",
            object_type="movement",
            object_id=movement.id,
            outcome="denied",
            detail={"unit": unit.call_sign, "leg": leg, "reason": verdict.reason},
        )
        # allowed with fewer people: the headcount is what is refused, not the unit
        fewer = leg_verdict(db, unit, places, starts=starts, ends=ends, headcount=1).allowed
        raise _about(
            Forbidden,
            "headcount" if fewer else "unit_id",
            f"{unit.call_sign} may not escort leg {leg} ({the_leg.jurisdiction}): {verdict.reason}",
        )
    clashes = escort_overlaps(db, unit.id, starts, ends, movement.id)
    if clashes:
        raise _about(
            Conflict,
            "unit_id",
            f"{unit.call_sign} is already booked from "
            f"{clashes[0].starts_at:%Y-%m-%d %H:%M} to "
            f"{clashes[0].ends_at:%H:%M} UTC on another movement",
        )
    handover = legs[leg].end if leg < len(legs) - 1 else None
    assignment = EscortAssignment(
        leg=leg,
        jurisdiction=the_leg.jurisdiction,
        ring=ring,
        unit_id=unit.id,
        headcount=people,
        starts_at=starts,
        ends_at=ends,
        handover_name=f"{the_leg.jurisdiction} boundary" if handover else "destination",
        handover_lat=handover[0] if handover else None,
        handover_lon=handover[1] if handover else None,
        authorisation_reason=verdict.reason,
    )
    movement.escorts.append(assignment)
    db.flush()
    return assignment
