"""Check-ins over HTTP: set your codes, check in, and the control rooms' list per movement.

A duress check-in gets exactly the answer a normal one does (see jsms.tracking.checkins).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import Field, StringConstraints

from jsms.deps import Db, require
from jsms.identity.policy import Actor
from jsms.schemas import OutModel, StrictModel
from jsms.tracking import checkins

router = APIRouter(prefix="/api/v1", tags=["check-ins"])

Pin = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class PinsIn(StrictModel):
    checkin_pin: Pin
    duress_pin: Pin


class CheckInIn(StrictModel):
    pin: Pin
    movement_id: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    note: Annotated[str, StringConstraints(max_length=500)] = ""
    channel: str = Field(default="api", pattern=r"^(api|app)$")


class ReceiptOut(OutModel):
    id: str
    at: datetime
    movement_id: str | None
    movement_reference: str | None
    status: str = "received"


class CheckInOut(OutModel):
    id: str
    at: datetime
    kind: str
    channel: str
    user_id: str | None
    person_id: str | None
    lat: float | None
    lon: float | None
    note: str


@router.put("/check-ins/codes", status_code=204)
def set_codes(body: PinsIn, db: Db, actor: Annotated[Actor, require("checkin.write")]) -> Response:
    """Set your check-in code and your duress code (4-8 digits each, different)."""
    checkins.set_pins(db, actor, body.checkin_pin, body.duress_pin)
    return Response(status_code=204)


@router.post("/check-ins", response_model=ReceiptOut, status_code=201)
def check_in(
    body: CheckInIn, db: Db, actor: Annotated[Actor, require("checkin.write")]
) -> ReceiptOut:
    """All well, with your code (for your live movement, or the one named)."""
    receipt = checkins.check_in(
        db,
        actor,
        pin=body.pin,
        channel=body.channel,
        movement_id=body.movement_id,
        lat=body.lat,
        lon=body.lon,
        note=body.note,
    )
    return ReceiptOut(
        id=receipt.id,
        at=receipt.at,
        movement_id=receipt.movement_id,
        movement_reference=receipt.movement_reference,
    )


@router.get("/movements/{movement_id}/check-ins", response_model=list[CheckInOut])
def movement_check_ins(
    movement_id: str, db: Db, actor: Annotated[Actor, require("checkin.read")]
) -> list[CheckInOut]:
    """A movement's check-ins, duress ones named (control rooms; audited as a plan read)."""
    return [CheckInOut.model_validate(c) for c in checkins.check_ins_of(db, actor, movement_id)]
