"""Movements over HTTP: thin handlers; need-to-know and lifecycle rules live in the services."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from jsms.audit import service as audit
from jsms.deps import Db, Paging, require
from jsms.errors import Invalid
from jsms.geo.gazetteer import load_gazetteer
from jsms.identity.policy import Actor
from jsms.movements import approvals, escorts, planning, service, whoknew
from jsms.movements.access import Visibility
from jsms.movements.models import Movement, MovementApproval
from jsms.movements.orders import issuing, leak_trace
from jsms.movements.schemas import (
    ApprovalOut,
    CloneIn,
    DecisionIn,
    EscortIn,
    EscortOut,
    FinishIn,
    LeakIn,
    LeakSuspect,
    MovementIn,
    MovementPatch,
    MovementPlan,
    MovementSummary,
    PendingApproval,
    PlaceIn,
    RouteChoiceIn,
    WhoKnewRow,
)
from jsms.pagination import Page, page_of, paged
from jsms.registry.models import Site
from jsms.registry.service import site_query

router = APIRouter(prefix="/api/v1", tags=["movements"])


def _approval(approval: MovementApproval, seen: Visibility) -> ApprovalOut:
    out = ApprovalOut.model_validate(approval)
    return out if seen.details else out.model_copy(update={"due_at": None})


def summary_of(movement: Movement, seen: Visibility) -> MovementSummary:
    return MovementSummary(
        id=movement.id,
        reference=movement.reference,
        purpose=movement.purpose,
        client_agency_id=movement.client_agency_id,
        status=movement.status,
        version=movement.version,
        departure_date=movement.departure_at.date(),
        jurisdictions=movement.jurisdictions,
        passengers=len(movement.passenger_ids),
        approvals=[
            _approval(a, seen) for a in movement.approvals if a.movement_version == movement.version
        ],
        rejection_reason=movement.rejection_reason,
        details_visible=seen.details,
        why=seen.reason,
    )


def plan_of(db: Db, movement: Movement, seen: Visibility) -> MovementPlan:
    return MovementPlan(
        **summary_of(movement, seen).model_dump(),
        origin_name=movement.origin_name,
        origin_lat=movement.origin_lat,
        origin_lon=movement.origin_lon,
        destination_name=movement.destination_name,
        destination_lat=movement.destination_lat,
        destination_lon=movement.destination_lon,
        departure_at=movement.departure_at,
        arrival_at=movement.arrival_at,
        release_at=movement.release_at,
        passenger_ids=movement.passenger_ids,
        vehicles=movement.vehicles,
        route=movement.route,
        evaluation=movement.evaluation,
        escorts=[EscortOut.model_validate(e) for e in movement.escorts],
        predictability=planning.predictability(db, movement),
        approvals_needed=approvals.approvals_needed(db, movement),
        submitted_at=movement.submitted_at,
        started_at=movement.started_at,
        ended_at=movement.ended_at,
        debrief=movement.debrief,
        history=[
            ApprovalOut.model_validate(a)
            for a in sorted(movement.approvals, key=lambda a: (a.movement_version, a.party))
            if a.movement_version < movement.version
        ],
    )


def resolve_place(db: Db, actor: Actor, place: PlaceIn) -> tuple[str, float, float]:
    """A place by coordinates, by a registered site's name, or by gazetteer name."""
    if place.lat is not None and place.lon is not None:
        return place.name or f"{place.lat:.4f}, {place.lon:.4f}", place.lat, place.lon
    assert place.name is not None
    # only a site the caller may see: another company's site coordinates stay hidden
    site = db.scalar(site_query(actor).where(Site.name == place.name))
    if site is not None:
        return site.name, site.lat, site.lon
    found = load_gazetteer().lookup(place.name)
    if not found:
        raise Invalid(f"unknown place {place.name!r}: give a site name, a town, or lat and lon")
    return found[0].name, found[0].lat, found[0].lon


def _load(db: Db, actor: Actor, movement_id: str) -> Movement:
    return service.get_movement(db, actor, movement_id)[0]


@router.get("/movements", response_model=Page[MovementSummary])
def list_movements(
    db: Db,
    paging: Paging,
    actor: Annotated[Actor, require("movement.read")],
    status: str | None = None,
) -> Page[MovementSummary]:
    """Movements you are involved in (summaries: no route, no times)."""
    stmt = service.candidate_query(actor)
    if status:
        stmt = stmt.where(Movement.status == status)
    visible = []
    known = service.directory(db)
    for movement in db.scalars(stmt.limit(5000)):
        seen = service.visible_to(db, actor, movement, known)
        if seen.summary:
            visible.append(summary_of(movement, seen))
    return page_of(visible, paging.page, paging.per_page)


@router.post("/movements", response_model=MovementPlan, status_code=201)
def create_movement(
    body: MovementIn, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> MovementPlan:
    """Request a movement (a draft); then plan its route and submit it for approval."""
    origin = resolve_place(db, actor, body.origin)
    destination = resolve_place(db, actor, body.destination)
    movement = service.create_movement(
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
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.get("/movements/{movement_id}", response_model=MovementSummary)
def get_movement(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.read")]
) -> MovementSummary:
    """The summary; `/plan` gives route and times to those who need to know."""
    movement, seen = service.get_movement(db, actor, movement_id)
    return summary_of(movement, seen)


@router.get("/movements/{movement_id}/plan", response_model=MovementPlan)
def get_plan(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.read")]
) -> MovementPlan:
    """Route, times, vehicles and escorts: need-to-know, every view audited."""
    movement = service.read_details(db, actor, movement_id)
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.patch("/movements/{movement_id}", response_model=MovementPlan)
def amend_movement(
    movement_id: str,
    body: MovementPatch,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> MovementPlan:
    """Amend times, passengers or vehicles; decided approvals reopen for the new version."""
    movement = _load(db, actor, movement_id)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "vehicles" in changes and body.vehicles is not None:
        changes["vehicles"] = [v.model_dump() for v in body.vehicles]
    service.amend(db, actor, movement, changes)
    planning.refresh(db, movement)
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/clone", response_model=MovementPlan, status_code=201)
def clone_movement(
    movement_id: str, body: CloneIn, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> MovementPlan:
    """A new draft repeating this movement (ends, passengers, vehicles, route) at new times."""
    movement = service.read_details(db, actor, movement_id)
    copy = service.clone(db, actor, movement, body.departure_at, body.arrival_at)
    planning.refresh(db, copy)
    return plan_of(db, copy, service.visible_to(db, actor, copy))


@router.get("/movements/{movement_id}/route-options")
def route_options(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> list[dict[str, Any]]:
    """Fastest, safest and balanced routes with exposure, threat level and jurisdictions."""
    movement = service.read_details(db, actor, movement_id)
    return planning.route_options(db, movement)


@router.put("/movements/{movement_id}/route", response_model=MovementPlan)
def choose_route(
    movement_id: str,
    body: RouteChoiceIn,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> MovementPlan:
    """Adopt a route option by label (any label it carries) or by its id."""
    movement = service.read_details(db, actor, movement_id)
    options = planning.route_options(db, movement)
    chosen = planning.choose_option(options, label=body.label, option_id=body.option_id)
    service.set_route(db, actor, movement, chosen)
    # the option was planned for this departure just now: only the SOP verdict is new
    movement.evaluation = planning.evaluate(db, movement)
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/submit", response_model=MovementPlan)
def submit(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> MovementPlan:
    """Check the SOPs and ask every required party to approve (blocked on a violation)."""
    movement = service.read_details(db, actor, movement_id)
    service.submit(db, actor, movement, planning.evaluate(db, movement))
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/decision", response_model=ApprovalOut)
def decide(
    movement_id: str, body: DecisionIn, db: Db, actor: Annotated[Actor, require("movement.approve")]
) -> ApprovalOut:
    """Approve or reject for your agency (a rejection needs a reason)."""
    movement = _load(db, actor, movement_id)
    return ApprovalOut.model_validate(
        approvals.decide(db, actor, movement, approve=body.approve, reason=body.reason)
    )


@router.get("/approvals/pending", response_model=Page[PendingApproval])
def pending(
    db: Db, paging: Paging, actor: Annotated[Actor, require("movement.approve")]
) -> Page[PendingApproval]:
    """Decisions your agency owes, soonest deadline first, with what each one is about."""
    return paged(db, approvals.pending_query(actor), paging, partial(pending_item, db))


def pending_item(db: Db, approval: MovementApproval) -> PendingApproval:
    """An approver is a party to the plan: it sees the route summary, and the read is audited."""
    movement = approval.movement
    route = movement.route or {}
    audit.record(
        db,
        action="movement.details.read",
        object_type="movement",
        object_id=movement.id,
        detail={"version": movement.version, "via": "approval queue"},
    )
    distance = route.get("distance_m")
    duration = route.get("duration_s")
    evaluation = movement.evaluation or {}
    return PendingApproval(
        movement_id=movement.id,
        reference=movement.reference,
        purpose=movement.purpose,
        party=approval.party,
        movement_version=approval.movement_version,
        due_at=approval.due_at,
        departure_at=movement.departure_at,
        origin_name=movement.origin_name,
        destination_name=movement.destination_name,
        jurisdictions=movement.jurisdictions,
        distance_km=round(distance / 1000, 1) if distance is not None else None,
        duration_min=round(duration / 60) if duration is not None else None,
        max_level=route.get("max_level"),
        passengers=len(movement.passenger_ids),
        sop_blocked=evaluation.get("blocked"),
        requirements=len(evaluation.get("requirements") or []),
    )


@router.post("/movements/{movement_id}/escorts", response_model=EscortOut, status_code=201)
def assign_escort(
    movement_id: str, body: EscortIn, db: Db, actor: Annotated[Actor, require("movement.escort")]
) -> EscortOut:
    """Book a unit for a leg: refused outside its authorisation or if already booked. Only
    those who may see the plan book (the booking names the leg's times), and it is audited."""
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
    return EscortOut.model_validate(assignment)


@router.post("/movements/{movement_id}/start", response_model=MovementSummary)
def start(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.operate")]
) -> MovementSummary:
    movement = service.read_details(db, actor, movement_id)
    service.start(db, actor, movement, planning.evaluate(db, movement, before_start=True))
    return summary_of(movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/finish", response_model=MovementSummary)
def finish(
    movement_id: str, body: FinishIn, db: Db, actor: Annotated[Actor, require("movement.operate")]
) -> MovementSummary:
    movement = service.read_details(db, actor, movement_id)
    service.finish(db, actor, movement, outcome=body.outcome, debrief=body.debrief)
    return summary_of(movement, service.visible_to(db, actor, movement))


@router.get("/movements/{movement_id}/who-knew", response_model=list[WhoKnewRow])
def who_knew(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.who_knew")]
) -> list[WhoKnewRow]:
    """Everyone who saw the route or times before departure (auditors)."""
    movement, _ = service.get_movement(db, actor, movement_id)
    audit.record(db, action="movement.who_knew", object_type="movement", object_id=movement.id)
    return [
        WhoKnewRow(
            user_id=k.user_id,
            username=k.username,
            roles=k.roles,
            agency_id=k.agency_id,
            agency=k.agency,
            first_seen=k.first_seen,
            views=k.views,
            how=sorted(k.how),
        )
        for k in whoknew.who_knew(db, movement)
    ]


@router.get("/movements/{movement_id}/order", response_model=None)
def get_order(
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.order")],
    format: Annotated[str, Query(pattern="^(text|html|pdf)$")] = "text",
) -> Response:
    """Your own watermarked copy of the movement order: need-to-know, every copy audited."""
    movement = service.read_details(db, actor, movement_id)
    content, who = issuing.issue(db, actor, movement)
    audit.record(
        db,
        action="movement.order.read",
        object_type="movement",
        object_id=movement.id,
        detail={"format": format, "version": movement.version},
    )
    body = issuing.render(content, who, format)
    media = {
        "text": "text/plain; charset=utf-8",
        "html": "text/html; charset=utf-8",
        "pdf": "application/pdf",
    }[format]
    extension = "txt" if format == "text" else format
    filename = f"{movement.reference}.{extension}"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/leaks/trace", response_model=list[LeakSuspect])
def trace_leak(
    body: LeakIn, db: Db, _: Annotated[Actor, require("leak.trace")]
) -> list[LeakSuspect]:
    """Which recipient's copy does this leaked text come from? Best match first."""
    suspects = leak_trace.trace_leak(db, body.text, movement_id=body.movement_id)
    audit.record(
        db,
        action="leak.trace",
        object_type="movement",
        object_id=body.movement_id,
        detail={
            "candidates": len(suspects),
            "top": suspects[0].username if suspects else None,
            "confidence": suspects[0].confidence if suspects else None,
        },
    )
    return [
        LeakSuspect(
            user_id=s.user_id,
            username=s.username,
            movement_id=s.movement_id,
            reference=s.reference,
            confidence=s.confidence,
            evidence={
                "matched": s.matched,
                "mismatched": s.mismatched,
                "observed": s.observed,
                "invisible_mark": s.invisible,
            },
        )
        for s in suspects[:10]
    ]
