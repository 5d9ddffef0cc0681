"""Escort assignment: the guest inner ring and the host outer ring, leg by leg.

A leg is the part of the route inside one jurisdiction; escorts hand over where the route
crosses into the next. A guest unit is checked against the host's deployment authorisations
(place, time and headcount) at both ends of its leg; a host unit acts only in its own
jurisdiction; no unit is booked on two movements at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.errors import Conflict, Forbidden, Invalid
from jsms.geo.service import locate
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Side
from jsms.movements.models import EscortAssignment, Movement
from jsms.movements.service import escort_overlaps
from jsms.registry.authorisation import Place
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
        raise Invalid(f"leg must be 0..{len(legs) - 1} for this route")
    the_leg = legs[leg]
    unit = get_unit(db, unit_id)
    agency = db.get(Agency, unit.agency_id)
    assert agency is not None
    if agency.side != actor.side.value:
        raise Forbidden(
            "each side assigns its own units: host units by the host, guest by the guest"
        )
    if ring == "inner" and agency.side != Side.GUEST.value:
        raise Invalid("the inner ring is the guest security detail")
    if ring == "outer" and agency.side != Side.HOST.value:
        raise Invalid("the outer ring is a host-nation unit")
    starts = starts_at or movement.departure_at
    ends = ends_at or movement.arrival_at
    people = headcount or unit.strength
    if people > unit.strength:
        raise Invalid(f"{unit.call_sign} has only {unit.strength} personnel")
    # The leg lies in one jurisdiction (the router says which); districts come from its ends.
    for point, moment in ((the_leg.start, starts), (the_leg.end, ends)):
        where = locate(db, point[0], point[1])
        district = where.district if where.province == the_leg.jurisdiction else None
        place = Place(the_leg.jurisdiction, district, None, f"leg {leg}")
        check = may_act_at(db, unit_id=unit.id, place=place, at=moment, headcount=people)
        if not check.verdict.allowed:
            audit.record(
                db,
                action="escort.refused",
                object_type="movement",
                object_id=movement.id,
                outcome="denied",
                detail={"unit": unit.call_sign, "leg": leg, "reason": check.verdict.reason},
            )
            raise Forbidden(
                f"{unit.call_sign} may not escort leg {leg} "
                f"({the_leg.jurisdiction}): {check.verdict.reason}"
            )
    clashes = escort_overlaps(db, unit.id, starts, ends, movement.id)
    if clashes:
        raise Conflict(
            f"{unit.call_sign} is already booked from "
            f"{clashes[0].starts_at:%Y-%m-%d %H:%M} to "
            f"{clashes[0].ends_at:%H:%M} UTC on another movement"
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
        authorisation_reason=check.verdict.reason,
    )
    movement.escorts.append(assignment)
    db.flush()
    return assignment
