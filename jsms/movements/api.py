"""Movements over HTTP: thin handlers; need-to-know and lifecycle rules live in the services."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from jsms.deps import Db, Paging, require
from jsms.identity.credentials import StepUpRefused
from jsms.identity.policy import Actor
from jsms.movements import approvals, flows, service, whoknew
from jsms.movements.models import Movement
from jsms.movements.orders import issuing, leak_trace
from jsms.movements.reads import pending_item, plan_of, summary_of
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
    ReleaseIn,
    RouteChoiceIn,
    WhoKnewRow,
)
from jsms.pagination import Page, page_of, paged

__all__ = ["pending_item", "plan_of", "router", "summary_of"]

router = APIRouter(prefix="/api/v1", tags=["movements"])


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
    movement = flows.request_movement(db, actor, body)
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
    movement = flows.amend_movement(db, actor, movement_id, body)
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/clone", response_model=MovementPlan, status_code=201)
def clone_movement(
    movement_id: str, body: CloneIn, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> MovementPlan:
    """A new draft repeating this movement (ends, passengers, vehicles, route) at new times."""
    copy = flows.clone_movement(db, actor, movement_id, body)
    return plan_of(db, copy, service.visible_to(db, actor, copy))


@router.get("/movements/{movement_id}/route-options")
def route_options(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> list[dict[str, Any]]:
    """Fastest, safest and balanced routes with exposure, threat level and jurisdictions."""
    return flows.route_options(db, actor, movement_id)[1]


@router.put("/movements/{movement_id}/route", response_model=MovementPlan)
def choose_route(
    movement_id: str,
    body: RouteChoiceIn,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> MovementPlan:
    """Adopt a route option by label (any label it carries) or by its id."""
    movement = flows.choose_route(
        db, actor, movement_id, label=body.label, option_id=body.option_id
    )
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/submit", response_model=MovementPlan)
def submit(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.write")]
) -> MovementPlan:
    """Check the SOPs and ask every required party to approve (blocked on a violation)."""
    movement = flows.submit_movement(db, actor, movement_id)
    return plan_of(db, movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/decision", response_model=ApprovalOut)
def decide(
    movement_id: str, body: DecisionIn, db: Db, actor: Annotated[Actor, require("movement.approve")]
) -> ApprovalOut:
    """Approve or reject for your agency (a rejection needs a reason), confirmed with a fresh
    code from your authenticator app."""
    try:
        return ApprovalOut.model_validate(flows.decide(db, actor, movement_id, body))
    except StepUpRefused:
        db.commit()  # keep the refused code's audit event; nothing else was written
        raise


@router.post("/movements/{movement_id}/release", response_model=MovementSummary)
def release_order(
    movement_id: str,
    body: ReleaseIn,
    db: Db,
    actor: Annotated[Actor, require("movement.approve")],
) -> MovementSummary:
    """Release the order to the assigned units and passengers now, before its usual time
    (six hours before departure): an approver of a party force, with the reason, audited."""
    movement = flows.release_order(db, actor, movement_id, body)
    return summary_of(movement, service.visible_to(db, actor, movement))


@router.get("/approvals/pending", response_model=Page[PendingApproval])
def pending(
    db: Db, paging: Paging, actor: Annotated[Actor, require("movement.approve")]
) -> Page[PendingApproval]:
    """Decisions your agency owes, soonest deadline first, with what each one is about."""
    return paged(db, approvals.pending_query(actor), paging, partial(pending_item, db))


@router.post("/movements/{movement_id}/escorts", response_model=EscortOut, status_code=201)
def assign_escort(
    movement_id: str, body: EscortIn, db: Db, actor: Annotated[Actor, require("movement.escort")]
) -> EscortOut:
    """Book a unit for a leg: refused outside its authorisation or if already booked. Only
    those who may see the plan book (the booking names the leg's times), and it is audited."""
    return EscortOut.model_validate(flows.book_escort(db, actor, movement_id, body))


@router.post("/movements/{movement_id}/start", response_model=MovementSummary)
def start(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.operate")]
) -> MovementSummary:
    movement = flows.start_movement(db, actor, movement_id)
    return summary_of(movement, service.visible_to(db, actor, movement))


@router.post("/movements/{movement_id}/finish", response_model=MovementSummary)
def finish(
    movement_id: str, body: FinishIn, db: Db, actor: Annotated[Actor, require("movement.operate")]
) -> MovementSummary:
    movement = flows.finish_movement(db, actor, movement_id, body)
    return summary_of(movement, service.visible_to(db, actor, movement))


@router.get("/movements/{movement_id}/who-knew", response_model=list[WhoKnewRow])
def who_knew(
    movement_id: str, db: Db, actor: Annotated[Actor, require("movement.who_knew")]
) -> list[WhoKnewRow]:
    """Everyone who saw the route or times before departure (auditors)."""
    _, knowers = whoknew.report(db, actor, movement_id)
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
        for k in knowers
    ]


@router.get("/movements/{movement_id}/order", response_model=None)
def get_order(
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.order")],
    format: Annotated[str, Query(pattern="^(text|html|pdf)$")] = "text",
) -> Response:
    """Your own watermarked copy of the movement order: need-to-know, every copy audited."""
    movement, content, who = flows.order_copy(db, actor, movement_id, format)
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
    suspects = leak_trace.trace_leak_audited(db, body.text, movement_id=body.movement_id)
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
