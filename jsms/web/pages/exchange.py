"""Information exchange in the control room: the partner instances, each with its sharing
agreement in force, its earlier versions and what it sent us; registering a partner; a new
credential for it; a pull from its TAXII server now.

Admins of the host or guest agency that runs a partnership change it; other admins and
auditors read (the policy table: exchange.read / exchange.write; the service refuses an
admin of another agency). The partner's secret is shown on the answer to the form that made
it, once: it is kept only as a hash, so no later page can show it again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError, Forbidden
from jsms.exchange import service
from jsms.exchange.agreements import MOVEMENT_SHARING, OBJECT_TYPES, REMOVABLE_FIELDS
from jsms.exchange.client import pull
from jsms.exchange.models import ImportedObject, Partner
from jsms.exchange.schemas import PartnerIn
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

DONE = {
    "agreement": "The new version of the agreement is in force.",
    "pulled": "Pulled from the partner's TAXII server.",
}
PARTNER_FIELDS = (
    "name",
    "agency_id",
    "trust_group",
    "taxii_url",
    "taxii_collection",
    "pull_username",
    "pull_secret",
    "inbound_username",
)


def service_errors(exc: DomainError) -> dict[str, str]:
    """A service refusal by field when it names them, else for the whole form."""
    named = exc.extra.get("errors") or []
    errors = {str(e["field"]): str(e["reason"]) for e in named if "field" in e}
    return errors or {"form": exc.detail}


def _agencies(db: Session) -> dict[str, Agency]:
    return {a.id: a for a in db.scalars(select(Agency).order_by(Agency.name))}


@router.get("/exchange")
def partner_list(
    request: Request, db: Db, actor: Annotated[Actor, require("exchange.read")]
) -> Response:
    partners = list(db.scalars(service.partner_query()))
    return render(
        request,
        db,
        "exchange/partners.html",
        {
            "partners": [(p, service.current_agreement(db, p.id)) for p in partners],
            "agencies": _agencies(db),
            "may_write": can(actor, "exchange.write"),
        },
    )


# Registering a partner -------------------------------------------------------------------


def _partner_form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    others = [a for a in _agencies(db).values() if a.id != actor.agency_id]
    return render(
        request,
        db,
        "exchange/partner_form.html",
        {
            "values": values,
            "errors": errors,
            "agencies": [("", "choose the partner's agency")]
            + [(a.id, f"{a.name} ({a.side}, {a.country})") for a in others],
        },
        status_code=status_code,
    )


@router.get("/exchange/partners/new")
def partner_new(
    request: Request, db: Db, actor: Annotated[Actor, require("exchange.write")]
) -> Response:
    return _partner_form(request, db, actor, {}, {})


@router.post("/exchange/partners/new", dependencies=[Depends(check_csrf)])
async def partner_create(
    request: Request, db: Db, actor: Annotated[Actor, require("exchange.write")]
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:600] for k in PARTNER_FIELDS}
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    try:
        body = PartnerIn.model_validate(data)
    except ValidationError as exc:
        values["pull_secret"] = ""
        return _partner_form(request, db, actor, values, field_errors(exc), 422)
    try:
        made = service.create_partner(db, actor, **body.model_dump())
    except DomainError as exc:
        db.rollback()
        values["pull_secret"] = ""
        return _partner_form(request, db, actor, values, service_errors(exc), exc.status)
    return _secret_page(request, db, made.partner, made.inbound_secret, "registered")


def _secret_page(
    request: Request, db: Session, partner: Partner, secret: str, what: str
) -> Response:
    return render(
        request,
        db,
        "exchange/secret.html",
        {"partner": partner, "secret": secret, "what": what},
        status_code=201 if what == "registered" else 200,
    )


# One partner -----------------------------------------------------------------------------


def partner_page(
    request: Request,
    db: Session,
    actor: Actor,
    partner: Partner,
    *,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    agencies = _agencies(db)
    imports = db.scalars(
        select(ImportedObject)
        .where(ImportedObject.partner_id == partner.id)
        .order_by(ImportedObject.received_at.desc())
        .limit(20)
    )
    done = DONE.get(request.query_params.get("done", ""))
    return render(
        request,
        db,
        "exchange/partner.html",
        {
            "partner": partner,
            "partner_agency": agencies.get(partner.agency_id),
            "owner": agencies.get(partner.owner_agency_id),
            "agreements": service.agreements_of(db, partner.id),
            "in_force": service.terms_in_force(db, partner),
            "imports": list(imports),
            "object_types": OBJECT_TYPES,
            "removable": REMOVABLE_FIELDS,
            "movement_sharing": MOVEMENT_SHARING,
            "may_manage": can(actor, "exchange.write")
            and partner.owner_agency_id == actor.agency_id,
            "flashes": [done] if done and not problem else [],
            "problem": problem,
        },
        status_code=status_code,
    )


@router.get("/exchange/partners/{partner_id}")
def partner_detail(
    partner_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("exchange.read")],
) -> Response:
    return partner_page(request, db, actor, service.get_partner(db, partner_id))


@router.post("/exchange/partners/{partner_id}/secret", dependencies=[Depends(check_csrf)])
def partner_secret(
    partner_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
) -> Response:
    """A new credential for the partner to pull with; the old one stops working at once."""
    secret = service.rotate_inbound_secret(db, actor, partner_id)
    return _secret_page(request, db, service.get_partner(db, partner_id), secret, "rotated")


@router.post("/exchange/partners/{partner_id}/pull", dependencies=[Depends(check_csrf)])
def partner_pull(
    partner_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
) -> Response:
    """Pull now what the partner added since the last pull (as `jsms exchange pull`)."""
    partner = service.get_partner(db, partner_id)
    if partner.owner_agency_id != actor.agency_id:
        raise Forbidden(
            "Only the admins of the agency that runs this partnership may pull for it.",
            permission="exchange.write",
        )
    try:
        pulled = pull(db, partner, by=actor.username)
    except DomainError as exc:
        db.rollback()
        partner = service.get_partner(db, partner_id)
        return partner_page(request, db, actor, partner, problem=exc.detail, status_code=exc.status)
    counts = pulled.outcome.as_dict()
    return redirect(
        f"/exchange/partners/{partner.id}?done=pulled&received={counts.get('received', 0)}"
    )
