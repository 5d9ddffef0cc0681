"""Alerts in the control room: the list, one alert with its timeline, and acknowledge, resolve
(with a note) and escalate as forms that work without JavaScript. The same service calls,
need-to-know and audit as /api/v1/alerts (jsms.alerts.service)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import service
from jsms.alerts.findings import KINDS
from jsms.alerts.models import Alert
from jsms.alerts.schemas import AckIn, ResolveIn
from jsms.deps import Db, require
from jsms.errors import Conflict
from jsms.identity.policy import Actor, can
from jsms.movements import service as movements
from jsms.movements.models import Movement
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
STATUSES = (("open", "Open"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved"),
            ("", "Any status"))  # fmt: skip
DONE = {
    "acknowledged": "Acknowledged: it stops climbing its escalation ladder.",
    "resolved": "Resolved, with your note on its timeline.",
    "escalated": "Escalated: the next step's contact points are being notified.",
}


@dataclass(frozen=True)
class AlertRow:
    """An alert as the panel shows it: the movement by reference, whether the reader may act,
    and whether they may see where it happened (route detail)."""

    alert: Alert
    reference: str | None
    may_act: bool
    placed: bool

    @property
    def kind_words(self) -> str:
        return KINDS.get(self.alert.kind, self.alert.kind)


def rows_of(db: Session, actor: Actor, found: list[Alert]) -> list[AlertRow]:
    """Most severe first, then newest; each with what the reader may do and see."""
    ids = {a.movement_id for a in found if a.movement_id}
    moved = {m.id: m for m in db.scalars(select(Movement).where(Movement.id.in_(ids)))}
    known = movements.directory(db) if moved else None
    details = {m.id: movements.visible_to(db, actor, m, known).details for m in moved.values()}
    ordered = sorted(
        found, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), -a.opened_at.timestamp())
    )
    may_act = can(actor, "alert.act")
    return [
        AlertRow(
            alert=a,
            reference=moved[a.movement_id].reference if a.movement_id in moved else None,
            may_act=may_act and a.status in service.OPEN,
            placed=a.movement_id is None or details.get(a.movement_id or "", False),
        )
        for a in ordered
    ]


def open_alerts(db: Session, actor: Actor) -> list[AlertRow]:
    """Open and acknowledged alerts the reader may see (the listing is audited)."""
    found = service.list_alerts(db, actor, limit=300)
    return rows_of(db, actor, [a for a in found if a.status in service.OPEN])


@router.get("/alerts")
def alert_list(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("alert.read")],
    status: str = "open",
    kind: str = "",
) -> Response:
    status = status if status in dict(STATUSES) else "open"
    kind = kind if kind in KINDS else ""
    found = service.list_alerts(db, actor, status=status or None, kind=kind or None)
    return render(
        request,
        db,
        "alerts/list.html",
        {
            "rows": rows_of(db, actor, found),
            "status": status,
            "kind": kind,
            "statuses": STATUSES,
            "kinds": [("", "Any kind")] + [(k, f"{k.replace('_', ' ')}") for k in KINDS],
        },
    )


def _page(
    request: Request,
    db: Session,
    actor: Actor,
    alert: Alert,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    row = rows_of(db, actor, [alert])[0]
    done = DONE.get(request.query_params.get("done", ""))
    return render(
        request,
        db,
        "alerts/detail.html",
        {
            "row": row,
            "alert": alert,
            "errors": errors or {},
            "typed": typed or {},
            "flashes": [done] if done and not errors else [],
        },
        status_code=status_code,
    )


@router.get("/alerts/{alert_id}")
def alert_page(
    alert_id: str, request: Request, db: Db, actor: Annotated[Actor, require("alert.read")]
) -> Response:
    """One alert with its timeline (audited as alert.read, as the API does)."""
    return _page(request, db, actor, service.get_alert(db, actor, alert_id))


def _back(next_page: str, alert_id: str, done: str) -> Response:
    """Back where the button was pressed (the dashboard or the alert page)."""
    target = next_page if next_page in ("/live", "/alerts") else f"/alerts/{alert_id}"
    return redirect(f"{target}?done={done}")


def _act(
    request: Request,
    db: Session,
    actor: Actor,
    alert_id: str,
    action: str,
    note: str,
    next_page: str,
) -> Response:
    try:
        if action == "resolve":
            body = ResolveIn.model_validate({"note": note})
            service.resolve(db, actor, alert_id, body.note)
        else:
            checked = AckIn.model_validate({"note": note})
            step = service.acknowledge if action == "acknowledge" else service.escalate
            step(db, actor, alert_id, checked.note)
    except ValidationError as exc:
        db.rollback()
        alert = service.get_alert(db, actor, alert_id, audited=False)
        errors = {f"{action}_note": field_errors(exc).get("note", "check the note")}
        return _page(request, db, actor, alert, errors, {f"{action}_note": note}, 422)
    except Conflict as exc:
        db.rollback()
        alert = service.get_alert(db, actor, alert_id, audited=False)
        return _page(request, db, actor, alert, {"form": exc.detail}, {}, 409)
    return _back(next_page, alert_id, f"{action}d")  # acknowledged, resolved, escalated


Note = Annotated[str, Form()]  # its limit is the API's (AckIn, ResolveIn), told beside it
Next = Annotated[str, Form(max_length=100)]


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge(
    alert_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("alert.act")],
    note: Note = "",
    next: Next = "",
) -> Response:
    return _act(request, db, actor, alert_id, "acknowledge", note, next)


@router.post("/alerts/{alert_id}/resolve", dependencies=[Depends(check_csrf)])
def resolve(
    alert_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("alert.act")],
    note: Note = "",
    next: Next = "",
) -> Response:
    return _act(request, db, actor, alert_id, "resolve", note, next)


@router.post("/alerts/{alert_id}/escalate", dependencies=[Depends(check_csrf)])
def escalate(
    alert_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("alert.act")],
    note: Note = "",
    next: Next = "",
) -> Response:
    return _act(request, db, actor, alert_id, "escalate", note, next)


def flash_of(done: str) -> list[Any]:
    """The flash for `?done=` after an alert action (for the dashboard)."""
    message = DONE.get(done)
    return [message] if message else []
