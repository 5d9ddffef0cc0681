"""Control-room pages: the daily SITREP for the person reading it, as a page and as a PDF.

Need-to-know is applied while gathering (jsms.reports.service with the reader as actor):
the same movements, route and times the API would give this person, each plan read audited.
Each report shown or downloaded is recorded in the audit trail too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import Invalid
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.movements.sop.local_time import DEFAULT_ZONE
from jsms.reports import figures, html, service
from jsms.reports.pdf import render_pdf
from jsms.reports.schemas import DEFAULT_CUTOFF, Sitrep, SitrepRequest
from jsms.web.ui import field_errors, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=40)]


def _prepared_for(db: Session, actor: Actor) -> str:
    agency = db.get(Agency, actor.agency_id)
    return f"{actor.username} ({agency.short_name})" if agency else actor.username


def _form(date: str | None, cutoff: str | None) -> dict[str, str]:
    today = datetime.now(DEFAULT_ZONE.tz).date()
    return {
        "date": (date or "").strip() or today.isoformat(),
        "cutoff": (cutoff or "").strip() or DEFAULT_CUTOFF.strftime("%H:%M"),
    }


def _gather(
    db: Session, actor: Actor, form: dict[str, str]
) -> tuple[Sitrep | None, dict[str, str]]:
    """The report, or the reasons the form cannot give one, keyed by field."""
    try:
        asked = SitrepRequest.model_validate(form)
        return service.gather(db, actor, asked, prepared_for=_prepared_for(db, actor)), {}
    except ValidationError as exc:
        return None, field_errors(exc)
    except Invalid as exc:
        return None, {"date": exc.detail}


def _page(
    request: Request,
    db: Session,
    form: dict[str, str],
    errors: dict[str, str],
    sitrep: Sitrep | None,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "sitrep": None,
        "zone_label": DEFAULT_ZONE.label(),
    }
    if sitrep is not None:
        context.update(html.context(sitrep, figures.draw(sitrep), links=True))
    return render(request, db, "reports/sitrep.html", context, status_code=422 if errors else 200)


@router.get("/reports/sitrep")
def sitrep_page(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.read")],
    date: Text = None,
    cutoff: Text = None,
) -> Response:
    """The SITREP for a date (today by default), as this person may see it."""
    form = _form(date, cutoff)
    sitrep, errors = _gather(db, actor, form)
    if sitrep is not None:
        service.record_generation(db, sitrep, "html")
    return _page(request, db, form, errors, sitrep)


@router.get("/reports/sitrep.pdf")
def sitrep_pdf(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.read")],
    date: Text = None,
    cutoff: Text = None,
) -> Response:
    """The same report as a PDF; a bad date shows the page with the reason instead."""
    form = _form(date, cutoff)
    sitrep, errors = _gather(db, actor, form)
    if sitrep is None:
        return _page(request, db, form, errors, None)
    body = render_pdf(sitrep, figures.draw(sitrep))
    service.record_generation(db, sitrep, "pdf")
    name = f"sitrep-{sitrep.period.day.isoformat()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
