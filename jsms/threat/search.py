"""Finding incidents: the list's filters (applied in the query), the choices they offer, and
the records linked to an incident; need-to-know comes from `service.incident_query`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jsms.identity.policy import Actor
from jsms.threat.models import Incident
from jsms.threat.service import incident_query


@dataclass(frozen=True)
class IncidentFilter:
    """What a person narrows the incident list to; every filter is applied in the query, so a
    page of the 14,000+ incidents costs one indexed query and one count."""

    province: str | None = None
    attack_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    review_status: str | None = "accepted"
    verification: str | None = None
    origin: str | None = None


def incident_search(actor: Actor, found: IncidentFilter) -> Select[Incident]:
    """The incidents the actor may see that match the filter, newest first."""
    stmt = incident_query(actor)
    if found.province:
        stmt = stmt.where(Incident.province == found.province)
    if found.attack_type:
        stmt = stmt.where(Incident.attack_type == found.attack_type)
    if found.since:
        stmt = stmt.where(Incident.occurred_at >= found.since)
    if found.until:
        stmt = stmt.where(Incident.occurred_at < found.until)
    if found.review_status:
        stmt = stmt.where(Incident.review_status == found.review_status)
    if found.verification:
        stmt = stmt.where(Incident.verification == found.verification)
    if found.origin:
        stmt = stmt.where(Incident.origin == found.origin)
    return stmt


def incident_choices(db: Session, actor: Actor) -> dict[str, list[str]]:
    """The provinces and origins the actor's incidents carry, for the list's filters."""
    seen = incident_query(actor).order_by(None).subquery()
    return {
        name: sorted(v for v in db.scalars(select(seen.c[name]).distinct()) if v)
        for name in ("province", "origin")
    }


def related_incidents(db: Session, actor: Actor, incident: Incident) -> dict[str, list[Incident]]:
    """The records linked to an incident that the actor may see: what it duplicates or
    supersedes, and the reports merged into it or superseding it."""
    mine = incident_query(actor)
    links = {
        "duplicate_of": mine.where(Incident.id == incident.duplicate_of_id),
        "supersedes": mine.where(Incident.id == incident.supersedes_id),
        "duplicates": mine.where(Incident.duplicate_of_id == incident.id),
        "superseded_by": mine.where(Incident.supersedes_id == incident.id),
    }
    return {name: list(db.scalars(stmt.limit(50))) for name, stmt in links.items()}
