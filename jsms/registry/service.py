"""Registry rules: who may see which person, PII encryption, and the sovereignty check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import new_id, utcnow
from jsms.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from jsms.geo import h3cells
from jsms.geo.service import locate
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, company_scope, person_scope
from jsms.identity.roles import Side
from jsms.keyring import Keyring, KeyringError, get_keyring
from jsms.registry import authorisation, phones
from jsms.registry.models import (
    DeploymentAuthorisation,
    Project,
    ProtectedPerson,
    SecurityUnit,
    Site,
    Vehicle,
)

PII_FIELDS = ("passport", "phone", "blood_group", "emergency_contact")
# The reason a caller gives for reading PII (kept in the audit trail), in characters.
PII_REASON_MIN, PII_REASON_MAX = 3, 300

log = logging.getLogger("jsms")


class StoredDataUnreadable(DomainError):
    """A stored encrypted value does not decrypt: altered, moved from another row, or its key
    is gone. The server's data is at fault, not the request, hence a 500 that says so."""

    status, slug, title = 500, "data-integrity", "Stored data cannot be decrypted"


def _pii_context(person_id: str, field: str) -> str:
    return f"person:{person_id}:{field}"


def _own_company(db: Session, actor: Actor, requested: str | None, what: str) -> str:
    """Clients act for their own company only; the forces must name one."""
    if actor.side == Side.CLIENT:
        if requested and requested != actor.agency_id:
            raise Forbidden(f"a client may register {what} only for its own company")
        return actor.agency_id
    if not requested:
        raise Invalid(f"name the client company the {what} belong(s) to")
    agency = db.get(Agency, requested)
    if agency is None or agency.side != Side.CLIENT.value:
        raise Invalid(f"{requested} is not a client company")
    return agency.id


# Projects and sites -----------------------------------------------------------------------


def project_query(actor: Actor) -> Select[Project]:
    return select(Project).where(company_scope(actor, Project)).order_by(Project.name)


def create_project(db: Session, actor: Actor, **fields: Any) -> Project:
    fields["client_agency_id"] = _own_company(db, actor, fields.get("client_agency_id"), "projects")
    project = Project(**fields)
    db.add(project)
    db.flush()
    return project


def get_project(db: Session, actor: Actor, project_id: str) -> Project:
    project = db.scalar(project_query(actor).where(Project.id == project_id))
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


def site_query(actor: Actor) -> Select[Site]:
    return select(Site).where(company_scope(actor, Site)).order_by(Site.name)


def create_site(db: Session, actor: Actor, **fields: Any) -> Site:
    fields["client_agency_id"] = _own_company(db, actor, fields.get("client_agency_id"), "sites")
    if fields.get("project_id"):
        project = get_project(db, actor, fields["project_id"])
        if project.client_agency_id != fields["client_agency_id"]:
            raise Invalid("the project belongs to another company")
    where = locate(db, fields["lat"], fields["lon"])
    site = Site(
        **fields,
        province=where.province,
        district=where.district,
        h3_cell=h3cells.cell_of(fields["lat"], fields["lon"]),
    )
    db.add(site)
    db.flush()
    return site


def get_site(db: Session, actor: Actor, site_id: str) -> Site:
    site = db.scalar(site_query(actor).where(Site.id == site_id))
    if site is None:
        raise NotFound(f"no site {site_id}")
    return site


# Protected persons -------------------------------------------------------------------------


def person_query(actor: Actor) -> Select[ProtectedPerson]:
    """Only the persons `actor` may know about, filtered in the query."""
    return (
        select(ProtectedPerson)
        .where(person_scope(actor, ProtectedPerson))
        .order_by(ProtectedPerson.full_name)
    )


def get_person(db: Session, actor: Actor, person_id: str) -> ProtectedPerson:
    person = db.scalar(person_query(actor).where(ProtectedPerson.id == person_id))
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def _set_pii(person: ProtectedPerson, field: str, value: str | None, keyring: Keyring) -> None:
    token = None if value is None else keyring.encrypt(value, _pii_context(person.id, field))
    setattr(person, f"{field}_enc", token)
    if field == "phone":  # SMS replies find their sender by this keyed hash
        person.phone_lookup = None if value is None else phones.lookup_hash(value, keyring)


def create_person(
    db: Session,
    actor: Actor,
    *,
    passport_number: str | None = None,
    phone: str | None = None,
    blood_group: str | None = None,
    emergency_contact: str | None = None,
    **fields: Any,
) -> ProtectedPerson:
    fields["employer_agency_id"] = _own_company(
        db, actor, fields.get("employer_agency_id"), "persons"
    )
    if fields.get("project_id"):
        get_project(db, actor, fields["project_id"])
    if fields.get("site_id"):
        get_site(db, actor, fields["site_id"])
    person = ProtectedPerson(id=new_id(), **fields)
    keyring = get_keyring()
    for field, value in (
        ("passport", passport_number),
        ("phone", phone),
        ("blood_group", blood_group),
        ("emergency_contact", emergency_contact),
    ):
        _set_pii(person, field, value, keyring)
    db.add(person)
    db.flush()
    return person


def update_person(db: Session, actor: Actor, person_id: str, **changes: Any) -> ProtectedPerson:
    person = get_person(db, actor, person_id)
    if actor.side == Side.CLIENT and person.employer_agency_id != actor.agency_id:
        raise Forbidden("a client may change only its own employees")
    keyring = get_keyring()
    for field in ("phone", "emergency_contact"):
        if field in changes:
            _set_pii(person, field, changes.pop(field), keyring)
    if changes.get("site_id"):
        get_site(db, actor, changes["site_id"])
    if changes.get("project_id"):
        get_project(db, actor, changes["project_id"])
    for key, value in changes.items():
        setattr(person, key, value)
    db.flush()
    return person


def read_pii(db: Session, actor: Actor, person_id: str, reason: str) -> dict[str, str | None]:
    """Decrypt one person's PII for a need-to-know caller; every read is audited."""
    person = get_person(db, actor, person_id)
    keyring = get_keyring()
    values: dict[str, str | None] = {}
    for field in PII_FIELDS:
        token = getattr(person, f"{field}_enc")
        try:
            values[field] = (
                None if token is None else keyring.decrypt(token, _pii_context(person.id, field))
            )
        except KeyringError as exc:
            log.error("PII of person %s does not decrypt: %s", person.id, exc)
            raise StoredDataUnreadable(
                f"the stored {field} of person {person.id} cannot be decrypted (it was altered, "
                "copied from another record, or its key is missing); restore it from a backup "
                "or register it again"
            ) from None
    audit.record(
        db,
        action="person.pii.read",
        object_type="person",
        object_id=person.id,
        detail={"reason": reason, "fields": [f for f, v in values.items() if v]},
    )
    return values


def read_phone_for_system(db: Session, person_id: str, reason: str) -> str | None:
    """A person's phone for a system step that must reach them (an SMS roll call), with no
    person asking: decrypted and audited like any PII read, with the system as the reader."""
    person = db.get(ProtectedPerson, person_id)
    if person is None or person.phone_enc is None:
        return None
    try:
        phone = get_keyring().decrypt(person.phone_enc, _pii_context(person.id, "phone"))
    except KeyringError as exc:
        log.error("the phone of person %s does not decrypt: %s", person.id, exc)
        return None
    audit.record(
        db,
        action="person.pii.read",
        object_type="person",
        object_id=person.id,
        detail={"reason": reason, "fields": ["phone"]},
    )
    return phone


def reencrypt_persons(db: Session, keyring: Keyring) -> int:
    """Re-encrypt every person's PII under the current key; returns how many values changed."""
    count = 0
    for person in db.scalars(select(ProtectedPerson)).yield_per(500):
        for field in PII_FIELDS:
            fresh = keyring.reencrypt(
                getattr(person, f"{field}_enc"), _pii_context(person.id, field)
            )
            if fresh is not None:
                setattr(person, f"{field}_enc", fresh)
                count += 1
    db.flush()
    return count


# Security units ----------------------------------------------------------------------------


def create_unit(db: Session, *, vehicles: list[dict[str, Any]], **fields: Any) -> SecurityUnit:
    agency = db.get(Agency, fields["agency_id"])
    if agency is None or agency.side == Side.CLIENT.value:
        raise Invalid("a security unit belongs to a host or guest agency")
    if db.scalar(select(SecurityUnit.id).where(SecurityUnit.call_sign == fields["call_sign"])):
        raise Conflict(f"call sign {fields['call_sign']!r} is taken")
    unit = SecurityUnit(**fields, vehicles=[Vehicle(**v) for v in vehicles])
    db.add(unit)
    db.flush()
    return unit


def get_unit(db: Session, unit_id: str) -> SecurityUnit:
    unit = db.get(SecurityUnit, unit_id)
    if unit is None:
        raise NotFound(f"no security unit {unit_id}")
    return unit


# Deployment authorisations ------------------------------------------------------------------


def _next_reference(db: Session, host: Agency) -> str:
    count = (
        db.scalar(
            select(func.count(DeploymentAuthorisation.id)).where(
                DeploymentAuthorisation.host_agency_id == host.id
            )
        )
        or 0
    )
    return f"DA-{host.short_name}-{count + 1:04d}"


def grant_authorisation(db: Session, actor: Actor, **fields: Any) -> DeploymentAuthorisation:
    """The host actor's agency grants a guest agency leave to act within its jurisdiction."""
    host = db.get(Agency, actor.agency_id)
    if host is None or host.side != Side.HOST.value:
        raise Forbidden("only a host agency grants deployment authorisations")
    guest = db.get(Agency, fields["guest_agency_id"])
    if guest is None or guest.side != Side.GUEST.value:
        raise Invalid("guest_agency_id must name a guest agency")
    outside = sorted(set(fields["provinces"]) - set(host.provinces))
    if outside:
        raise Forbidden(f"{host.short_name} has no jurisdiction in {', '.join(outside)}")
    if fields.get("unit_id"):
        unit = get_unit(db, fields["unit_id"])
        if unit.agency_id != guest.id:
            raise Invalid("the unit does not belong to the guest agency")
    for site_id in fields.get("site_ids", []):
        site = db.get(Site, site_id)
        if site is None:
            raise Invalid(f"no site {site_id}")
        if site.province not in host.provinces:
            raise Forbidden(f"site {site.name} lies outside {host.short_name}'s jurisdiction")
    grant = DeploymentAuthorisation(
        reference=_next_reference(db, host), host_agency_id=host.id, **fields
    )
    db.add(grant)
    db.flush()
    return grant


def authorisation_query() -> Select[DeploymentAuthorisation]:
    return select(DeploymentAuthorisation).order_by(DeploymentAuthorisation.starts_at.desc())


def get_authorisation(db: Session, authorisation_id: str) -> DeploymentAuthorisation:
    grant = db.get(DeploymentAuthorisation, authorisation_id)
    if grant is None:
        raise NotFound(f"no deployment authorisation {authorisation_id}")
    return grant


def revoke_authorisation(
    db: Session, actor: Actor, authorisation_id: str, reason: str
) -> DeploymentAuthorisation:
    grant = get_authorisation(db, authorisation_id)
    if grant.host_agency_id != actor.agency_id:
        raise Forbidden("only the granting host agency may revoke this authorisation")
    if grant.revoked_at is not None:
        raise Conflict(f"{grant.reference} was already revoked")
    grant.revoked_at = utcnow()
    grant.revoked_reason = reason
    db.flush()
    return grant


@dataclass(frozen=True)
class ActCheck:
    verdict: authorisation.Verdict
    province: str | None
    district: str | None


def may_act(
    db: Session,
    *,
    unit_id: str,
    at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    site_id: str | None = None,
    headcount: int | None = None,
) -> ActCheck:
    """May unit U act at place P at time T? The answer carries its reason."""
    label = ""
    if site_id:
        site = db.get(Site, site_id)
        if site is None:
            raise NotFound(f"no site {site_id}")
        lat, lon, label = site.lat, site.lon, site.name
    assert lat is not None and lon is not None
    where = locate(db, lat, lon)
    place = authorisation.Place(where.province, where.district, site_id, label)
    return may_act_at(db, unit_id=unit_id, place=place, at=at, headcount=headcount)


def may_act_at(
    db: Session,
    *,
    unit_id: str,
    place: authorisation.Place,
    at: datetime | None = None,
    headcount: int | None = None,
) -> ActCheck:
    """The same question for an already-located place (e.g. a route leg's jurisdiction)."""
    unit = get_unit(db, unit_id)
    agency = db.get(Agency, unit.agency_id)
    assert agency is not None
    hosts = {a.id: a for a in db.scalars(select(Agency).where(Agency.side == Side.HOST.value))}
    grants = [
        authorisation.Grant(
            id=g.id,
            reference=g.reference,
            host_name=hosts[g.host_agency_id].name,
            host_provinces=tuple(hosts[g.host_agency_id].provinces),
            unit_id=g.unit_id,
            provinces=tuple(g.provinces),
            districts=tuple(g.districts),
            site_ids=tuple(g.site_ids),
            starts_at=g.starts_at,
            ends_at=g.ends_at,
            headcount_cap=g.headcount_cap,
            revoked_at=g.revoked_at,
            conditions=g.conditions,
        )
        for g in db.scalars(
            select(DeploymentAuthorisation).where(
                DeploymentAuthorisation.guest_agency_id == agency.id
            )
        )
        if g.host_agency_id in hosts
    ]
    verdict = authorisation.decide(
        unit_id=unit.id,
        unit_side=agency.side,
        unit_agency_provinces=tuple(agency.provinces),
        place=place,
        at=at or utcnow(),
        headcount=headcount or unit.strength,
        grants=grants,
    )
    return ActCheck(verdict, place.province, place.district)
