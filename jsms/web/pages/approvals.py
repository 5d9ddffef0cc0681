"""The approver's queue and decision: what the agency owes, soonest deadline first; the plan,
route map, SOP verdict and the other parties' decisions; approve or reject with a fresh
authenticator code (step-up: the login's one-use rule, a failure audited).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.identity.credentials import StepUpRefused
from jsms.identity.policy import Actor
from jsms.movements import approvals, flows, service
from jsms.movements.reads import pending_item
from jsms.movements.schemas import DecisionIn
from jsms.pagination import paginate
from jsms.web.pages import movement_forms, plan_view
from jsms.web.pages.movement_forms import Posted
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
DUE_SOON = timedelta(hours=6)
REFERENCE = re.compile(r"^MV-\d{4}-\d{5,}$")
DONE = {"approved": "Approved for your agency.", "rejected": "Rejected for your agency."}


def urgency(due_at: datetime, now: datetime) -> str:
    """How pressing a deadline is, in words (the colour only repeats it)."""
    if due_at <= now:
        return "overdue"
    if due_at - now <= DUE_SOON:
        return "due soon"
    return ""


@router.get("/approvals")
def queue(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("movement.approve")],
    page: int = 1,
    done: str | None = None,
    ref: str | None = None,
) -> Response:
    """Like GET /api/v1/approvals/pending: each item's look at the plan is audited."""
    rows, total = paginate(db, approvals.pending_query(actor), max(page, 1), PER_PAGE)
    now = datetime.now(UTC)
    items = [pending_item(db, a) for a in rows]
    message = DONE.get(done or "")
    return render(
        request,
        db,
        "approvals/queue.html",
        {
            "items": [(item, urgency(item.due_at, now)) for item in items],
            "total": total,
            "page": max(page, 1),
            "pages": max(1, -(-total // PER_PAGE)),
            "flashes": [f"{ref}: {message}" if ref and REFERENCE.match(ref) else message]
            if message
            else [],
        },
    )


def _decision_page(
    request: Request,
    db: Session,
    actor: Actor,
    movement_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The plan (an audited read: approvers of a party see it while it is being decided)."""
    movement = service.read_details(db, actor, movement_id)
    seen = service.visible_to(db, actor, movement)
    context = plan_view.plan_context(db, actor, movement, seen)
    mine = [a for a in plan_view.current_approvals(movement) if a.agency_id == actor.agency_id]
    context.update(
        {
            "mine": mine,
            "pending": movement.status == "submitted" and any(a.status == "pending" for a in mine),
            "errors": errors or {},
            "values": values or {},
        }
    )
    return render(request, db, "approvals/decide.html", context, status_code=status_code)


@router.get("/approvals/{movement_id}")
def decision_form(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.approve")],
) -> Response:
    return _decision_page(request, db, actor, movement_id)


def _read_decision(values: dict[str, str]) -> tuple[DecisionIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    decision = values.get("decision", "")
    reason = values.get("reason", "").strip() or None
    if decision not in ("approve", "reject"):
        errors["decision"] = "choose approve or reject"
    elif decision == "reject" and not reason:
        errors["reason"] = "a rejection needs a reason the requester can act on"
    code = values.get("code", "").strip()
    if not (len(code) == 6 and code.isdigit()):
        errors["code"] = "enter the 6-digit code your authenticator app shows now"
    if errors:
        return None, errors
    try:
        return DecisionIn(approve=decision == "approve", reason=reason, totp_code=code), {}
    except ValidationError as exc:
        return None, field_errors(exc)


@router.post("/approvals/{movement_id}", dependencies=[Depends(check_csrf)])
def decide(
    request: Request,
    movement_id: str,
    form: Posted,
    db: Db,
    actor: Annotated[Actor, require("movement.approve")],
) -> Response:
    """The decision binds the agency: it takes a fresh code, checked before anything else
    is written; a wrong or reused code decides nothing and is audited."""
    values = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "code")}
    body, errors = _read_decision({**values, "code": str(form.get("code") or "")})
    if body is None:
        return _decision_page(
            request, db, actor, movement_id, errors=errors, values=values, status_code=422
        )
    try:
        approval = flows.decide(db, actor, movement_id, body)
    except StepUpRefused as exc:
        db.commit()  # keep the refused code's audit event; nothing else was written
        return _decision_page(
            request,
            db,
            actor,
            movement_id,
            errors={"code": exc.detail},
            values=values,
            status_code=exc.status,
        )
    except DomainError as exc:
        movement_forms.keep_refusal(request, db, exc)
        return _decision_page(
            request,
            db,
            actor,
            movement_id,
            errors={"form": exc.detail},
            values=values,
            status_code=exc.status,
        )
    done = "approved" if approval.status == "approved" else "rejected"
    return redirect(f"/approvals?done={done}&ref={approval.movement.reference}")
