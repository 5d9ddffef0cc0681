"""The requester's wizard: request a movement (passengers, the two ends, times, vehicles),
compare the route options side by side and on one map, choose one; and amend a plan later.
Each step is the same flow the API runs (jsms.movements.flows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.identity.policy import Actor
from jsms.movements import flows, planning, service
from jsms.movements.models import Movement
from jsms.web.pages import movement_forms, route_maps
from jsms.web.pages.movement_forms import ORIGIN_ZONE, Posted
from jsms.web.ui import check_csrf, redirect, render

router = APIRouter(include_in_schema=False)


def _request_page(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        **movement_forms.request_choices(db, actor),
        "values": values,
        "errors": errors,
        "map_config": {
            "pick": [
                {"label": "Origin", "lat": "f-origin_lat", "lon": "f-origin_lon"},
                {"label": "Destination", "lat": "f-destination_lat", "lon": "f-destination_lon"},
            ],
            "overlays": [{"name": "Your sites", "url": "/map/layers/sites.geojson", "on": True}],
            "fit": False,
        },
    }
    return render(request, db, "movements/new.html", context, status_code=status_code)


@router.get("/movements/new")
def new_movement(
    request: Request, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> Response:
    values = {"zone": ORIGIN_ZONE, "passenger_ids": []}
    return _request_page(request, db, actor, values, {})


@router.post("/movements/new", dependencies=[Depends(check_csrf)])
def request_movement(
    request: Request,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> Response:
    """A draft, then the route step; bad input comes back with the reason beside its field."""
    body, read = movement_forms.read_request(db, actor, form)
    if body is None:
        return _request_page(request, db, actor, read.values, read.errors, 422)
    try:
        movement = flows.request_movement(db, actor, body)
    except DomainError as exc:
        movement_forms.keep_refusal(request, db, exc)
        errors = {"form": exc.detail}
        return _request_page(request, db, actor, read.values, errors, exc.status)
    return redirect(f"/movements/{movement.id}/route?done=created")


def _route_page(
    request: Request,
    db: Session,
    actor: Actor,
    movement_id: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    movement, options = flows.route_options(db, actor, movement_id)
    zone = planning.local_zone(db, movement)
    context = {
        "movement": movement,
        "options": options,
        "zone": zone,
        "looks": {o["id"]: route_maps.look_of(o["label"]) for o in options},
        "names": {o["id"]: route_maps.option_name(o) for o in options},
        "arrivals": {
            o["id"]: zone.clock(
                datetime.fromisoformat(o["arrival"]), zone.local(movement.departure_at).date()
            )
            for o in options
            if o.get("arrival")
        },
        "chosen": (movement.route or {}).get("id"),
        "amendable": movement.status in service.AMENDABLE,
        "map_config": route_maps.options_map(movement, options),
        "errors": errors or {},
        "flashes": ["Movement requested as a draft: choose its route."]
        if done == "created"
        else [],
    }
    return render(request, db, "movements/route.html", context, status_code=status_code)


@router.get("/movements/{movement_id}/route")
def route_options(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
    done: str | None = None,
) -> Response:
    """The options side by side (cards) and on one map; planning them reads the plan."""
    return _route_page(request, db, actor, movement_id, done=done)


@router.post("/movements/{movement_id}/route", dependencies=[Depends(check_csrf)])
def choose_route(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> Response:
    option_id = str(form.get("option_id") or "")
    if not option_id:
        return _route_page(
            request, db, actor, movement_id, {"option_id": "choose one of the routes"}, 422
        )
    try:
        flows.choose_route(db, actor, movement_id, option_id=option_id)
    except DomainError as exc:
        movement_forms.keep_refusal(request, db, exc)
        return _route_page(request, db, actor, movement_id, {"option_id": exc.detail}, exc.status)
    return redirect(f"/movements/{movement_id}?done=route")


def _amend_page(
    request: Request,
    db: Session,
    actor: Actor,
    movement: Movement,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        **movement_forms.request_choices(db, actor),
        "movement": movement,
        "values": values,
        "errors": errors,
    }
    return render(request, db, "movements/amend.html", context, status_code=status_code)


@router.get("/movements/{movement_id}/amend")
def amend_form(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> Response:
    """The plan as it stands, times in the zone of where it starts."""
    movement = service.read_details(db, actor, movement_id)
    zone = planning.local_zone(db, movement)
    values = {
        "purpose": movement.purpose,
        "departure_at": movement_forms.local_input(movement.departure_at, zone),
        "arrival_at": movement_forms.local_input(movement.arrival_at, zone),
        "zone": zone.name,
        "passenger_ids": list(movement.passenger_ids),
        **movement_forms.vehicle_values(movement.vehicles),
    }
    return _amend_page(request, db, actor, movement, values, {})


@router.post("/movements/{movement_id}/amend", dependencies=[Depends(check_csrf)])
def amend(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> Response:
    """Only what changed is sent; a decided plan becomes a new version (approvals reopen)."""
    movement = service.read_details(db, actor, movement_id)
    body, read = movement_forms.read_amendment(db, movement, form)
    if body is None:
        return _amend_page(request, db, actor, movement, read.values, read.errors, 422)
    try:
        flows.amend_movement(db, actor, movement_id, body)
    except DomainError as exc:
        movement_forms.keep_refusal(request, db, exc)
        movement = service.read_details(db, actor, movement_id)
        errors = {"form": exc.detail}
        return _amend_page(request, db, actor, movement, read.values, errors, exc.status)
    return redirect(f"/movements/{movement_id}?done=amended")
