"""Incidents, the analyst review queue and threat-level overrides over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from jsms.deps import Db, Paging, require
from jsms.identity.policy import Actor
from jsms.pagination import Page, paginate
from jsms.threat import service
from jsms.threat.models import Incident, ThreatOverride
from jsms.threat.schemas import (
    AttackType,
    IncidentIn,
    IncidentOut,
    OverrideIn,
    OverrideOut,
    ReviewIn,
)

router = APIRouter(prefix="/api/v1", tags=["threat"])


def incident_out(incident: Incident) -> IncidentOut:
    data = {
        c: getattr(incident, c)
        for c in IncidentOut.model_fields
        if c not in {"killed_range", "injured_range", "sources"}
    }
    return IncidentOut(
        **data,
        sources=incident.sources,  # type: ignore[arg-type]
        killed_range=service.figure_range(incident, "killed"),
        injured_range=service.figure_range(incident, "injured"),
    )


@router.get("/incidents", response_model=Page[IncidentOut])
def list_incidents(
    db: Db,
    paging: Paging,
    actor: Annotated[Actor, require("incident.read")],
    province: Annotated[str | None, Query(max_length=40)] = None,
    attack_type: AttackType | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    review_status: Annotated[
        str | None, Query(pattern="^(pending|accepted|rejected|merged)$")
    ] = "accepted",
) -> Page[IncidentOut]:
    """Incidents newest first, filtered; companies see TLP:CLEAR and GREEN only."""
    stmt = service.incident_query(actor)
    if province:
        stmt = stmt.where(Incident.province == province)
    if attack_type:
        stmt = stmt.where(Incident.attack_type == attack_type.value)
    if since:
        stmt = stmt.where(Incident.occurred_at >= since)
    if until:
        stmt = stmt.where(Incident.occurred_at < until)
    if review_status:
        stmt = stmt.where(Incident.review_status == review_status)
    rows, total = paginate(db, stmt, paging.page, paging.per_page)
    return Page(
        items=[incident_out(i) for i in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("/incidents", response_model=IncidentOut, status_code=201)
def create_incident(
    body: IncidentIn, db: Db, _: Annotated[Actor, require("incident.write")]
) -> IncidentOut:
    """Log an incident by hand (a field report); it is accepted at once."""
    fields = body.model_dump(mode="python")
    fields["attack_type"] = body.attack_type.value
    fields["verification"] = body.verification.value
    fields["tlp"] = body.tlp.value
    sources = fields.pop("sources")
    return incident_out(
        service.create_incident(db, sources=sources, review_status="accepted", **fields)
    )


@router.get("/incidents/review-queue", response_model=Page[IncidentOut])
def review_queue(
    db: Db, paging: Paging, actor: Annotated[Actor, require("incident.review")]
) -> Page[IncidentOut]:
    """New OSINT incidents waiting for an analyst."""
    rows, total = paginate(db, service.review_queue(actor), paging.page, paging.per_page)
    return Page(
        items=[incident_out(i) for i in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(
    incident_id: str, db: Db, actor: Annotated[Actor, require("incident.read")]
) -> IncidentOut:
    return incident_out(service.get_incident(db, actor, incident_id))


@router.post("/incidents/{incident_id}/review", response_model=IncidentOut)
def review_incident(
    incident_id: str, body: ReviewIn, db: Db, actor: Annotated[Actor, require("incident.review")]
) -> IncidentOut:
    """Accept, reject, or merge into an existing incident."""
    return incident_out(
        service.review(
            db,
            actor,
            incident_id,
            decision=body.decision,
            merge_into=body.merge_into,
            note=body.note,
        )
    )


@router.get("/threat/overrides", response_model=list[OverrideOut])
def list_overrides(
    db: Db, _: Annotated[Actor, require("risk.read")], at: AwareDatetime | None = None
) -> list[OverrideOut]:
    """Overrides in force now (or at time `at`)."""
    from jsms.db import utcnow

    when = at or utcnow()
    return [OverrideOut.model_validate(o) for o in service.overrides_at(db, when)]


@router.post("/threat/overrides", response_model=OverrideOut, status_code=201)
def create_override(
    body: OverrideIn, db: Db, actor: Annotated[Actor, require("risk.override")]
) -> OverrideOut:
    """Set an area's threat level by hand, with the reason, until it expires (audited)."""
    override: ThreatOverride = service.create_override(db, actor, **body.model_dump())
    return OverrideOut.model_validate(override)
