"""Incidents: the list (filtered and paged in the query) and one incident with its sources
side by side, so an analyst sees where outlets disagree on the toll. Analysts and ops officers
mark how sure the record is and who may share it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.identity.policy import Actor, can
from jsms.pagination import paginate
from jsms.threat import service
from jsms.threat.models import Incident
from jsms.threat.osint.types import ATTACK_TYPES
from jsms.threat.schemas import AttackType, MarkIn, Tlp, Verification
from jsms.threat.search import IncidentFilter, incident_choices, incident_search, related_incidents
from jsms.web.pages import incident_form
from jsms.web.pages.paging import PER_PAGE, page_links
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)
# The form's /incidents/new must be matched before /incidents/{incident_id}.
router.include_router(incident_form.router)

REVIEW_STATES = ("accepted", "pending", "rejected", "merged")
DONE = {"marked": "Marking saved.", "logged": "Incident recorded: it is in the record now."}


class ListFilters(BaseModel):
    """The list's filter form as typed in; blank fields filter nothing."""

    since: date | None = None
    until: date | None = None
    attack_type: AttackType | None = None
    province: str | None = Field(default=None, max_length=40)
    verification: Verification | None = None
    origin: str | None = Field(default=None, max_length=12)
    review_status: str | None = Field(default=None, pattern="^(accepted|pending|rejected|merged)$")
    page: int = Field(default=1, ge=1, le=100_000)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def search(self) -> IncidentFilter:
        """Days are whole UTC days: 'until' includes its own day."""
        return IncidentFilter(
            province=self.province,
            attack_type=self.attack_type.value if self.attack_type else None,
            since=datetime.combine(self.since, time(), UTC) if self.since else None,
            until=(
                datetime.combine(self.until + timedelta(days=1), time(), UTC)
                if self.until
                else None
            ),
            review_status=self.review_status or "accepted",
            verification=self.verification.value if self.verification else None,
            origin=self.origin,
        )


def _filter_form(
    request: Request, actor: Actor
) -> tuple[dict[str, str], ListFilters | None, dict[str, str]]:
    """The filters as typed (kept in the form), parsed, and the reasons for any refused."""
    typed = {k: v for k, v in request.query_params.items() if k in ListFilters.model_fields}
    if not can(actor, "incident.review"):
        typed.pop("review_status", None)  # only analysts look past the accepted record
    try:
        return typed, ListFilters.model_validate(typed), {}
    except ValidationError as exc:
        return typed, None, field_errors(exc)


ORIGIN_NAMES = {"gtd": "GTD", "acled": "ACLED", "osint": "OSINT (news)", "curated": "curated"}


def _filter_options(db: Session, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for each filter; 'Any' first where a filter may be left open."""
    known = incident_choices(db, actor)
    anything = [("", "Any")]
    options = {
        "attack_type": anything + [(t, t.replace("_", " ")) for t in ATTACK_TYPES],
        "province": anything + [(p, p) for p in known["province"]],
        "verification": anything + [(v.value, v.value) for v in Verification],
        "origin": anything + [(o, ORIGIN_NAMES.get(o, o)) for o in known["origin"]],
        "review_status": [],
    }
    if can(actor, "incident.review"):
        options["review_status"] = [(s, s) for s in REVIEW_STATES]
    return options


@router.get("/incidents")
def incident_list(
    request: Request, db: Db, actor: Annotated[Actor, require("incident.read")]
) -> Response:
    typed, filters, errors = _filter_form(request, actor)
    rows: list[Incident] = []
    links = None
    if filters is not None:
        rows, total = paginate(db, incident_search(actor, filters.search()), filters.page, PER_PAGE)
        links = page_links(request, total, filters.page)
    return render(
        request,
        db,
        "threat/incidents.html",
        {
            "typed": typed,
            "errors": errors,
            "rows": [
                (i, service.figure_range(i, "killed"), service.figure_range(i, "injured"))
                for i in rows
            ],
            "links": links,
            "options": _filter_options(db, actor),
            "may_log": can(actor, "incident.write"),
        },
        status_code=422 if errors else 200,
    )


def _map_of(incident: Incident) -> dict[str, Any] | None:
    """The incident's place as an inline overlay for map.js (no request leaves the page)."""
    if incident.lat is None or incident.lon is None:
        return None
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [incident.lon, incident.lat]},
        "properties": {
            "title": incident.title,
            "lines": [
                ["Place", incident.place_name or "-"],
                ["Type", incident.attack_type.replace("_", " ")],
            ],
            "color": "#a3001b",
            "radius": 8,
        },
    }
    return {
        "overlays": [
            {
                "name": "Incident",
                "data": {"type": "FeatureCollection", "features": [feature]},
                "color": "#a3001b",
                "on": True,
            }
        ],
        "fit": False,
        "center": [incident.lat, incident.lon],
        "zoom": 9,
    }


def _detail(
    request: Request,
    db: Session,
    actor: Actor,
    incident: Incident,
    *,
    marking: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        db,
        "threat/incident.html",
        {
            "incident": incident,
            "killed": service.figure_range(incident, "killed"),
            "injured": service.figure_range(incident, "injured"),
            "kidnapped": service.figure_range(incident, "kidnapped"),
            "related": related_incidents(db, actor, incident),
            "map_config": _map_of(incident),
            "may_mark": can(actor, "incident.write"),
            "marking": marking or {"verification": incident.verification, "tlp": incident.tlp},
            "verifications": [v.value for v in Verification],
            "tlps": [t.value for t in Tlp],
            "errors": errors or {},
            "flashes": [DONE[done]] if (done := request.query_params.get("done")) in DONE else [],
        },
        status_code=status_code,
    )


@router.get("/incidents/{incident_id}")
def incident_page(
    incident_id: str, request: Request, db: Db, actor: Annotated[Actor, require("incident.read")]
) -> Response:
    return _detail(request, db, actor, service.get_incident(db, actor, incident_id))


@router.post("/incidents/{incident_id}/marking", dependencies=[Depends(check_csrf)])
def mark_incident(
    incident_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.write")],
    verification: Annotated[str, Form(max_length=20)] = "",
    tlp: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The same marking as PATCH /api/v1/incidents/{id}; a refused value re-renders the page."""
    typed = {"verification": verification, "tlp": tlp}
    try:
        body = MarkIn.model_validate(typed)
        service.mark_incident(
            db, actor, incident_id, verification=body.verification.value, tlp=body.tlp.value
        )
    except ValidationError as exc:
        incident = service.get_incident(db, actor, incident_id)
        return _detail(
            request, db, actor, incident, marking=typed, errors=field_errors(exc), status_code=422
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        db.rollback()
        incident = service.get_incident(db, actor, incident_id)
        return _detail(
            request,
            db,
            actor,
            incident,
            marking=typed,
            errors={"form": exc.detail},
            status_code=exc.status,
        )
    return redirect(f"/incidents/{incident_id}?done=marked")
