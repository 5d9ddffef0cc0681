"""Deployment authorisations in the control room: the host's grants to guest forces, each with
a map of where it lets them act; the grant and revoke forms (host approvers and admins); and
"may this unit act here, then?" answered with its reason.

Every decision is the registry service's: grant_authorisation keeps a host inside its own
jurisdiction, revoke_authorisation lets only the granting host revoke, may_act gives the
verdict the API gives.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError, Forbidden, Invalid
from jsms.geo.gazetteer import load_gazetteer
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.pagination import paginate
from jsms.registry import service as registry
from jsms.registry.grants import GRANT_STATES, authorisation_state, authorisations_in_state
from jsms.registry.models import DeploymentAuthorisation, SecurityUnit, Site
from jsms.registry.schemas import AuthorisationIn, CheckIn, RevokeIn
from jsms.registry.scope import scope_areas
from jsms.registry.service import ActCheck
from jsms.web.pages.authorisation_map import scope_map
from jsms.web.pages.paging import PER_PAGE, page_links
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

DONE = {"granted": "The authorisation is granted.", "revoked": "The authorisation is revoked."}


def _agencies(db: Session) -> dict[str, Agency]:
    return {a.id: a for a in db.scalars(select(Agency))}


def _guest_units(db: Session) -> list[SecurityUnit]:
    guests = select(Agency.id).where(Agency.side == Side.GUEST.value)
    stmt = select(SecurityUnit).where(SecurityUnit.agency_id.in_(guests))
    return list(db.scalars(stmt.order_by(SecurityUnit.call_sign)))


@router.get("/registry/authorisations")
def grant_list(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("authorisation.read")],
    state: str = "",
    guest: str = "",
    page: int = 1,
) -> Response:
    now = datetime.now(UTC)
    stmt = registry.authorisation_query()
    if state in GRANT_STATES:
        stmt = authorisations_in_state(stmt, state, now)
    if guest:
        stmt = stmt.where(DeploymentAuthorisation.guest_agency_id == guest)
    page = max(1, min(page, 100_000))
    rows, total = paginate(db, stmt, page, PER_PAGE)
    agencies = _agencies(db)
    units = {u.id: u.call_sign for u in db.scalars(select(SecurityUnit))}
    guests = sorted((a for a in agencies.values() if a.side == "guest"), key=lambda a: a.name)
    return render(
        request,
        db,
        "registry/authorisations.html",
        {
            "grants": [(g, authorisation_state(g, now)) for g in rows],
            "links": page_links(request, total, page),
            "state": state,
            "guest": guest,
            "states": [("", "every state")] + [(s, s) for s in GRANT_STATES],
            "guests": [("", "every guest agency")] + [(a.id, a.name) for a in guests],
            "agencies": agencies,
            "units": units,
            "may_grant": can(actor, "authorisation.write"),
            "may_check": can(actor, "authorisation.check"),
        },
    )


# Granting ----------------------------------------------------------------------------------

GRANT_TEXT = ("guest_agency_id", "unit_id", "districts", "starts_at", "ends_at")
GRANT_MORE = ("headcount_cap", "arms", "conditions")
WHOLE_FORM_FIELDS = {"ends_at must be after": "ends_at", "give at least one": "provinces"}


def _grant_form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    host = db.get(Agency, actor.agency_id)
    provinces = list(host.provinces) if host else []
    sites = db.scalars(registry.site_query(actor).where(Site.province.in_(provinces)))
    guests = db.scalars(select(Agency).where(Agency.side == Side.GUEST.value).order_by(Agency.name))
    return render(
        request,
        db,
        "registry/authorisation_form.html",
        {
            "host": host,
            "values": values,
            "errors": errors,
            "provinces": provinces,
            "sites": [(s.id, f"{s.name} ({s.district or s.province})") for s in sites],
            "guests": [(a.id, a.name) for a in guests],
            "units": [(u.id, f"{u.call_sign} · {u.name}") for u in _guest_units(db)],
        },
        status_code=status_code,
    )


@router.get("/registry/authorisations/new")
def grant_new(
    request: Request, db: Db, actor: Annotated[Actor, require("authorisation.write")]
) -> Response:
    return _grant_form(request, db, actor, {"provinces": [], "site_ids": [], "arms": "none"}, {})


def _in_utc(value: str) -> str:
    """A datetime-local value (no zone) read as UTC, which is what the form asks for."""
    return f"{value}Z" if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", value) else value


def _grant_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's reasons by field; a whole-form reason goes beside the field it is about."""
    errors = field_errors(exc)
    message = errors.get("form", "")
    for start, name in WHOLE_FORM_FIELDS.items():
        if message.startswith(start):
            errors[name] = errors.pop("form")
    return errors


@router.post("/registry/authorisations/new", dependencies=[Depends(check_csrf)])
async def grant_create(
    request: Request, db: Db, actor: Annotated[Actor, require("authorisation.write")]
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in GRANT_TEXT + GRANT_MORE}
    values["provinces"] = [str(v) for v in form.getlist("provinces")]
    values["site_ids"] = [str(v) for v in form.getlist("site_ids")]
    data: dict[str, Any] = {
        **{k: values[k] for k in ("guest_agency_id", *GRANT_MORE) if values[k]},
        "unit_id": values["unit_id"] or None,
        "provinces": values["provinces"],
        "districts": [d.strip() for d in re.split(r"[,\n]", values["districts"]) if d.strip()],
        "site_ids": values["site_ids"],
    }
    for when in ("starts_at", "ends_at"):
        if values[when]:
            data[when] = _in_utc(values[when])
    try:
        body = AuthorisationIn.model_validate(data)
    except ValidationError as exc:
        return _grant_form(request, db, actor, values, _grant_errors(exc), 422)
    try:
        grant = registry.grant_authorisation(db, actor, **body.model_dump())
    except Forbidden:
        raise  # outside the host's jurisdiction: audited and shown as the refusal page
    except DomainError as exc:
        db.rollback()
        return _grant_form(request, db, actor, values, {"form": exc.detail}, exc.status)
    return redirect(f"/registry/authorisations/{grant.id}?done=granted")


# One grant and its scope -------------------------------------------------------------------


def _grant_page(
    request: Request,
    db: Session,
    actor: Actor,
    grant: DeploymentAuthorisation,
    *,
    reason: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    agencies = _agencies(db)
    unit = db.get(SecurityUnit, grant.unit_id) if grant.unit_id else None
    sites = list(db.scalars(registry.site_query(actor).where(Site.id.in_(grant.site_ids))))
    unlocated = [a.name for a in scope_areas(db, [], grant.districts) if a.geometry is None]
    done = DONE.get(request.query_params.get("done", ""))
    return render(
        request,
        db,
        "registry/authorisation.html",
        {
            "grant": grant,
            "state": authorisation_state(grant, datetime.now(UTC)),
            "host": agencies.get(grant.host_agency_id),
            "guest": agencies.get(grant.guest_agency_id),
            "unit": unit,
            "sites": sites,
            "unlocated": unlocated,
            "map_config": scope_map(db, actor, grant),
            "may_revoke": can(actor, "authorisation.write")
            and grant.host_agency_id == actor.agency_id
            and grant.revoked_at is None,
            "may_read_units": can(actor, "unit.read"),
            "reason": reason,
            "errors": errors or {},
            "flashes": [done] if done and not errors else [],
        },
        status_code=status_code,
    )


# "May this unit act here, then?" ---------------------------------------------------------

CHECK_FIELDS = ("unit_id", "site_id", "town", "lat", "lon", "at", "headcount")


def _check_input(values: dict[str, str]) -> dict[str, Any]:
    """The question as CheckIn expects it; a town is looked up in the gazetteer."""
    data: dict[str, Any] = {k: values[k] for k in ("unit_id", "headcount") if values[k]}
    ways = [k for k in ("site_id", "town") if values[k]] + (
        ["lat"] if values["lat"] or values["lon"] else []
    )
    if len(ways) > 1:
        raise Invalid("name the place one way: a site, a town, or lat and lon", field=ways[0])
    if values["site_id"]:
        data["site_id"] = values["site_id"]
    elif values["town"]:
        found = load_gazetteer().lookup(values["town"])
        if not found:
            raise Invalid(f"no town called {values['town']!r} in the gazetteer", field="town")
        data["lat"], data["lon"] = found[0].lat, found[0].lon
    else:
        data.update({k: values[k] for k in ("lat", "lon") if values[k]})
    if values["at"]:
        data["at"] = _in_utc(values["at"])
    return data


def _verdict(db: Session, values: dict[str, str]) -> tuple[ActCheck | None, dict[str, str]]:
    """The service's answer, or the reasons the question cannot be asked, by field."""
    try:
        body = CheckIn.model_validate(_check_input(values))
        return registry.may_act(db, **body.model_dump()), {}
    except ValidationError as exc:
        errors = field_errors(exc)
        if errors.pop("form", None):  # the one whole-question rule: where is the place?
            errors["site_id"] = "give a site, a town, or both lat and lon"
        return None, errors
    except DomainError as exc:
        return None, {str(exc.extra.get("field", "form")): exc.detail}


@router.get("/registry/authorisations/check")
def check(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("authorisation.check")],
) -> Response:
    """The same verdict as POST /api/v1/authorisations/check, asked through a form."""
    values = {k: request.query_params.get(k, "").strip()[:100] for k in CHECK_FIELDS}
    answer, errors = _verdict(db, values) if values["unit_id"] else (None, {})
    units = db.scalars(select(SecurityUnit).order_by(SecurityUnit.call_sign))
    sites = db.scalars(registry.site_query(actor))
    return render(
        request,
        db,
        "registry/authorisation_check.html",
        {
            "values": values,
            "errors": errors,
            "answer": answer,
            "units": [("", "choose a unit")] + [(u.id, f"{u.call_sign} · {u.name}") for u in units],
            "sites": [("", "no site")] + [(s.id, s.name) for s in sites],
        },
        status_code=422 if errors else 200,
    )


@router.get("/registry/authorisations/{authorisation_id}")
def grant_detail(
    authorisation_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("authorisation.read")],
) -> Response:
    return _grant_page(request, db, actor, registry.get_authorisation(db, authorisation_id))


@router.post(
    "/registry/authorisations/{authorisation_id}/revoke", dependencies=[Depends(check_csrf)]
)
def grant_revoke(
    authorisation_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("authorisation.write")],
    reason: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    grant = registry.get_authorisation(db, authorisation_id)
    try:
        body = RevokeIn.model_validate({"reason": reason.strip()})
    except ValidationError as exc:
        errors = field_errors(exc)
        return _grant_page(request, db, actor, grant, reason=reason, errors=errors, status_code=422)
    try:
        registry.revoke_authorisation(db, actor, grant.id, body.reason)
    except Forbidden:
        raise  # only the granting host revokes: audited, shown as the refusal page
    except DomainError as exc:
        db.rollback()
        grant = registry.get_authorisation(db, authorisation_id)
        errors = {"reason": exc.detail}
        return _grant_page(
            request, db, actor, grant, reason=reason, errors=errors, status_code=exc.status
        )
    return redirect(f"/registry/authorisations/{grant.id}?done=revoked")
