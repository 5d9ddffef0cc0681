"""The phone view for the people on the road: escort commanders and ops officers of assigned
units, and protectees. Their movements, one column, big targets; route and times only once
released to them (the same need-to-know and audit as the API), and their own watermarked
order, as GET /api/v1/movements/{id}/order gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.movements import flows
from jsms.movements import service as movements
from jsms.movements.access import ENDED, Visibility
from jsms.movements.models import Movement
from jsms.movements.orders import issuing
from jsms.movements.sop import FEDERAL, default_policies
from jsms.registry.models import SecurityUnit
from jsms.web.pages.live_phone import flashes_of, live_panel
from jsms.web.ui import render

router = APIRouter(include_in_schema=False)

SCANNED = 300  # the newest movements looked at; need-to-know is decided per row
SHOWN = 20
ORDER_OF_STATUS = {"in_progress": 0, "approved": 1, "submitted": 2}
BODY = re.compile(r"<body>(.*)</body>", re.S)


@dataclass(frozen=True)
class Trip:
    """One of the person's movements as the phone shows it; `plan` only when released."""

    movement: Movement
    seen: Visibility
    plan: dict[str, Any] | None


def _is_mine(actor: Actor, movement: Movement, known: movements.Directory) -> bool:
    """Assigned to the person's unit, carrying the person, or requested by their company."""
    facts = movements.involvement(movement, known)
    if actor.person_id and actor.person_id in facts.passenger_ids:
        return True
    on_the_road = actor.has(Role.ESCORT_COMMANDER) or actor.has(Role.OPS_OFFICER)
    if on_the_road and actor.agency_id in facts.assigned_agency_ids:
        return True
    return (
        actor.side == Side.CLIENT
        and actor.has(Role.REQUESTER)
        and facts.client_agency_id == actor.agency_id
    )


def _local(moment: datetime, movement: Movement) -> str:
    """A time in the zone of the jurisdiction the movement starts in, with the zone named."""
    first = movement.jurisdictions[0] if movement.jurisdictions else FEDERAL
    zone = default_policies().zone(first, movement.departure_at.date())
    return f"{zone.local(moment):%d %b %Y %H:%M} {zone.label(moment)}"


def _plan(db: Session, actor: Actor, movement: Movement) -> dict[str, Any]:
    """Ends, times and escort legs: read through `read_details`, so the view is audited."""
    movement = movements.read_details(db, actor, movement.id)
    booked = [e.unit_id for e in movement.escorts]
    units = {u.id: u for u in db.scalars(select(SecurityUnit).where(SecurityUnit.id.in_(booked)))}
    legs = [
        {
            "leg": e.leg + 1,
            "jurisdiction": e.jurisdiction,
            "ring": e.ring,
            "unit": units[e.unit_id].call_sign if e.unit_id in units else "unit",
            "headcount": e.headcount,
            "handover": e.handover_name if e.handover_lat is not None else None,
            "from": _local(e.starts_at, movement),
            "until": _local(e.ends_at, movement),
        }
        for e in sorted(movement.escorts, key=lambda e: (e.leg, e.ring))
    ]
    return {
        "origin": movement.origin_name,
        "destination": movement.destination_name,
        "departure": _local(movement.departure_at, movement),
        "arrival": _local(movement.arrival_at, movement),
        "legs": legs,
    }


def my_trips(db: Session, actor: Actor) -> list[Trip]:
    """The person's movements, those under way or about to leave first."""
    known = movements.directory(db)
    found = []
    for movement in db.scalars(movements.candidate_query(actor).limit(SCANNED)):
        if not _is_mine(actor, movement, known):
            continue
        seen = movements.visible_to(db, actor, movement, known)
        if seen.summary:
            found.append((movement, seen))
    found.sort(key=lambda pair: (ORDER_OF_STATUS.get(pair[0].status, 9), pair[0].departure_at))
    return [
        Trip(m, seen, _plan(db, actor, m) if seen.details else None) for m, seen in found[:SHOWN]
    ]


def _phone(request: Request, db: Session, template: str, context: dict[str, Any]) -> Response:
    """A phone page: no control-room menu, one column (body class "phone")."""
    return render(request, db, template, {"nav": [], "ended": ENDED, **context})


def home(
    request: Request,
    db: Session,
    actor: Actor,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The person's movements, with the live cards (check-in, SOS, roll calls asking them)
    and the message after their last action; `extra` re-renders a refused form."""
    context = {"trips": my_trips(db, actor), "flashes": flashes_of(request)}
    context |= live_panel(db, actor) | (extra or {})
    response = _phone(request, db, "phone/index.html", context)
    response.status_code = status_code
    return response


@router.get("/phone")
def phone_home(
    request: Request, db: Db, actor: Annotated[Actor, require("movement.order")]
) -> Response:
    return home(request, db, actor)


@router.get("/phone/movements/{movement_id}")
def phone_movement(
    movement_id: str, request: Request, db: Db, actor: Annotated[Actor, require("movement.order")]
) -> Response:
    """The movement and, once released, the person's own copy of the order (audited as
    `movement.order.read`); before release, when it will be, and nothing of route or times."""
    movement, seen = movements.get_movement(db, actor, movement_id)  # 404 to outsiders
    order = None
    if seen.details:
        movement, content, who = flows.order_copy(db, actor, movement_id, "html")
        html = str(issuing.render(content, who, "html"))
        found = BODY.search(html)
        # render_html escapes every text it writes; only its own tags remain
        order = Markup(found.group(1) if found else "")
    return _phone(
        request,
        db,
        "phone/movement.html",
        {"movement": movement, "seen": seen, "order": order, **live_panel(db, actor)},
    )
