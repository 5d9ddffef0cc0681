"""The movement steps a person takes, each as one call that the JSON API and the control-room
pages both make: request, plan the route, amend, submit, decide, book escorts, run, and read
one's own copy of the order. Each step loads the movement with need-to-know (a plan is read
through `service.read_details`, so the read is audited), acts, and re-derives what the change
affects (the SOP verdict), exactly once, whoever asks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.errors import Invalid
from jsms.geo.gazetteer import load_gazetteer
from jsms.identity.credentials import step_up
from jsms.identity.policy import Actor
from jsms.movements import approvals, escorts, planning, service
from jsms.movements.models import EscortAssignment, Movement, MovementApproval
from jsms.movements.orders import issuing
from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Recipient
from jsms.movements.schemas import (
    CloneIn,
    DecisionIn,
    EscortIn,
    FinishIn,
    MovementIn,
    MovementPatch,
    PlaceIn,
    ReleaseIn,
)
from jsms.registry.models import Site
from jsms.registry.service import site_query


def resolve_place(
    db: Session, actor: Actor, place: PlaceIn, end: str = "place"
) -> tuple[str, float, float]:
    """A place by coordinates, by a registered site's name, or by gazetteer name; an unknown
    name is refused naming `end` as its field ("origin" or "destination")."""
    if place.lat is not None and place.lon is not None:
        return place.name or f"{place.lat:.4f}, {place.lon:.4f}", place.lat, place.lon
    assert place.name is not None
    # only a site the caller may see: another company's site coordinates stay hidden
    site = db.scalar(site_query(actor).where(Site.name == place.name))
    if site is not None:
        return site.name, site.lat, site.lon
    found = load_gazetteer().lookup(place.name)
    if not found:
        reason = f"unknown place {place.name!r}: give a site name, a town, or lat and lon"
        raise Invalid(reason, errors=[{"field": end, "reason": reason}])
    return found[0].name, found[0].lat, found[0].lon


def request_movement(db: Session, actor: Actor, body: MovementIn) -> Movement:
    """A draft request; its route is chosen next, among the planned options."""
    origin = resolve_place(db, actor, body.origin, "origin")
    destination = resolve_place(db, actor, body.destination, "destination")
    return service.create_movement(
        db,
        actor,
        purpose=body.purpose,
        origin_name=origin[0],
        origin_lat=origin[1],
        origin_lon=origin[2],
        destination_name=destination[0],
        destination_lat=destination[1],
        destination_lon=destination[2],
        departure_at=body.departure_at,
        arrival_at=body.arrival_at,
        passenger_ids=body.passenger_ids,
        vehicles=[v.model_dump() for v in body.vehicles],
    )


def route_options(
    db: Session, actor: Actor, movement_id: str
) -> tuple[Movement, list[dict[str, Any]]]:
    """The plan (an audited read) and its fastest, safest and balanced routes."""
    movement = service.read_details(db, actor, movement_id)
    return movement, planning.route_options(db, movement)


def choose_route(
    db: Session,
    actor: Actor,
    movement_id: str,
    *,
    label: str | None = None,
    option_id: str | None = None,
) -> Movement:
    """Adopt a route option by label (any label it carries) or by its id."""
    movement, options = route_options(db, actor, movement_id)
    chosen = planning.choose_option(options, label=label, option_id=option_id)
    service.set_route(db, actor, movement, chosen)
    # the option was planned for this departure just now: only the SOP verdict is new
    movement.evaluation = planning.evaluate(db, movement)
    return movement


def amend_movement(db: Session, actor: Actor, movement_id: str, body: MovementPatch) -> Movement:
    """Amend times, passengers or vehicles; decided approvals reopen for the new version."""
    movement = service.get_movement(db, actor, movement_id)[0]
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "vehicles" in changes and body.vehicles is not None:
        changes["vehicles"] = [v.model_dump() for v in body.vehicles]
    service.amend(db, actor, movement, changes)
    planning.refresh(db, movement)
    return movement


def clone_movement(db: Session, actor: Actor, movement_id: str, body: CloneIn) -> Movement:
    """A new draft repeating this movement (ends, passengers, vehicles, route) at new times."""
    movement = service.read_details(db, actor, movement_id)
    copy = service.clone(db, actor, movement, body.departure_at, body.arrival_at)
    planning.refresh(db, copy)
    return copy


def submit_movement(db: Session, actor: Actor, movement_id: str) -> Movement:
    """Check the SOPs and ask every required party to approve (blocked on a violation)."""
    movement = service.read_details(db, actor, movement_id)
    service.submit(db, actor, movement, planning.evaluate(db, movement))
    return movement


def decide(db: Session, actor: Actor, movement_id: str, body: DecisionIn) -> MovementApproval:
    """Approve or reject for the actor's agency (a rejection needs a reason). The decision
    binds the agency, so it takes a fresh second-factor code, checked once everything else
    that could refuse it has been: a refused code raises StepUpRefused, whose audit event the
    caller keeps by committing."""
    movement = service.get_movement(db, actor, movement_id)[0]
    approval = approvals.owed(db, actor, movement, approve=body.approve, reason=body.reason)
    step_up(db, actor, body.totp_code)
    return approvals.record(db, actor, movement, approval, approve=body.approve, reason=body.reason)


def book_escort(db: Session, actor: Actor, movement_id: str, body: EscortIn) -> EscortAssignment:
    """Book a unit for a leg; only those who may see the plan book (the booking names the
    leg's times)."""
    movement = service.read_details(db, actor, movement_id)
    assignment = escorts.assign(
        db,
        actor,
        movement,
        unit_id=body.unit_id,
        leg=body.leg,
        ring=body.ring,
        headcount=body.headcount,
    )
    movement.evaluation = planning.evaluate(db, movement)  # the escort rules may now be met
    return assignment


def start_movement(db: Session, actor: Actor, movement_id: str) -> Movement:
    """Wheels up, after the SOP check made for the moment of departure (escorts included)."""
    movement = service.read_details(db, actor, movement_id)
    service.start(db, actor, movement, planning.evaluate(db, movement, before_start=True))
    return movement


def release_order(db: Session, actor: Actor, movement_id: str, body: ReleaseIn) -> Movement:
    """Release the order to its recipients now (an approver of a party force; audited)."""
    movement = service.read_details(db, actor, movement_id)
    return approvals.release_now(db, actor, movement, body.reason)


def finish_movement(db: Session, actor: Actor, movement_id: str, body: FinishIn) -> Movement:
    movement = service.read_details(db, actor, movement_id)
    service.finish(db, actor, movement, outcome=body.outcome, debrief=body.debrief)
    return movement


def order_copy(
    db: Session, actor: Actor, movement_id: str, fmt: str
) -> tuple[Movement, OrderContent, Recipient]:
    """The actor's own watermarked copy of the order; every copy read is audited."""
    movement = service.read_details(db, actor, movement_id)
    content, who = issuing.issue(db, actor, movement)
    audit.record(
        db,
        action="movement.order.read",
        object_type="movement",
        object_id=movement.id,
        detail={"format": fmt, "version": movement.version},
    )
    return movement, content, who
