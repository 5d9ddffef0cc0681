"""Alerts over HTTP: the list and one alert with its timeline and CAP message, acknowledge,
resolve, escalate; and the contact points of the control rooms. Need-to-know lives in the
service (jsms.alerts.service, jsms.alerts.access)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from sqlalchemy import select

from jsms.alerts import contacts, service
from jsms.alerts.cap import Addressed, to_cap
from jsms.alerts.channels.settings import channel_settings
from jsms.alerts.models import Alert, ContactPoint
from jsms.alerts.rollcall_api import router as rollcall_router
from jsms.alerts.schemas import (
    AckIn,
    AlertDetail,
    AlertOut,
    ContactPointIn,
    ContactPointOut,
    ContactPointPatch,
    ResolveIn,
)
from jsms.deps import Db, Paging, require
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.movements.models import Movement
from jsms.pagination import Page, page_of

router = APIRouter(prefix="/api/v1", tags=["alerts"])
CAP_MEDIA = "application/cap+xml"


@router.get("/alerts", response_model=Page[AlertOut])
def list_alerts(
    db: Db,
    paging: Paging,
    actor: Annotated[Actor, require("alert.read")],
    status: str | None = None,
    kind: str | None = None,
    movement_id: str | None = None,
) -> Page[AlertOut]:
    """Alerts for your agency you may see, newest first (filters: status, kind, movement)."""
    found = service.list_alerts(db, actor, status=status, kind=kind, movement_id=movement_id)
    return page_of([AlertOut.model_validate(a) for a in found], paging.page, paging.per_page)


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: str, db: Db, actor: Annotated[Actor, require("alert.read")]) -> AlertDetail:
    """One alert with its timeline (audited)."""
    return AlertDetail.model_validate(service.get_alert(db, actor, alert_id))


def cap_of(db: Db, alert: Alert) -> str:
    names = list(
        db.scalars(
            select(Agency.short_name)
            .where(Agency.id.in_(alert.agency_ids))
            .order_by(Agency.short_name)
        )
    )
    movement = db.get(Movement, alert.movement_id) if alert.movement_id else None
    sender = channel_settings().cap_sender
    return to_cap(alert, Addressed(names, movement.reference if movement else None, sender))


@router.get(
    "/alerts/{alert_id}/cap",
    response_class=Response,
    responses={200: {"content": {CAP_MEDIA: {}}, "description": "CAP 1.2 XML"}},
)
def get_cap(alert_id: str, db: Db, actor: Annotated[Actor, require("alert.read")]) -> Response:
    """The alert as a CAP 1.2 message (Alert, Update or Cancel as it stands)."""
    alert = service.get_alert(db, actor, alert_id)
    return Response(cap_of(db, alert), media_type=CAP_MEDIA)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertDetail)
def acknowledge(
    alert_id: str, body: AckIn, db: Db, actor: Annotated[Actor, require("alert.act")]
) -> AlertDetail:
    """I have it: the alert stops climbing its escalation ladder."""
    return AlertDetail.model_validate(service.acknowledge(db, actor, alert_id, body.note))


@router.post("/alerts/{alert_id}/resolve", response_model=AlertDetail)
def resolve(
    alert_id: str, body: ResolveIn, db: Db, actor: Annotated[Actor, require("alert.act")]
) -> AlertDetail:
    """Dealt with, with a note of how."""
    return AlertDetail.model_validate(service.resolve(db, actor, alert_id, body.note))


@router.post("/alerts/{alert_id}/escalate", response_model=AlertDetail)
def escalate(
    alert_id: str, body: AckIn, db: Db, actor: Annotated[Actor, require("alert.act")]
) -> AlertDetail:
    """The next step of the ladder now (its contact points are notified)."""
    return AlertDetail.model_validate(service.escalate(db, actor, alert_id, body.note))


def _point_out(point: ContactPoint) -> ContactPointOut:
    return ContactPointOut(
        id=point.id,
        agency_id=point.agency_id,
        channel=point.channel,
        target=point.target,
        min_severity=point.min_severity,
        from_step=point.from_step,
        active=point.active,
        has_secret=bool(point.secret_enc),
    )


@router.get("/contact-points", response_model=list[ContactPointOut])
def list_points(
    db: Db, actor: Annotated[Actor, require("contact_point.manage")]
) -> list[ContactPointOut]:
    """Your agency's contact points (admins: every agency's)."""
    return [_point_out(p) for p in db.scalars(contacts.point_query(actor))]


@router.post("/contact-points", response_model=ContactPointOut, status_code=201)
def create_point(
    body: ContactPointIn, db: Db, actor: Annotated[Actor, require("contact_point.manage")]
) -> ContactPointOut:
    """A webhook, e-mail address or SMS number that hears of alerts from a step up."""
    return _point_out(contacts.create_point(db, actor, **body.model_dump()))


@router.get("/contact-points/{point_id}", response_model=ContactPointOut)
def get_point(
    point_id: str, db: Db, actor: Annotated[Actor, require("contact_point.manage")]
) -> ContactPointOut:
    return _point_out(contacts.get_point(db, actor, point_id))


@router.patch("/contact-points/{point_id}", response_model=ContactPointOut)
def update_point(
    point_id: str,
    body: ContactPointPatch,
    db: Db,
    actor: Annotated[Actor, require("contact_point.manage")],
) -> ContactPointOut:
    changes = body.model_dump(exclude_unset=True)
    return _point_out(contacts.update_point(db, actor, point_id, **changes))


@router.delete("/contact-points/{point_id}", status_code=204)
def delete_point(
    point_id: str, db: Db, actor: Annotated[Actor, require("contact_point.manage")]
) -> Response:
    """Switch it off (kept, since notifications already sent name it)."""
    contacts.delete_point(db, actor, point_id)
    return Response(status_code=204)


router.include_router(rollcall_router)
