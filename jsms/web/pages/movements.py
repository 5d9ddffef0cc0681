"""The movements a person may see, and one movement's page: the plan for those who need to
know it (else the summary, saying why), with the steps this person may take from there:
submit, clone, start and finish. The wizard (request, route, amend) is in movement_wizard.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.movements import flows, service
from jsms.movements.models import Movement
from jsms.movements.reads import summary_of
from jsms.movements.schemas import FinishIn, ReleaseIn
from jsms.pagination import page_of
from jsms.web.pages import movement_forms, plan_view
from jsms.web.pages.movement_forms import Posted
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

STATUSES = ("draft", "submitted", "approved", "in_progress", "completed", "aborted", "rejected")
PER_PAGE = 25
# ?done= keys a page redirects with, and what the person is told.
DONE = {
    "created": "Movement requested as a draft: choose its route.",
    "route": "Route chosen; the SOP check was run again.",
    "submitted": "Submitted: every party that must approve has been asked.",
    "amended": "Amended: a new version; decided approvals were reopened.",
    "cloned": "A new draft repeating that movement: check its route and submit it.",
    "started": "The movement is under way.",
    "finished": "The movement is closed with its debrief.",
    "released": "The order is released to the assigned units and the passengers.",
}


def flashes(done: str | None) -> list[str]:
    return [DONE[done]] if done in DONE else []


@router.get("/movements")
def movement_list(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("movement.read")],
    status: str = "",
    page: int = 1,
) -> Response:
    """Like GET /api/v1/movements: summaries only (the date, never the route or the time)."""
    stmt = service.candidate_query(actor)
    if status in STATUSES:
        stmt = stmt.where(Movement.status == status)
    known = service.directory(db)
    visible = []
    for movement in db.scalars(stmt.limit(5000)):
        seen = service.visible_to(db, actor, movement, known)
        if seen.summary:
            visible.append(summary_of(movement, seen))
    shown = page_of(visible, max(page, 1), PER_PAGE)
    pages = max(1, -(-shown.total // PER_PAGE))
    return render(
        request,
        db,
        "movements/list.html",
        {
            "rows": shown.items,
            "total": shown.total,
            "page": shown.page,
            "pages": pages,
            "status": status if status in STATUSES else "",
            "statuses": STATUSES,
            "may_request": can(actor, "movement.write"),
        },
    )


def movement_page(
    request: Request,
    db: Session,
    actor: Actor,
    movement_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    """The plan (audited read) for those who need to know it, else the summary and why."""
    movement, seen = service.get_movement(db, actor, movement_id)
    if seen.details:
        service.read_details(db, actor, movement_id)
        context = plan_view.plan_context(db, actor, movement, seen)
    else:
        context = plan_view.summary_context(db, movement, seen)
    own = actor.side == Side.CLIENT and actor.agency_id == movement.client_agency_id
    context.update(
        {
            "errors": errors or {},
            "values": values or {},
            "flashes": flashes(done),
            "zones": movement_forms.zone_choices(),
            "may_write": own and can(actor, "movement.write") and seen.details,
            "may_operate": can(actor, "movement.operate") and seen.details,
            "may_escort": can(actor, "movement.escort") and seen.details,
            "may_order": can(actor, "movement.order") and seen.details and bool(movement.route),
            "may_approve": can(actor, "movement.approve")
            and any(
                a.agency_id == actor.agency_id and a.status == "pending"
                for a in plan_view.current_approvals(movement)
            ),
            "may_release": can(actor, "movement.approve")
            and actor.side != Side.CLIENT
            and movement.status == "approved"
            and (movement.release_at is None or movement.release_at > utcnow())
            and any(a.agency_id == actor.agency_id for a in plan_view.current_approvals(movement)),
        }
    )
    return render(request, db, "movements/detail.html", context, status_code=status_code)


@router.get("/movements/{movement_id}")
def movement_detail(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.read")],
    done: str | None = None,
) -> Response:
    return movement_page(request, db, actor, movement_id, done=done)


def _refused(
    request: Request,
    db: Session,
    actor: Actor,
    movement_id: str,
    key: str,
    exc: DomainError,
    values: dict[str, Any] | None = None,
) -> Response:
    """The movement page again, the refusal beside the form it concerns (kept in the trail),
    with what the person typed."""
    movement_forms.keep_refusal(request, db, exc)
    return movement_page(
        request,
        db,
        actor,
        movement_id,
        errors={key: exc.detail},
        values=values,
        status_code=exc.status,
    )


@router.post("/movements/{movement_id}/submit", dependencies=[Depends(check_csrf)])
def submit(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> Response:
    """Blocked by the SOPs: the page says which rules, and nothing changes."""
    try:
        flows.submit_movement(db, actor, movement_id)
    except DomainError as exc:
        return _refused(request, db, actor, movement_id, "submit", exc)
    return redirect(f"/movements/{movement_id}?done=submitted")


@router.post("/movements/{movement_id}/clone", dependencies=[Depends(check_csrf)])
def clone(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.write")],
) -> Response:
    movement = service.read_details(db, actor, movement_id)
    body, read = movement_forms.read_clone(db, movement, form)
    if body is None:
        return movement_page(
            request, db, actor, movement_id, errors=read.errors, values=read.values, status_code=422
        )
    try:
        copy = flows.clone_movement(db, actor, movement_id, body)
    except DomainError as exc:
        return _refused(request, db, actor, movement_id, "clone", exc, read.values)
    return redirect(f"/movements/{copy.id}?done=cloned")


@router.post("/movements/{movement_id}/start", dependencies=[Depends(check_csrf)])
def start(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.operate")],
) -> Response:
    try:
        flows.start_movement(db, actor, movement_id)
    except DomainError as exc:
        return _refused(request, db, actor, movement_id, "start", exc)
    return redirect(f"/movements/{movement_id}?done=started")


@router.post("/movements/{movement_id}/release", dependencies=[Depends(check_csrf)])
def release(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.approve")],
) -> Response:
    """Release the order before its usual time, with the reason (audited)."""
    values = {"release_reason": str(form.get("release_reason") or "")}
    try:
        body = ReleaseIn(reason=values["release_reason"].strip())
    except ValidationError:
        errors = {"release_reason": "say why the order must go out now (10 characters or more)"}
        return movement_page(
            request, db, actor, movement_id, errors=errors, values=values, status_code=422
        )
    try:
        flows.release_order(db, actor, movement_id, body)
    except DomainError as exc:
        return _refused(request, db, actor, movement_id, "release_reason", exc, values)
    return redirect(f"/movements/{movement_id}?done=released")


@router.post("/movements/{movement_id}/finish", dependencies=[Depends(check_csrf)])
def finish(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.operate")],
) -> Response:
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        body = FinishIn.model_validate(
            {"outcome": values.get("outcome", ""), "debrief": values.get("debrief", "")}
        )
    except ValidationError as exc:
        return movement_page(
            request,
            db,
            actor,
            movement_id,
            errors=field_errors(exc),
            values=values,
            status_code=422,
        )
    try:
        flows.finish_movement(db, actor, movement_id, body)
    except DomainError as exc:
        return _refused(request, db, actor, movement_id, "finish", exc, values)
    return redirect(f"/movements/{movement_id}?done=finished")
