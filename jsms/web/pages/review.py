"""The OSINT review queue: each report an analyst has to decide on, shown beside the known
incidents it may duplicate (found by the same matching ingest uses), and the decision:
accept, reject, or merge into a chosen incident, as POST /api/v1/incidents/{id}/review does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError, NotFound
from jsms.identity.policy import Actor
from jsms.pagination import count_rows, paginate
from jsms.threat import service
from jsms.threat.models import Incident
from jsms.threat.osint.duplicates import Candidate, possible_duplicates
from jsms.threat.schemas import ReviewIn
from jsms.web.pages.paging import PER_PAGE, page_links
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

CANDIDATES_SHOWN = 3  # side by side, still readable on a laptop
DONE = {"accepted": "accepted", "rejected": "rejected", "merged": "merged into a known incident"}


def _decided_flash(db: Session, actor: Actor, request: Request) -> list[str]:
    """'<title>: accepted.' after a decision, read back from the record itself."""
    decided = request.query_params.get("decided")
    if not decided:
        return []
    incident = db.scalar(service.incident_query(actor).where(Incident.id == decided))
    if incident is None or incident.review_status not in DONE:
        return []
    return [f"{incident.title}: {DONE[incident.review_status]}."]


@router.get("/review")
def review_queue(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.review")],
    page: int = 1,
) -> Response:
    page = max(1, min(page, 100_000))
    rows, total = paginate(db, service.review_queue(actor), page, PER_PAGE)
    return render(
        request,
        db,
        "threat/review_queue.html",
        {
            "rows": [
                (i, service.figure_range(i, "killed"), service.figure_range(i, "injured"))
                for i in rows
            ],
            "links": page_links(request, total, page),
            "flashes": _decided_flash(db, actor, request),
        },
    )


def _compare_rows(item: Incident, candidates: list[Candidate]) -> list[dict[str, Any]]:
    """Field by field: the report's value, then each candidate's, and whether they differ."""
    fields: list[tuple[str, Any]] = [
        ("Date", lambda i: i.occurred_at.date().isoformat()),
        ("Place", lambda i: i.place_name or "-"),
        ("District", lambda i: i.district or "-"),
        ("Province", lambda i: i.province or "-"),
        ("Country", lambda i: i.country or "-"),
        ("Attack type", lambda i: i.attack_type.replace("_", " ")),
        ("Target", lambda i: i.target_type or "-"),
        ("Killed", lambda i: _range(service.figure_range(i, "killed"))),
        ("Injured", lambda i: _range(service.figure_range(i, "injured"))),
        ("Kidnapped", lambda i: _range(service.figure_range(i, "kidnapped"))),
        (
            "Attackers killed",
            lambda i: "-" if i.attackers_killed is None else str(i.attackers_killed),
        ),
        ("Nationals", lambda i: _nationals(i.nationals)),
        ("Claimed by", lambda i: i.perpetrator_claimed or "-"),
        ("Attributed to", lambda i: i.perpetrator_attributed or "-"),
        ("Verification", lambda i: i.verification),
        ("Origin", lambda i: i.origin),
        ("Sources", lambda i: str(len(i.sources))),
    ]
    rows = []
    for label, value in fields:
        mine = value(item)
        theirs = [value(c.incident) for c in candidates]
        rows.append({"label": label, "item": mine, "candidates": [(v, v != mine) for v in theirs]})
    return rows


def _range(pair: tuple[int | None, int | None]) -> str:
    low, high = pair
    if low is None:
        return "-"
    return str(low) if low == high else f"{low}\u2013{high}"


def _nationals(values: dict[str, Any]) -> str:
    parts = []
    for code, v in sorted((values or {}).items()):
        figures = [f"{v[k]} {k}" for k in ("killed", "injured") if v.get(k) is not None]
        parts.append(f"{code} {', '.join(figures)}".strip())
    return "; ".join(parts) or "-"


def _item_page(
    request: Request,
    db: Session,
    actor: Actor,
    item: Incident,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    candidates = possible_duplicates(db, actor, item, limit=CANDIDATES_SHOWN)
    return render(
        request,
        db,
        "threat/review_item.html",
        {
            "item": item,
            "candidates": candidates,
            "compare": _compare_rows(item, candidates),
            "typed": typed or {"decision": "", "merge_into": "", "note": ""},
            "errors": errors or {},
            "queue_left": max(0, _queue_size(db, actor) - (item.review_status == "pending")),
            "flashes": _decided_flash(db, actor, request),
        },
        status_code=status_code,
    )


def _queue_size(db: Session, actor: Actor) -> int:
    return count_rows(db, service.review_queue(actor))


@router.get("/review/{incident_id}")
def review_item(
    incident_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.review")],
) -> Response:
    return _item_page(request, db, actor, service.get_incident(db, actor, incident_id))


@router.post("/review/{incident_id}", dependencies=[Depends(check_csrf)])
def decide(
    incident_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.review")],
    decision: Annotated[str, Form(max_length=10)] = "",
    merge_into: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Decide through `service.review`, as the API does; a refusal re-renders the item with
    the reason beside the field and nothing changed."""
    item = service.get_incident(db, actor, incident_id)  # an unknown item is a 404 page
    typed = {"decision": decision, "merge_into": merge_into, "note": note}
    try:
        body = ReviewIn.model_validate(
            {"decision": decision, "merge_into": merge_into or None, "note": note}
        )
        service.review(
            db,
            actor,
            incident_id,
            decision=body.decision,
            merge_into=body.merge_into if body.decision == "merge" else None,
            note=body.note,
        )
    except ValidationError as exc:
        errors = field_errors(exc)
        if "decision" in errors:
            errors["decision"] = "Choose accept, reject or merge."
        return _item_page(request, db, actor, item, typed=typed, errors=errors, status_code=422)
    except DomainError as exc:
        if exc.status == 403:
            raise
        db.rollback()
        item = service.get_incident(db, actor, incident_id)
        where = "merge_into" if decision == "merge" and exc.status in (404, 422) else "form"
        reason = exc.detail
        if isinstance(exc, NotFound):
            reason = f"There is no incident {merge_into!r} you may merge into."
        return _item_page(
            request,
            db,
            actor,
            item,
            typed=typed,
            errors={where: reason},
            status_code=422 if exc.status == 404 else exc.status,
        )
    following = db.scalar(service.review_queue(actor).limit(1))
    target = f"/review/{following.id}" if following is not None else "/review"
    return redirect(f"{target}?decided={incident_id}")
