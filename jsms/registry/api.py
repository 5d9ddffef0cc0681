"""Registry over HTTP: thin handlers; rules live in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from jsms.deps import Db, Paging, require
from jsms.identity.policy import Actor
from jsms.pagination import Page, paged
from jsms.registry import service
from jsms.registry.models import DeploymentAuthorisation, ProtectedPerson, SecurityUnit, Site
from jsms.registry.schemas import (
    AuthorisationIn,
    AuthorisationOut,
    CheckIn,
    CheckOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    PiiOut,
    ProjectIn,
    ProjectOut,
    RevokeIn,
    SiteIn,
    SiteOut,
    UnitIn,
    UnitOut,
)

router = APIRouter(prefix="/api/v1")


def person_out(person: ProtectedPerson) -> PersonOut:
    return PersonOut(
        id=person.id,
        full_name=person.full_name,
        nationality=person.nationality,
        employer_agency_id=person.employer_agency_id,
        project_id=person.project_id,
        site_id=person.site_id,
        job_title=person.job_title,
        status=person.status,
        has_passport=person.passport_enc is not None,
        has_phone=person.phone_enc is not None,
    )


def unit_out(unit: SecurityUnit) -> UnitOut:
    return UnitOut.model_validate(
        {
            **{
                c: getattr(unit, c)
                for c in (
                    "id",
                    "name",
                    "call_sign",
                    "agency_id",
                    "unit_type",
                    "strength",
                    "base_name",
                    "base_lat",
                    "base_lon",
                )
            },
            "vehicles": unit.vehicles,
            "armoured_vehicles": sum(v.armoured for v in unit.vehicles),
        }
    )


# Projects and sites -------------------------------------------------------------------------


@router.get("/projects", response_model=Page[ProjectOut], tags=["registry"])
def list_projects(
    db: Db, paging: Paging, actor: Annotated[Actor, require("site.read")]
) -> Page[ProjectOut]:
    return paged(db, service.project_query(actor), paging, ProjectOut.model_validate)


@router.post("/projects", response_model=ProjectOut, status_code=201, tags=["registry"])
def create_project(
    body: ProjectIn, db: Db, actor: Annotated[Actor, require("site.write")]
) -> ProjectOut:
    return ProjectOut.model_validate(service.create_project(db, actor, **body.model_dump()))


@router.get("/projects/{project_id}", response_model=ProjectOut, tags=["registry"])
def get_project(
    project_id: str, db: Db, actor: Annotated[Actor, require("site.read")]
) -> ProjectOut:
    return ProjectOut.model_validate(service.get_project(db, actor, project_id))


@router.get("/sites", response_model=Page[SiteOut], tags=["registry"])
def list_sites(
    db: Db,
    paging: Paging,
    actor: Annotated[Actor, require("site.read")],
    province: str | None = None,
) -> Page[SiteOut]:
    stmt = service.site_query(actor)
    if province:
        stmt = stmt.where(Site.province == province)
    return paged(db, stmt, paging, SiteOut.model_validate)


@router.post("/sites", response_model=SiteOut, status_code=201, tags=["registry"])
def create_site(body: SiteIn, db: Db, actor: Annotated[Actor, require("site.write")]) -> SiteOut:
    return SiteOut.model_validate(service.create_site(db, actor, **body.model_dump()))


@router.get("/sites/{site_id}", response_model=SiteOut, tags=["registry"])
def get_site(site_id: str, db: Db, actor: Annotated[Actor, require("site.read")]) -> SiteOut:
    return SiteOut.model_validate(service.get_site(db, actor, site_id))


# Protected persons ---------------------------------------------------------------------------


@router.get("/persons", response_model=Page[PersonOut], tags=["persons"])
def list_persons(
    db: Db,
    paging: Paging,
    actor: Annotated[Actor, require("person.read")],
    site_id: str | None = None,
    name: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
) -> Page[PersonOut]:
    """Persons you may know about: a company sees only its own employees."""
    stmt = service.person_query(actor)
    if site_id:
        stmt = stmt.where(ProtectedPerson.site_id == site_id)
    if name:
        stmt = stmt.where(ProtectedPerson.full_name.ilike(f"%{name}%"))
    return paged(db, stmt, paging, person_out)


@router.post("/persons", response_model=PersonOut, status_code=201, tags=["persons"])
def create_person(
    body: PersonIn, db: Db, actor: Annotated[Actor, require("person.write")]
) -> PersonOut:
    return person_out(service.create_person(db, actor, **body.model_dump()))


@router.get("/persons/{person_id}", response_model=PersonOut, tags=["persons"])
def get_person(
    person_id: str, db: Db, actor: Annotated[Actor, require("person.read")]
) -> PersonOut:
    return person_out(service.get_person(db, actor, person_id))


@router.patch("/persons/{person_id}", response_model=PersonOut, tags=["persons"])
def update_person(
    person_id: str, body: PersonPatch, db: Db, actor: Annotated[Actor, require("person.write")]
) -> PersonOut:
    changes = body.model_dump(exclude_unset=True)
    return person_out(service.update_person(db, actor, person_id, **changes))


@router.get("/persons/{person_id}/pii", response_model=PiiOut, tags=["persons"])
def read_pii(
    person_id: str,
    db: Db,
    actor: Annotated[Actor, require("person.pii.read")],
    reason: Annotated[
        str,
        Query(
            min_length=service.PII_REASON_MIN,
            max_length=service.PII_REASON_MAX,
            description="why you need it; kept in the audit trail",
        ),
    ],
) -> PiiOut:
    """Passport, phone, blood group and emergency contact: need-to-know, audited."""
    values = service.read_pii(db, actor, person_id, reason)
    return PiiOut(
        person_id=person_id,
        passport_number=values["passport"],
        phone=values["phone"],
        blood_group=values["blood_group"],
        emergency_contact=values["emergency_contact"],
    )


# Security units and deployment authorisations ----------------------------------------------


@router.get("/units", response_model=Page[UnitOut], tags=["units"])
def list_units(
    db: Db, paging: Paging, _: Annotated[Actor, require("unit.read")], agency_id: str | None = None
) -> Page[UnitOut]:
    stmt = select(SecurityUnit).order_by(SecurityUnit.call_sign)
    if agency_id:
        stmt = stmt.where(SecurityUnit.agency_id == agency_id)
    return paged(db, stmt, paging, unit_out)


@router.post("/units", response_model=UnitOut, status_code=201, tags=["units"])
def create_unit(body: UnitIn, db: Db, _: Annotated[Actor, require("unit.write")]) -> UnitOut:
    fields = body.model_dump()
    return unit_out(service.create_unit(db, **fields))


@router.get("/units/{unit_id}", response_model=UnitOut, tags=["units"])
def get_unit(unit_id: str, db: Db, _: Annotated[Actor, require("unit.read")]) -> UnitOut:
    return unit_out(service.get_unit(db, unit_id))


@router.get("/authorisations", response_model=Page[AuthorisationOut], tags=["authorisations"])
def list_authorisations(
    db: Db,
    paging: Paging,
    _: Annotated[Actor, require("authorisation.read")],
    guest_agency_id: str | None = None,
    include_revoked: bool = True,
) -> Page[AuthorisationOut]:
    stmt = service.authorisation_query()
    if guest_agency_id:
        stmt = stmt.where(DeploymentAuthorisation.guest_agency_id == guest_agency_id)
    if not include_revoked:
        stmt = stmt.where(DeploymentAuthorisation.revoked_at.is_(None))
    return paged(db, stmt, paging, AuthorisationOut.model_validate)


@router.post(
    "/authorisations", response_model=AuthorisationOut, status_code=201, tags=["authorisations"]
)
def grant_authorisation(
    body: AuthorisationIn, db: Db, actor: Annotated[Actor, require("authorisation.write")]
) -> AuthorisationOut:
    """A host agency authorises a guest agency (or one unit) in part of its jurisdiction."""
    return AuthorisationOut.model_validate(
        service.grant_authorisation(db, actor, **body.model_dump())
    )


@router.post("/authorisations/check", response_model=CheckOut, tags=["authorisations"])
def check_authorisation(
    body: CheckIn, db: Db, _: Annotated[Actor, require("authorisation.check")]
) -> CheckOut:
    """May this unit act at this place at this time? Answers with the reason."""
    result = service.may_act(
        db,
        unit_id=body.unit_id,
        at=body.at,
        lat=body.lat,
        lon=body.lon,
        site_id=body.site_id,
        headcount=body.headcount,
    )
    return CheckOut(
        allowed=result.verdict.allowed,
        reason=result.verdict.reason,
        authorisation_id=result.verdict.authorisation_id,
        province=result.province,
        district=result.district,
    )


@router.get(
    "/authorisations/{authorisation_id}", response_model=AuthorisationOut, tags=["authorisations"]
)
def get_authorisation(
    authorisation_id: str, db: Db, _: Annotated[Actor, require("authorisation.read")]
) -> AuthorisationOut:
    return AuthorisationOut.model_validate(service.get_authorisation(db, authorisation_id))


@router.post(
    "/authorisations/{authorisation_id}/revoke",
    response_model=AuthorisationOut,
    tags=["authorisations"],
)
def revoke_authorisation(
    authorisation_id: str,
    body: RevokeIn,
    db: Db,
    actor: Annotated[Actor, require("authorisation.write")],
) -> AuthorisationOut:
    return AuthorisationOut.model_validate(
        service.revoke_authorisation(db, actor, authorisation_id, body.reason)
    )
