"""The ops dashboard (/live): the alert panel, roll calls with their counts and the movements
on the road with progress and ETA. Rendered whole by the server (it works without
JavaScript); static/live.js keeps it current from /live/events and fetches the alert panel
again (/live/panel/alerts) when an alert changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.alerts.models import RollCall
from jsms.db import utcnow
from jsms.deps import Db, require
from jsms.identity.policy import Actor, can
from jsms.movements import planning
from jsms.movements import service as movements
from jsms.movements.models import Movement
from jsms.movements.sop.local_time import LocalZone
from jsms.tracking import live_plans
from jsms.web.pages.alerts import flash_of, open_alerts
from jsms.web.pages.live_progress import ProgressBoard
from jsms.web.ui import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class OnTheRoad:
    """A movement on the road (or about to leave) as the dashboard lists it; `progress` only
    when its route and times are the reader's to see."""

    movement: Movement
    details: bool
    why: str
    progress: dict[str, Any] | None
    zone: LocalZone

    @property
    def eta(self) -> str | None:
        """The ETA in the movement's own zone, as its plan writes times."""
        when = (self.progress or {}).get("eta")
        return self.zone.clock(datetime.fromisoformat(when)) if when else None


def on_the_road(db: Session, actor: Actor) -> list[OnTheRoad]:
    """Movements being watched that the reader may know of; each plan view is audited."""
    now = utcnow()
    known = movements.directory(db)
    board = ProgressBoard()
    rows = []
    for movement in live_plans.movements_to_watch(db, now):
        seen = movements.visible_to(db, actor, movement, known)
        if not seen.summary:
            continue
        progress = None
        if seen.details:
            movements.read_details(db, actor, movement.id)  # audited as a plan read
            board.watch(db, movement, now)
            progress = board.changed(movement.id, now)
        zone = planning.local_zone(db, movement)
        rows.append(OnTheRoad(movement, seen.details, seen.reason, progress, zone))
    rows.sort(key=lambda r: (r.movement.status != "in_progress", r.movement.departure_at))
    return rows


@dataclass(frozen=True)
class RollCallRow:
    roll_call: RollCall
    counts: dict[str, int]
    overdue: int


def open_roll_calls(db: Session, actor: Actor) -> list[RollCallRow]:
    """Open roll calls with the counts over the persons the reader may know about."""
    now = utcnow()
    rows = []
    stmt = select(RollCall).where(RollCall.closed_at.is_(None)).order_by(RollCall.started_at.desc())
    for roll_call in db.scalars(stmt.limit(20)):
        targets = rollcall.visible_targets(db, actor, roll_call)
        overdue = sum(1 for t in targets if t.status == "pending" and now >= roll_call.escalate_at)
        rows.append(RollCallRow(roll_call, rollcall.counts(targets), overdue))
    return rows


@router.get("/live")
def dashboard(request: Request, db: Db, actor: Annotated[Actor, require("alert.read")]) -> Response:
    return render(
        request,
        db,
        "live/dashboard.html",
        {
            "alerts": open_alerts(db, actor),
            "next_page": "/live",
            "road": on_the_road(db, actor),
            "roll_calls": open_roll_calls(db, actor) if can(actor, "rollcall.read") else None,
            "may_start_roll_call": can(actor, "rollcall.start"),
            "flashes": flash_of(request.query_params.get("done", "")),
        },
    )


@router.get("/live/panel/road")
def road_panel(
    request: Request, db: Db, actor: Annotated[Actor, require("alert.read")]
) -> Response:
    """The movements on the road alone, for live.js when one starts, sets off or ends."""
    return render(request, db, "live/road_panel.html", {"road": on_the_road(db, actor)})


@router.get("/live/panel/alerts")
def alert_panel(
    request: Request, db: Db, actor: Annotated[Actor, require("alert.read")]
) -> Response:
    """The alert panel alone, for live.js to put in place of the old one."""
    context = {"alerts": open_alerts(db, actor), "next_page": "/live"}
    return render(request, db, "live/alert_panel.html", context)
