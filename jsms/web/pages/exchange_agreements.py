"""A partner's sharing agreement, as a form: the next version, starting from the one in
force. Every rule is the service's (jsms.exchange.agreements.problems); a refusal comes back
beside the field it concerns with the choices kept, and nothing is saved."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError
from jsms.exchange import service
from jsms.exchange.agreements import (
    DEFAULT_TYPES,
    MOVEMENT_SHARING,
    OBJECT_TYPES,
    REMOVABLE_FIELDS,
    TLP_ORDER,
)
from jsms.exchange.models import Partner
from jsms.exchange.schemas import AgreementIn
from jsms.identity.policy import Actor
from jsms.web.pages.exchange import service_errors
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)


def _form(
    request: Request,
    db: Session,
    partner: Partner,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        db,
        "exchange/agreement_form.html",
        {
            "partner": partner,
            "values": values,
            "errors": errors,
            "object_types": OBJECT_TYPES,
            "removable": REMOVABLE_FIELDS,
            "tlps": [(t, f"TLP:{t.upper()}") for t in TLP_ORDER if t != "red"],
            "movement_choices": list(MOVEMENT_SHARING.items()),
            "current": service.current_agreement(db, partner.id),
        },
        status_code=status_code,
    )


def _managed(db: Session, actor: Actor, partner_id: str) -> Partner:
    partner = service.get_partner(db, partner_id)
    service.may_manage(actor, partner)
    return partner


@router.get("/exchange/partners/{partner_id}/agreement")
def agreement_form(
    partner_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
) -> Response:
    partner = _managed(db, actor, partner_id)
    current = service.current_agreement(db, partner.id)
    values: dict[str, Any] = {
        "object_types": list(current.object_types if current else DEFAULT_TYPES),
        "max_tlp": current.max_tlp if current else "green",
        "removed_fields": list(current.removed_fields if current else []),
        "coordinate_decimals": ""
        if current is None or current.coordinate_decimals is None
        else str(current.coordinate_decimals),
        "movements": current.movements if current else "never",
        "valid_until": current.valid_until.strftime("%Y-%m-%dT%H:%M")
        if current and current.valid_until
        else "",
        "note": "",
    }
    return _form(request, db, partner, values, {})


def _in_utc(value: str) -> str:
    """A datetime-local value (no zone) read as UTC, which is what the form asks for."""
    return f"{value}Z" if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", value) else value


@router.post("/exchange/partners/{partner_id}/agreement", dependencies=[Depends(check_csrf)])
async def agreement_save(
    partner_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
) -> Response:
    partner = _managed(db, actor, partner_id)
    form = await request.form()
    values: dict[str, Any] = {
        "object_types": [str(v) for v in form.getlist("object_types")][:10],
        "removed_fields": [str(v) for v in form.getlist("removed_fields")][:20],
        **{
            k: str(form.get(k) or "").strip()[:2000]
            for k in ("max_tlp", "coordinate_decimals", "movements", "valid_until", "note")
        },
    }
    data: dict[str, Any] = {
        k: values[k] for k in ("object_types", "removed_fields", "max_tlp", "movements", "note")
    }
    if values["coordinate_decimals"]:
        data["coordinate_decimals"] = values["coordinate_decimals"]
    if values["valid_until"]:
        data["valid_until"] = _in_utc(values["valid_until"])
    try:
        body = AgreementIn.model_validate(data)
    except ValidationError as exc:
        return _form(request, db, partner, values, field_errors(exc), 422)
    try:
        service.set_agreement(db, actor, partner.id, **body.model_dump())
    except DomainError as exc:
        db.rollback()
        return _form(request, db, partner, values, service_errors(exc), exc.status)
    return redirect(f"/exchange/partners/{partner.id}?done=agreement")
