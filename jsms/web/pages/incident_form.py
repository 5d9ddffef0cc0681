"""Logging an incident by hand (a field report) from the control room: the same schema and the
same service call as POST /api/v1/incidents; the place can be picked on the map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from jsms.deps import Db, require
from jsms.identity.policy import Actor
from jsms.threat import service
from jsms.threat.osint.types import ATTACK_TYPES
from jsms.threat.schemas import IncidentIn, Tlp, Verification
from jsms.web.ui import check_csrf, redirect, render

router = APIRouter(include_in_schema=False)

FIELDS = (
    "title", "occurred_at", "time_precision", "place_name", "lat", "lon", "province",
    "district", "attack_type", "target_type", "killed", "injured", "attackers_killed",
    "perpetrator_claimed", "perpetrator_attributed", "verification", "tlp",
    "source_outlet", "source_url", "source_published",
)  # fmt: skip
NUMBERS = ("lat", "lon", "killed", "injured", "attackers_killed")
PRECISIONS = (("day", "to the day"), ("exact", "to the minute"), ("month", "to the month"),
              ("year", "to the year"))  # fmt: skip
BLANK = {name: "" for name in FIELDS} | {"time_precision": "day", "verification": "unverified",
                                         "tlp": "green"}  # fmt: skip


def _moment(text: str) -> str | None:
    """A datetime-local or date field read as UTC; anything unreadable passes on as typed, so
    the schema names what is wrong with it."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def body_of(typed: dict[str, str]) -> dict[str, Any]:
    """The form as the API's JSON body: blanks are absent, the source is the one row given."""
    body: dict[str, Any] = {
        name: typed[name].strip()
        for name in FIELDS
        if not name.startswith("source_") and typed[name].strip()
    }
    for name in NUMBERS:
        if name in body:
            body[name] = body[name].replace(",", ".")
    if "occurred_at" in body:
        body["occurred_at"] = _moment(body["occurred_at"])
    source = {
        "outlet": typed["source_outlet"].strip(),
        "url": typed["source_url"].strip() or None,
        "published_at": _moment(typed["source_published"].strip()),
    }
    if source["outlet"] or source["url"]:
        body["sources"] = [source | {"killed": body.get("killed"), "injured": body.get("injured")}]
    return body


def _reasons(exc: ValidationError) -> dict[str, str]:
    """Each complaint beside its field; the source's fields are named source_<field>."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        name = "form"
        if loc:
            name = f"source_{loc[1]}" if loc[0] == "sources" and len(loc) > 1 else loc[0]
            if name == "source_published_at":
                name = "source_published"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(name if name in FIELDS else "form", message)
    return errors


def _form(
    request: Request,
    db: Session,
    typed: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        db,
        "threat/incident_form.html",
        {
            "typed": typed,
            "errors": errors,
            "options": {
                "time_precision": list(PRECISIONS),
                "province": [("", "Not known")]
                + [(p, p) for p in service.area_names(db, "province")],
                "attack_type": [(t, t.replace("_", " ")) for t in ATTACK_TYPES],
                "verification": [(v.value, v.value) for v in Verification],
                "tlp": [(t.value, f"TLP:{t.value.upper()}") for t in Tlp],
            },
            "map_config": {
                "pick": [{"label": "Place", "lat": "f-lat", "lon": "f-lon"}],
                "center": [30.0, 69.5],
                "zoom": 5,
                "fit": False,
            },
        },
        status_code=status_code,
    )


@router.get("/incidents/new")
def new_incident(
    request: Request, db: Db, actor: Annotated[Actor, require("incident.write")]
) -> Response:
    return _form(request, db, dict(BLANK), {})


async def _posted(request: Request) -> FormData:
    """The posted form, read in the event loop (the CSRF check has read it already)."""
    return await request.form()


@router.post("/incidents/new", dependencies=[Depends(check_csrf)])
def log_incident(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("incident.write")],
    form: Annotated[FormData, Depends(_posted)],
) -> Response:
    typed = {name: str(form.get(name) or "")[:2000] for name in FIELDS}
    try:
        incident = service.log_incident(db, IncidentIn.model_validate(body_of(typed)))
    except ValidationError as exc:
        return _form(request, db, typed, _reasons(exc), status_code=422)
    return redirect(f"/incidents/{incident.id}?done=logged")
