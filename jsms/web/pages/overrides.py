"""Analysts' threat-level overrides: those in force, those to come and those expired, each
with its reason and time left; analysts set a new one for a province or district (through
`threat.service.create_override`, as POST /api/v1/threat/overrides does; the write is audited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.identity.policy import Actor, can
from jsms.threat import risk, service
from jsms.threat.models import ThreatOverride
from jsms.threat.schemas import OverrideIn
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

EXPIRED_SHOWN = 50
BLANK = {
    "area_kind": "province",
    "area": "",
    "level": "",
    "reason": "",
    "starts_at": "",
    "expires_at": "",
}


def span(delta: timedelta) -> str:
    """A duration as a person says it: '3 days 4 h', '5 h 20 min', '12 min'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' * (days != 1)}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def _grouped(db: Session, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """In force (soonest to expire first), starting later, and the latest expired."""
    live = service.override_query().where(ThreatOverride.expires_at > now)
    gone = service.override_query().where(ThreatOverride.expires_at <= now).limit(EXPIRED_SHOWN)
    groups: dict[str, list[dict[str, Any]]] = {"in_force": [], "future": [], "expired": []}
    for o in db.scalars(live):
        if o.starts_at > now:
            groups["future"].append({"o": o, "when": f"starts in {span(o.starts_at - now)}"})
        else:
            groups["in_force"].append({"o": o, "when": f"{span(o.expires_at - now)} left"})
    groups["expired"] = [
        {"o": o, "when": f"expired {span(now - o.expires_at)} ago"} for o in db.scalars(gone)
    ]
    groups["in_force"].sort(key=lambda row: row["o"].expires_at)
    groups["future"].sort(key=lambda row: row["o"].starts_at)
    return groups


def _page(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    done = request.query_params.get("done") == "created"
    return render(
        request,
        db,
        "threat/overrides.html",
        {
            "groups": _grouped(db, utcnow()),
            "level_names": risk.THREAT_LEVELS,
            "may_override": can(actor, "risk.override"),
            "provinces": service.area_names(db, "province"),
            "districts": service.area_names(db, "district"),
            "typed": typed or BLANK,
            "errors": errors or {},
            "flashes": ["Override saved; it applies to every level look-up from its start."]
            if done
            else [],
        },
        status_code=status_code,
    )


@router.get("/overrides")
def overrides(request: Request, db: Db, actor: Annotated[Actor, require("risk.read")]) -> Response:
    return _page(request, db, actor)


def _utc(text: str) -> str | None:
    """A datetime-local field ('2026-12-08T10:00') read as UTC; anything else is passed on
    as typed so that the schema names what is wrong with it."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _reasons(exc: DomainError) -> dict[str, str]:
    """A service refusal's reasons by field, or one for the whole form."""
    named = {e["field"]: e["reason"] for e in exc.extra.get("errors", []) if "field" in e}
    return named or {"form": exc.detail}


@router.post("/overrides", dependencies=[Depends(check_csrf)])
def create_override(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("risk.override")],
    area_kind: Annotated[str, Form(max_length=10)] = "",
    area: Annotated[str, Form(max_length=120)] = "",
    level: Annotated[str, Form(max_length=2)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    expires_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    typed = {
        "area_kind": area_kind,
        "area": area,
        "level": level,
        "reason": reason,
        "starts_at": starts_at,
        "expires_at": expires_at,
    }
    if area_kind == "cell":  # cells are set on the map or through the API, not by name here
        return _page(
            request,
            db,
            actor,
            typed=typed,
            errors={"area_kind": "Choose a province or a district."},
            status_code=422,
        )
    try:
        body = OverrideIn.model_validate(
            {
                "area_kind": area_kind,
                "area": area,
                "level": level or None,
                "reason": reason.strip(),
                "starts_at": _utc(starts_at),
                "expires_at": _utc(expires_at),
            }
        )
        made: ThreatOverride = service.create_override(db, actor, **body.model_dump())
    except ValidationError as exc:
        return _page(request, db, actor, typed=typed, errors=field_errors(exc), status_code=422)
    except DomainError as exc:
        if exc.status == 403:
            raise
        db.rollback()
        return _page(request, db, actor, typed=typed, errors=_reasons(exc), status_code=exc.status)
    return redirect(f"/overrides?done=created#o-{made.id}")
