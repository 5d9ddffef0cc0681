"""The audit trail for auditors: search it, read each event in words, verify the chain, and
ask who knew a movement's route and times before it left.

Searching uses audit.service.event_query and verifying audit.verification.verify, as
GET /api/v1/audit/events and /verify do; who-knew is movements.whoknew.report, which records
the asking as the API does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit import verification
from jsms.audit.models import AuditEvent
from jsms.deps import Db, require
from jsms.errors import NotFound
from jsms.identity.policy import Actor
from jsms.movements import service as movements
from jsms.movements import whoknew
from jsms.movements.models import Movement
from jsms.pagination import paginate
from jsms.web.pages.paging import page_links
from jsms.web.ui import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
OUTCOMES = [("", "any outcome")] + [(o, o) for o in ("ok", "refused", "denied", "failed")]
# What an event means, in words; writes are "created/changed/deleted a <kind>".
ACTIONS = {
    "access.denied": "was refused a request",
    "auth.login": "logged in",
    "auth.login.failed": "failed to log in",
    "auth.logout": "logged out",
    "person.pii.read": "read a person's personal data",
    "movement.read": "asked for a movement",
    "movement.details.read": "read a movement's route and times",
    "movement.order.read": "took a copy of a movement order",
    "movement.who_knew": "asked who knew of a movement",
    "leak.trace": "traced a leaked order",
    "audit.accept_head": "accepted the audit trail's head",
}
VERBS = {"create": "created", "update": "changed", "delete": "deleted"}


def describe(event: AuditEvent) -> str:
    """An event's action as a reader says it."""
    if event.action in ACTIONS:
        return ACTIONS[event.action]
    kind, _, verb = event.action.rpartition(".")
    if verb in VERBS:
        return f"{VERBS[verb]} a {kind.replace('_', ' ')}"
    return event.action


def readable(value: Any) -> str:
    """A detail value as text: lists joined, nested objects as 'key: value'."""
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    return "-" if value is None else str(value)


def _day(value: str, field: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = "give a date as YYYY-MM-DD"
        return None


SEARCH_FIELDS = ("action", "actor", "object_type", "object_id", "outcome", "since", "until")


@router.get("/audit")
def search(
    request: Request, db: Db, actor: Annotated[Actor, require("audit.read")], page: int = 1
) -> Response:
    """Events newest first, narrowed by any of the filters; dates are whole UTC days."""
    values = {k: request.query_params.get(k, "").strip()[:64] for k in SEARCH_FIELDS}
    errors: dict[str, str] = {}
    since = _day(values["since"], "since", errors)
    until = _day(values["until"], "until", errors)
    if since and until and until < since:
        errors["until"] = "the last day comes before the first"
    if values["outcome"] not in dict(OUTCOMES):
        errors["outcome"] = "choose one of the outcomes listed"
    rows: list[AuditEvent] = []
    total = 0
    page = max(1, min(page, 100_000))
    if not errors:
        stmt = audit.event_query(
            actor_name=values["actor"] or None,
            action=values["action"] or None,
            object_type=values["object_type"] or None,
            object_id=values["object_id"] or None,
            outcome=values["outcome"] or None,
            since=datetime.combine(since, time(), UTC) if since else None,
            until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        )
        rows, total = paginate(db, stmt, page, PER_PAGE)
    return render(
        request,
        db,
        "audit/events.html",
        {
            "events": rows,
            "links": page_links(request, total, page, PER_PAGE),
            "values": values,
            "errors": errors,
            "outcomes": OUTCOMES,
            "known_actions": db.scalars(select(AuditEvent.action).distinct().order_by("action")),
            "known_types": db.scalars(
                select(AuditEvent.object_type).distinct().order_by("object_type")
            ),
            "describe": describe,
            "readable": readable,
        },
        status_code=422 if errors else 200,
    )


@router.get("/audit/verify")
def verify(request: Request, db: Db, actor: Annotated[Actor, require("audit.read")]) -> Response:
    """Re-check every event's hash and the head, as `jsms audit verify` and the API do."""
    checked, broken = verification.verify(db)
    return render(request, db, "audit/verify.html", {"checked": checked, "broken": broken})


# Who knew ------------------------------------------------------------------------------------


def _find_movement(db: Session, name: str) -> Movement | None:
    """A movement by its reference (as people say it) or its id."""
    stmt = select(Movement).where(or_(Movement.reference == name.upper(), Movement.id == name))
    return db.scalar(stmt)


@router.get("/audit/who-knew")
def who_knew(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("movement.who_knew")],
    movement: str = "",
) -> Response:
    """Everyone who read a movement's route, times or order before it left."""
    name = movement.strip()[:64]
    errors: dict[str, str] = {}
    found = knowers = None
    if name:
        candidate = _find_movement(db, name)
        try:
            if candidate is None:
                raise NotFound(f"no movement {name}")
            found, knowers = whoknew.report(db, actor, candidate.id)
        except NotFound:
            errors["movement"] = f"no movement {name} that you may see; give its reference"
    recent = db.scalars(
        movements.candidate_query(actor).with_only_columns(Movement.reference).limit(50)
    )
    return render(
        request,
        db,
        "audit/who_knew.html",
        {
            "name": name,
            "movement": found,
            "knowers": knowers,
            "errors": errors,
            "recent": list(recent),
        },
        status_code=404 if errors else 200,
    )
