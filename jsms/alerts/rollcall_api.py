"""Roll calls over HTTP, and the SMS gateway's inbound texts."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall, sms_inbound
from jsms.alerts.channels.settings import channel_settings
from jsms.alerts.models import RollCall, RollCallTarget
from jsms.alerts.schemas import (
    AnswerIn,
    AskingOut,
    RollCallDetail,
    RollCallIn,
    RollCallOut,
    RollCallTargetOut,
    SmsIn,
    SmsReply,
)
from jsms.deps import Db, require
from jsms.errors import Unauthorized
from jsms.identity.policy import Actor
from jsms.registry.models import ProtectedPerson

router = APIRouter(tags=["alerts"])


def _out(db: Session, actor: Actor, roll_call: RollCall) -> RollCallOut:
    targets = rollcall.visible_targets(db, actor, roll_call)
    return RollCallOut.model_validate({**_fields(roll_call), "counts": rollcall.counts(targets)})


def _fields(roll_call: RollCall) -> dict[str, object]:
    return {name: getattr(roll_call, name) for name in RollCallOut.model_fields if name != "counts"}


def _target_out(target: RollCallTarget, names: dict[str, str]) -> RollCallTargetOut:
    return RollCallTargetOut(
        person_id=target.person_id,
        full_name=names.get(target.person_id, ""),
        movement_id=target.movement_id,
        why=target.why,
        status=target.status,
        answered_at=target.answered_at,
        channel=target.channel,
        escalated=target.escalated,
        sms_status=target.sms_status,
    )


def _detail(db: Session, actor: Actor, roll_call: RollCall) -> RollCallDetail:
    targets = rollcall.visible_targets(db, actor, roll_call)
    names = dict(
        db.execute(
            select(ProtectedPerson.id, ProtectedPerson.full_name).where(
                ProtectedPerson.id.in_([t.person_id for t in targets])
            )
        ).all()
    )
    return RollCallDetail.model_validate(
        {
            **_fields(roll_call),
            "counts": rollcall.counts(targets),
            "targets": [_target_out(t, names) for t in targets],
        }
    )


@router.get("/roll-calls", response_model=list[RollCallOut])
def list_roll_calls(
    db: Db, actor: Annotated[Actor, require("rollcall.read")], open_only: bool = False
) -> list[RollCallOut]:
    """Roll calls, newest first, with counts of the persons you may know about."""
    stmt = select(RollCall).order_by(RollCall.started_at.desc()).limit(200)
    if open_only:
        stmt = stmt.where(RollCall.closed_at.is_(None))
    return [_out(db, actor, r) for r in db.scalars(stmt)]


@router.post("/roll-calls", response_model=RollCallDetail, status_code=201)
def start_roll_call(
    body: RollCallIn, db: Db, actor: Annotated[Actor, require("rollcall.start")]
) -> RollCallDetail:
    """Ask everyone near an incident (or a point) whether they are safe."""
    roll_call = rollcall.start(
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
    return _detail(db, actor, roll_call)


@router.get("/roll-calls/asking-me", response_model=list[AskingOut])
def asking_me(db: Db, actor: Annotated[Actor, require("rollcall.answer")]) -> list[AskingOut]:
    """Open roll calls waiting for your answer."""
    waiting = rollcall.asking(db, actor.person_id or "")
    return [
        AskingOut(
            roll_call_id=t.roll_call_id, title=t.roll_call.title, started_at=t.roll_call.started_at
        )
        for t in waiting
    ]


@router.get("/roll-calls/{roll_call_id}", response_model=RollCallDetail)
def get_roll_call(
    roll_call_id: str, db: Db, actor: Annotated[Actor, require("rollcall.read")]
) -> RollCallDetail:
    """Who was asked, why, and their answers (persons you may know about)."""
    return _detail(db, actor, rollcall.get(db, roll_call_id))


@router.post("/roll-calls/{roll_call_id}/close", response_model=RollCallDetail)
def close_roll_call(
    roll_call_id: str, db: Db, actor: Annotated[Actor, require("rollcall.start")]
) -> RollCallDetail:
    return _detail(db, actor, rollcall.close(db, roll_call_id))


@router.post("/roll-calls/{roll_call_id}/answer", response_model=RollCallTargetOut)
def answer(
    roll_call_id: str,
    body: AnswerIn,
    db: Db,
    actor: Annotated[Actor, require("rollcall.answer")],
) -> RollCallTargetOut:
    """Your own answer: safe, or need help (which alerts the control rooms at once)."""
    target = rollcall.answer_for(db, actor, roll_call_id, body.status, body.channel)
    return _target_out(target, {})


@router.post(
    "/sms/inbound",
    response_model=SmsReply,
    openapi_extra={"x-permission": "public"},
)
def sms_in(
    body: SmsIn,
    db: Db,
    x_gateway_token: Annotated[str, Header()] = "",
) -> SmsReply:
    """For the SMS gateway: a text received (SAFE, HELP, OK <code>); answers the reply to
    send back. The gateway proves itself with `X-Gateway-Token` (JSMS_SMS_INBOUND_TOKEN)."""
    expected = channel_settings().sms_inbound_token
    if not expected or not hmac.compare_digest(expected, x_gateway_token):
        raise Unauthorized("wrong or missing gateway token")
    db.info["actor"] = "sms-gateway"
    return SmsReply(reply=sms_inbound.handle(db, body.sender, body.body))
