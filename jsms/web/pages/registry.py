"""Protected persons in the control room: the record without its personal data, and the
personal data only on a separate, audited "show, with a reason" request.

The list and the record come from registry.service.person_query (a company sees only its own
employees, a protectee only themself). Passport, phone, blood group and emergency contact are
never on a page unless the person asked for them with a reason on that very request; the
response is not cached and the reason is kept in the audit trail by registry.service.read_pii.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError, Forbidden
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.pagination import paginate
from jsms.registry import service as registry
from jsms.registry.models import Project, ProtectedPerson, Site
from jsms.registry.schemas import BloodGroup, PersonIn, PersonPatch
from jsms.web.pages.paging import PER_PAGE, page_links
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

PII_LABELS = {
    "passport": "Passport number",
    "phone": "Phone",
    "blood_group": "Blood group",
    "emergency_contact": "Emergency contact",
}
STATUSES = [("in_country", "In country"), ("departed", "Departed"), ("on_leave", "On leave")]
DONE = {"registered": "The person is registered.", "changed": "The changes are saved."}


def _client_companies(db: Session, actor: Actor) -> list[Agency]:
    """The companies a person may be filed under by this actor: a company only itself."""
    stmt = select(Agency).where(Agency.side == Side.CLIENT.value).order_by(Agency.name)
    if actor.side == Side.CLIENT:
        stmt = stmt.where(Agency.id == actor.agency_id)
    return list(db.scalars(stmt))


def _choices(db: Session, actor: Actor) -> dict[str, Any]:
    """The projects and sites this actor may see, for filters and form selects."""
    projects = list(db.scalars(registry.project_query(actor)))
    sites = list(db.scalars(registry.site_query(actor)))
    return {
        "projects": [(p.id, p.name) for p in projects],
        "sites": [(s.id, s.name) for s in sites],
        "project_names": {p.id: p.name for p in projects},
        "site_names": {s.id: s.name for s in sites},
    }


@router.get("/registry/persons")
def person_list(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("person.read")],
    name: str = "",
    project: str = "",
    employer: str = "",
    page: int = 1,
) -> Response:
    stmt = registry.person_query(actor)
    if name.strip():
        stmt = stmt.where(ProtectedPerson.full_name.ilike(f"%{name.strip()[:100]}%"))
    if project:
        stmt = stmt.where(ProtectedPerson.project_id == project)
    if employer:
        stmt = stmt.where(ProtectedPerson.employer_agency_id == employer)
    page = max(1, min(page, 100_000))
    rows, total = paginate(db, stmt, page, PER_PAGE)
    companies = _client_companies(db, actor)
    return render(
        request,
        db,
        "registry/persons.html",
        {
            "persons": rows,
            "links": page_links(request, total, page),
            "filters": {"name": name, "project": project, "employer": employer},
            "companies": [(c.id, c.name) for c in companies],
            "company_names": {c.id: c.short_name for c in companies},
            "may_write": can(actor, "person.write"),
            **_choices(db, actor),
        },
    )


def _person_page(
    request: Request,
    db: Session,
    actor: Actor,
    person: ProtectedPerson,
    *,
    pii: dict[str, str | None] | None = None,
    reason: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    employer = db.get(Agency, person.employer_agency_id)
    project = db.get(Project, person.project_id) if person.project_id else None
    site = db.get(Site, person.site_id) if person.site_id else None
    stored = {field: getattr(person, f"{field}_enc") is not None for field in PII_LABELS}
    done = DONE.get(request.query_params.get("done", ""))
    return render(
        request,
        db,
        "registry/person.html",
        {
            "person": person,
            "employer": employer,
            "project": project,
            "site": site,
            "stored": stored,
            "labels": PII_LABELS,
            "pii": pii,
            "reason": reason,
            "errors": errors or {},
            "may_read_pii": can(actor, "person.pii.read"),
            "may_write": can(actor, "person.write"),
            "flashes": [done] if done and pii is None else [],
        },
        status_code=status_code,
    )


@router.get("/registry/persons/new")
def person_new(
    request: Request, db: Db, actor: Annotated[Actor, require("person.write")]
) -> Response:
    return _person_form(request, db, actor, None, {}, {})


@router.get("/registry/persons/{person_id}")
def person_detail(
    person_id: str, request: Request, db: Db, actor: Annotated[Actor, require("person.read")]
) -> Response:
    return _person_page(request, db, actor, registry.get_person(db, actor, person_id))


@router.post("/registry/persons/{person_id}/pii", dependencies=[Depends(check_csrf)])
def person_pii(
    person_id: str,
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("person.pii.read")],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The personal data on this response only: read through the audited service call."""
    person = registry.get_person(db, actor, person_id)
    reason = reason.strip()
    if not registry.PII_REASON_MIN <= len(reason) <= registry.PII_REASON_MAX:
        problem = (
            f"Say why you need it in {registry.PII_REASON_MIN} to {registry.PII_REASON_MAX} "
            "characters: the reason is kept in the audit trail beside your name."
        )
        return _person_page(
            request, db, actor, person, reason=reason, errors={"reason": problem}, status_code=422
        )
    values = registry.read_pii(db, actor, person.id, reason)
    return _person_page(request, db, actor, person, pii=values, reason=reason)


# Registering and changing a person ----------------------------------------------------------

PERSON_FIELDS = (
    "full_name",
    "nationality",
    "employer_agency_id",
    "project_id",
    "site_id",
    "job_title",
    "passport_number",
    "phone",
    "blood_group",
    "emergency_contact",
)
OPTIONAL = {
    "employer_agency_id",
    "project_id",
    "site_id",
    "passport_number",
    "phone",
    "blood_group",
    "emergency_contact",
}


def _person_form(
    request: Request,
    db: Session,
    actor: Actor,
    person: ProtectedPerson | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        db,
        "registry/person_form.html",
        {
            "person": person,
            "values": values,
            "errors": errors,
            "companies": [(c.id, c.name) for c in _client_companies(db, actor)],
            "choose_company": actor.side != Side.CLIENT,
            "blood_groups": [("", "not recorded")] + [(b.value, b.value) for b in BloodGroup],
            "statuses": STATUSES,
            **_choices(db, actor),
        },
        status_code=status_code,
    )


def _form_values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip() for name in names}


def _refused(
    exc: DomainError,
    request: Request,
    db: Session,
    actor: Actor,
    person: ProtectedPerson | None,
    values: dict[str, str],
) -> Response:
    """A rule of the service said no: nothing is kept, the form comes back with the reason."""
    if isinstance(exc, Forbidden):
        raise exc  # a refusal is audited and shown as the refusal page
    db.rollback()
    if person is not None:
        db.refresh(person)
    return _person_form(
        request, db, actor, person, values, {"form": exc.detail}, status_code=exc.status
    )


@router.post("/registry/persons/new", dependencies=[Depends(check_csrf)])
async def person_create(
    request: Request, db: Db, actor: Annotated[Actor, require("person.write")]
) -> Response:
    values = _form_values(await request.form(), PERSON_FIELDS)
    values["nationality"] = values["nationality"].upper()
    data = {k: v for k, v in values.items() if not (k in OPTIONAL and v == "")}
    try:
        body = PersonIn.model_validate(data)
    except ValidationError as exc:
        return _person_form(request, db, actor, None, values, field_errors(exc), 422)
    try:
        person = registry.create_person(db, actor, **body.model_dump())
    except DomainError as exc:
        return _refused(exc, request, db, actor, None, values)
    return redirect(f"/registry/persons/{person.id}?done=registered")


EDIT_FIELDS = ("project_id", "site_id", "job_title", "status", "phone", "emergency_contact")


@router.get("/registry/persons/{person_id}/edit")
def person_edit(
    person_id: str, request: Request, db: Db, actor: Annotated[Actor, require("person.write")]
) -> Response:
    person = registry.get_person(db, actor, person_id)
    values = {
        "project_id": person.project_id or "",
        "site_id": person.site_id or "",
        "job_title": person.job_title,
        "status": person.status,
    }
    return _person_form(request, db, actor, person, values, {})


@router.post("/registry/persons/{person_id}/edit", dependencies=[Depends(check_csrf)])
async def person_update(
    person_id: str, request: Request, db: Db, actor: Annotated[Actor, require("person.write")]
) -> Response:
    person = registry.get_person(db, actor, person_id)
    values = _form_values(await request.form(), EDIT_FIELDS)
    # Personal data is write-only: a blank field keeps what is stored.
    data: dict[str, str | None] = {
        "project_id": values["project_id"] or None,
        "site_id": values["site_id"] or None,
        "job_title": values["job_title"],
        "status": values["status"],
    }
    data.update({k: values[k] for k in ("phone", "emergency_contact") if values[k]})
    try:
        changes = PersonPatch.model_validate(data).model_dump(exclude_unset=True)
    except ValidationError as exc:
        return _person_form(request, db, actor, person, values, field_errors(exc), 422)
    try:
        registry.update_person(db, actor, person.id, **changes)
    except DomainError as exc:
        return _refused(exc, request, db, actor, person, values)
    return redirect(f"/registry/persons/{person.id}?done=changed")
