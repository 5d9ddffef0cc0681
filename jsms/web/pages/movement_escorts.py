"""Escorts leg by leg: for each jurisdiction the route crosses, the units booked and a booking
form listing only the units of the booker's side that may act there at that time (a host
unit in its own jurisdiction, a guest unit inside a live deployment authorisation).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.identity.policy import Actor
from jsms.movements import escorts, flows, planning, service
from jsms.movements.models import Movement
from jsms.movements.schemas import EscortIn
from jsms.registry.models import SecurityUnit
from jsms.web.pages import movement_forms
from jsms.web.pages.movement_forms import Posted
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)


def _option(bookable: escorts.Bookable) -> tuple[str, str]:
    unit = bookable.unit
    busy = " · booked elsewhere at this time" if bookable.clash else ""
    return unit.id, f"{unit.call_sign} · {unit.name} · {unit.strength} people{busy}"


def _legs(db: Session, actor: Actor, movement: Movement) -> list[dict[str, Any]]:
    units = dict(db.execute(select(SecurityUnit.id, SecurityUnit.call_sign)).all())
    legs = []
    for leg in escorts.legs_of(movement):
        bookable = escorts.bookable_units(db, actor, movement, leg)
        legs.append(
            {
                "leg": leg,
                "booked": [
                    (e, units.get(e.unit_id, e.unit_id))
                    for e in movement.escorts
                    if e.leg == leg.index
                ],
                "bookable": bookable,
                "options": [("", "choose a unit"), *(_option(b) for b in bookable)],
            }
        )
    return legs


def _escorts_page(
    request: Request,
    db: Session,
    actor: Actor,
    movement_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    done: bool = False,
) -> Response:
    movement = service.read_details(db, actor, movement_id)
    context: dict[str, Any] = {
        "movement": movement,
        "zone": planning.local_zone(db, movement),
        "legs": _legs(db, actor, movement) if movement.route.get("jurisdictions") else [],
        "ring": escorts.ring_of(actor.side.value),
        "open": movement.status in ("draft", "submitted", "approved"),
        "errors": errors or {},
        "values": values or {},
        "flashes": ["Escort booked."] if done else [],
    }
    return render(request, db, "movements/escorts.html", context, status_code=status_code)


@router.get("/movements/{movement_id}/escorts")
def escorts_page(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.escort")],
    done: str | None = None,
) -> Response:
    return _escorts_page(request, db, actor, movement_id, done=done == "booked")


# The booking's fields (as the service names them) -> this page's fields for one leg.
FIELDS = {"unit_id": "unit", "ring": "ring", "headcount": "headcount", "leg": "unit"}


def _field_of(leg: int, field: str) -> str:
    return f"{FIELDS.get(field, 'unit')}_{leg}"


@router.post("/movements/{movement_id}/escorts", dependencies=[Depends(check_csrf)])
def book(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.escort")],
) -> Response:
    """Book one unit on one leg; a refusal (outside its authorisation, over the cap, already
    booked elsewhere) comes back beside the field it concerns, and is audited."""
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    leg = int(values["leg"]) if values.get("leg", "").isdigit() else 0
    data = {
        "unit_id": values.get(f"unit_{leg}", ""),
        "leg": leg,
        "ring": values.get(f"ring_{leg}", ""),
        "headcount": values.get(f"headcount_{leg}") or None,
    }
    try:
        body = EscortIn.model_validate(data)
    except ValidationError as exc:
        errors = {_field_of(leg, k): v for k, v in field_errors(exc).items()}
        return _escorts_page(
            request, db, actor, movement_id, errors=errors, values=values, status_code=422
        )
    try:
        flows.book_escort(db, actor, movement_id, body)
    except DomainError as exc:
        movement_forms.keep_refusal(request, db, exc)
        return _escorts_page(
            request,
            db,
            actor,
            movement_id,
            errors={_field_of(leg, movement_forms.named_field(exc, "unit_id")): exc.detail},
            values=values,
            status_code=exc.status,
        )
    return redirect(f"/movements/{movement_id}/escorts?done=booked")
