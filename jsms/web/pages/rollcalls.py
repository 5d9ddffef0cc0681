"""Roll calls in the control room: start one for an incident or a point picked on the map
(with a radius), follow every person asked (status, channel, time, the non-responders
marked) with live counts, close it. The same schema and service calls as /api/v1/roll-calls;
persons appear only as `rollcall.visible_targets` allows (a company: its own staff)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from jsms.alerts import rollcall
from jsms.alerts.models import RollCall, RollCallTarget
from jsms.alerts.schemas import RollCallIn
from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.deps import Db, require
from jsms.errors import Conflict, Invalid, NotFound
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.movements.models import Movement
from jsms.registry.models import ProtectedPerson
from jsms.threat.models import Incident
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

FIELDS = ("incident_id", "lat", "lon", "radius_km", "title", "answer_within_min", "sms")
BLANK = {"incident_id": "", "lat": "", "lon": "", "radius_km": "10", "title": "",
         "answer_within_min": "15", "sms": "on"}  # fmt: skip
DONE = {"started": "Roll call started: everyone listed is being asked.", "closed": "Closed."}


@dataclass(frozen=True)
class TargetRow:
    target: RollCallTarget
    name: str
    reference: str | None
    overdue: bool  # silent past the deadline: the row the control room must chase


def _names(db: Session, targets: list[RollCallTarget]) -> dict[str, str]:
    ids = [t.person_id for t in targets]
    return dict(
        db.execute(
            select(ProtectedPerson.id, ProtectedPerson.full_name).where(ProtectedPerson.id.in_(ids))
        ).all()
    )


def target_rows(db: Session, actor: Actor, roll_call: RollCall) -> list[TargetRow]:
    """Every person asked that the reader may know about; silence past the deadline first."""
    targets = rollcall.visible_targets(db, actor, roll_call)
    names = _names(db, targets)
    ids = {t.movement_id for t in targets if t.movement_id}
    references = dict(
        db.execute(select(Movement.id, Movement.reference).where(Movement.id.in_(ids))).all()
    )
    now = utcnow()
    rows = [
        TargetRow(
            target=t,
            name=names.get(t.person_id, "a protected person"),
            reference=references.get(t.movement_id or ""),
            overdue=t.status == "pending" and now >= roll_call.escalate_at,
        )
        for t in targets
    ]
    order = {"need_help": 0, "pending": 1, "safe": 2}
    rows.sort(key=lambda r: (not r.overdue, order.get(r.target.status, 3), r.name))
    return rows


@router.get("/roll-calls")
def roll_call_list(
    request: Request, db: Db, actor: Annotated[Actor, require("rollcall.read")]
) -> Response:
    """Roll calls, newest first, counted over the persons the reader may know about."""
    stmt = select(RollCall).order_by(RollCall.started_at.desc()).limit(100)
    rows = []
    for roll_call in db.scalars(stmt):
        targets = rollcall.visible_targets(db, actor, roll_call)
        rows.append({"roll_call": roll_call, "counts": rollcall.counts(targets)})
    return render(
        request,
        db,
        "rollcalls/list.html",
        {"rows": rows, "may_start": can(actor, "rollcall.start")},
    )


def _form(
    request: Request,
    db: Session,
    typed: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    incident = db.get(Incident, typed["incident_id"]) if typed["incident_id"] else None
    center = [incident.lat, incident.lon] if incident and incident.lat is not None else None
    return render(
        request,
        db,
        "rollcalls/new.html",
        {
            "typed": typed,
            "errors": errors,
            "incident": incident,
            "map_config": {
                "pick": [{"label": "Centre", "lat": "f-lat", "lon": "f-lon"}],
                "overlays": [
                    {"name": "Sites", "url": "/map/layers/sites.geojson", "color": "#00695c"}
                ],
                "center": center or [27.5, 68.5],
                "zoom": 9 if center else 5,
                "fit": False,
            },
        },
        status_code=status_code,
    )


@router.get("/roll-calls/new")
def new_roll_call(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("rollcall.start")],
    incident_id: str = "",
) -> Response:
    typed = dict(BLANK) | {"incident_id": incident_id[:36]}
    return _form(request, db, typed, {})


async def _posted(request: Request) -> FormData:
    return await request.form()


def body_of(typed: dict[str, str]) -> dict[str, Any]:
    """The form as the API's JSON body: blanks are absent, the box ticked or not."""
    body: dict[str, Any] = {
        k: typed[k].strip().replace(",", ".") if k in ("lat", "lon", "radius_km") else typed[k]
        for k in FIELDS
        if k != "sms" and typed[k].strip()
    }
    body["sms"] = typed["sms"] == "on"
    return body


@router.post("/roll-calls", dependencies=[Depends(check_csrf)])
def start_roll_call(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("rollcall.start")],
    form: Annotated[FormData, Depends(_posted)],
) -> Response:
    typed = {name: str(form.get(name) or "")[:300] for name in FIELDS}
    try:
        body = RollCallIn.model_validate(body_of(typed))
        started = rollcall.start(
            db,
            actor,
            radius_km=body.radius_km,
            incident_id=body.incident_id,
            lat=body.lat,
            lon=body.lon,
            title=body.title,
            answer_within=timedelta(minutes=body.answer_within_min),
            sms=body.sms,
        )
    except ValidationError as exc:
        return _form(request, db, typed, field_errors(exc), 422)
    except (Invalid, NotFound) as exc:
        db.rollback()
        errors = {e["field"]: e["reason"] for e in exc.extra.get("errors", [])}
        if not errors:
            errors = {"incident_id" if isinstance(exc, NotFound) else "form": exc.detail}
        return _form(request, db, typed, errors, exc.status)
    return redirect(f"/roll-calls/{started.id}?done=started")


def _get(db: Session, actor: Actor, roll_call_id: str) -> RollCall:
    """A roll call the reader may follow: a company's staff only those asking its own people
    (to them any other does not exist)."""
    roll_call = rollcall.get(db, roll_call_id)
    if actor.side == Side.CLIENT and not rollcall.visible_targets(db, actor, roll_call):
        raise NotFound(f"no roll call {roll_call_id}")
    return roll_call


def _detail(request: Request, db: Session, actor: Actor, roll_call: RollCall) -> dict[str, Any]:
    rows = target_rows(db, actor, roll_call)
    audit.record(
        db,
        action="rollcall.read",
        object_type="roll_call",
        object_id=roll_call.id,
        detail={"persons": len(rows)},
        actor=actor,
    )
    done = DONE.get(request.query_params.get("done", ""))
    return {
        "roll_call": roll_call,
        "rows": rows,
        "counts": rollcall.counts([r.target for r in rows]),
        "overdue": sum(1 for r in rows if r.overdue),
        "may_close": can(actor, "rollcall.start") and roll_call.closed_at is None,
        "past_deadline": utcnow() >= roll_call.escalate_at,
        "flashes": [done] if done else [],
    }


@router.get("/roll-calls/{roll_call_id}")
def roll_call_page(
    roll_call_id: str, request: Request, db: Db, actor: Annotated[Actor, require("rollcall.read")]
) -> Response:
    roll_call = _get(db, actor, roll_call_id)
    context = _detail(request, db, actor, roll_call)
    return render(request, db, "rollcalls/detail.html", context)


@router.get("/roll-calls/{roll_call_id}/targets")
def roll_call_targets(
    roll_call_id: str, request: Request, db: Db, actor: Annotated[Actor, require("rollcall.read")]
) -> Response:
    """The table of persons alone, for live.js to put in place when the counts change."""
    roll_call = _get(db, actor, roll_call_id)
    context = _detail(request, db, actor, roll_call)
    return render(request, db, "rollcalls/targets.html", context)


@router.post("/roll-calls/{roll_call_id}/close", dependencies=[Depends(check_csrf)])
def close_roll_call(
    roll_call_id: str, db: Db, actor: Annotated[Actor, require("rollcall.start")]
) -> Response:
    _get(db, actor, roll_call_id)
    with contextlib.suppress(Conflict):  # closed meanwhile: the page says so
        rollcall.close(db, roll_call_id)
    return redirect(f"/roll-calls/{roll_call_id}?done=closed")
