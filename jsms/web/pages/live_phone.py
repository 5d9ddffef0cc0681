"""The phone view's live part: check in with a code, press SOS (after a confirm step), and
answer an open roll call ("I am safe" / "I need help"); and set one's check-in and duress
codes. The same services as the API (jsms.tracking.checkins, jsms.tracking.sos,
jsms.alerts.rollcall).

A duress code gives exactly the page a normal code gives: the service answers the same
receipt, and the page is built from the receipt alone (the same redirect, the same flash).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.db import utcnow
from jsms.deps import Db, require
from jsms.errors import AccountLocked, Conflict, Forbidden, Invalid, NotFound
from jsms.identity.policy import Actor, can
from jsms.tracking import checkins, sos
from jsms.web.ui import check_csrf, redirect, render

router = APIRouter(include_in_schema=False)

ANSWERS = {"safe": "I am safe", "need_help": "I need help"}
SAID = {
    "safe": "Thank you: the control room knows you are safe.",
    "need_help": "The control room has been told you need help. Stay where you can be found.",
}


def live_panel(db: Session, actor: Actor) -> dict[str, Any]:
    """What the phone's live cards need: roll calls asking this person, and whether they may
    check in (and have set their codes) and press SOS."""
    asking = rollcall.asking(db, actor.person_id) if actor.person_id else []
    may_check_in = can(actor, "checkin.write")
    return {
        "asking": [t for t in asking if can(actor, "rollcall.answer")],
        "may_check_in": may_check_in,
        "has_codes": may_check_in and checkins.has_pins(db, actor.user_id),
        "check_in_errors": {},
    }


def flashes_of(request: Request) -> list[str]:
    """The messages after a check-in, an SOS or an answer (the same words for every code)."""
    query = request.query_params
    messages = []
    if query.get("checked_in"):
        messages.append(f"Checked in at {query['checked_in'][:40]}.")
    if query.get("sos"):
        messages.append(f"SOS sent at {query['sos'][:40]}. The control rooms have it.")
    if query.get("answered") in SAID:
        messages.append(SAID[query["answered"]])
    if query.get("codes") == "set":
        messages.append("Your check-in code and duress code are set.")
    return messages


def _phone_page(
    request: Request, db: Session, actor: Actor, extra: dict[str, Any], status: int
) -> Response:
    from jsms.web.pages.phone import home  # the phone page imports this module

    return home(request, db, actor, extra, status)


@router.post("/phone/check-in", dependencies=[Depends(check_csrf)])
def check_in(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("checkin.write")],
    pin: Annotated[str, Form()] = "",
    movement_id: Annotated[str, Form()] = "",
) -> Response:
    """All well, with the person's code; a wrong code is refused beside the field."""
    try:
        receipt = checkins.check_in(
            db, actor, pin=pin[:32], channel="web", movement_id=movement_id[:36] or None
        )
    except (Forbidden, AccountLocked, Conflict, Invalid, NotFound) as exc:
        db.rollback()
        errors = {"pin": exc.detail}
        return _phone_page(request, db, actor, {"check_in_errors": errors}, exc.status)
    on = f" for {receipt.movement_reference}" if receipt.movement_reference else ""
    return redirect(f"/phone?checked_in={quote(f'{receipt.at:%H:%M} UTC{on}')}#check-in")


@router.get("/phone/sos")
def sos_confirm(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("checkin.write")],
    movement_id: str = "",
) -> Response:
    """The confirm step: one more press sends it."""
    return render(request, db, "phone/sos.html", {"nav": [], "movement_id": movement_id[:36]})


@router.post("/phone/sos", dependencies=[Depends(check_csrf)])
def sos_send(
    db: Db,
    actor: Annotated[Actor, require("checkin.write")],
    movement_id: Annotated[str, Form()] = "",
) -> Response:
    """The SOS alert (one per episode however often it is pressed)."""
    sos.press_sos(db, actor, movement_id[:36] or None)
    return redirect(f"/phone?sos={quote(f'{utcnow():%H:%M} UTC')}")


@router.post("/phone/roll-calls/{roll_call_id}/answer", dependencies=[Depends(check_csrf)])
def answer_roll_call(
    roll_call_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("rollcall.answer")],
    status: Annotated[str, Form()] = "",
) -> Response:
    try:
        target = rollcall.answer_for(db, actor, roll_call_id, status[:20], "web")
    except (Invalid, Conflict) as exc:
        db.rollback()
        context = {"answer_errors": {roll_call_id: exc.detail}}
        return _phone_page(request, db, actor, context, exc.status)
    return redirect(f"/phone?answered={target.status}")


@router.get("/phone/codes")
def codes_form(
    request: Request, db: Db, actor: Annotated[Actor, require("checkin.write")]
) -> Response:
    has = checkins.has_pins(db, actor.user_id)
    return render(request, db, "phone/codes.html", {"nav": [], "errors": {}, "has_codes": has})


@router.post("/phone/codes", dependencies=[Depends(check_csrf)])
def codes_set(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("checkin.write")],
    checkin_pin: Annotated[str, Form()] = "",
    duress_pin: Annotated[str, Form()] = "",
) -> Response:
    """Both codes at once (4-8 digits, different); a refusal is told beside its field."""
    try:
        checkins.set_pins(db, actor, checkin_pin[:32], duress_pin[:32])
    except Invalid as exc:
        db.rollback()
        errors = {e["field"]: e["reason"] for e in exc.extra.get("errors", [])}
        has = checkins.has_pins(db, actor.user_id)
        context = {"nav": [], "errors": errors or {"form": exc.detail}, "has_codes": has}
        return render(request, db, "phone/codes.html", context, status_code=422)
    return redirect("/phone?codes=set")
