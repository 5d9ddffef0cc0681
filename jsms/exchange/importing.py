"""A partner's bundle into our threat picture: unverified incidents in the review queue.

The same STIX id seen before is updated while it still waits for review (a newer version)
or left alone (the same version, or an analyst already decided); a new one that looks like a
known incident (the OSINT ingest's own matching) waits with that incident named as the
likely duplicate. Every object received is recorded with the partner that sent it, and the
import is audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.exchange.models import ImportedObject, Partner
from jsms.exchange.stix_import import IncomingIncident, read_bundle
from jsms.threat.models import Incident, IncidentSource
from jsms.threat.osint.dedupe import ranked_matches
from jsms.threat.osint.duplicates import report_of
from jsms.threat.osint.ingest import known_near
from jsms.threat.service import cell_int, create_incident, severity_of

ORIGIN = "partner"


@dataclass
class ImportOutcome:
    received: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    incidents: list[str] = field(default_factory=list)
    candidates: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, **dict(self.counts)}


def _candidate(db: Session, incident: Incident) -> Incident | None:
    """The known incident this one most likely describes (ingest's matching), if any."""
    report = report_of(incident)
    matches = []
    if report.day is not None:
        matches = ranked_matches(report, known_near(db, report))
    if not matches:
        earlier = replace(report, day=None, published=report.day or report.published)
        matches = ranked_matches(earlier, known_near(db, earlier))
    for match in matches:
        if match.incident.id != incident.id:
            return db.get(Incident, match.incident.id)
    return None


def _note(partner: Partner, via: str, candidate: Incident | None) -> str:
    note = f"from partner {partner.name} (via {via}); unverified until reviewed"
    if candidate is not None:
        note += (
            f"; possible duplicate of {candidate.id} "
            f"({candidate.title}, {candidate.occurred_at.date().isoformat()})"
        )
    return note


def _create(
    db: Session, partner: Partner, item: IncomingIncident, via: str
) -> tuple[Incident, Incident | None]:
    fields = dict(item.fields)
    partner_notes = fields.pop("notes", "")
    incident = create_incident(
        db,
        sources=item.sources,
        review_status="pending",
        origin=ORIGIN,
        external_key=item.stix_id[:80],
        verification="unverified",
        tlp=item.tlp,
        notes="",
        **fields,
    )
    candidate = _candidate(db, incident)
    incident.notes = _note(partner, via, candidate) + (
        f"\npartner's description: {partner_notes}" if partner_notes else ""
    )
    return incident, candidate


def _update(incident: Incident, item: IncomingIncident) -> None:
    """A newer version of a report still waiting for review replaces the older one."""
    fields = dict(item.fields)
    fields.pop("notes", None)
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.tlp = item.tlp
    incident.h3_cell = cell_int(incident.lat, incident.lon)
    incident.severity = severity_of(
        incident.attack_type, incident.killed, incident.injured, incident.nationals
    )
    incident.sources = [IncidentSource(**s) for s in item.sources]


def import_bundle(db: Session, partner: Partner, data: Any, *, via: str, by: str) -> ImportOutcome:
    """Import a bundle a partner sent (`via` file or taxii); audited with what became of it."""
    items = read_bundle(data)
    outcome = ImportOutcome(received=len(items))
    now = utcnow()
    for item in items:
        known = db.scalar(
            select(Incident).where(
                Incident.origin == ORIGIN, Incident.external_key == item.stix_id[:80]
            )
        )
        last = db.scalar(
            select(ImportedObject)
            .where(ImportedObject.stix_id == item.stix_id)
            .order_by(ImportedObject.received_at.desc())
            .limit(1)
        )
        candidate_id = None
        if known is None:
            known, candidate = _create(db, partner, item, via)
            candidate_id = candidate.id if candidate else None
            result = "created"
        elif last is not None and last.version >= item.version:
            result = "unchanged"
        elif known.review_status == "pending":
            _update(known, item)
            result = "updated"
        else:
            result = "reviewed"  # an analyst decided already: a later version changes nothing
        outcome.counts[result] += 1
        if result != "unchanged":
            db.add(
                ImportedObject(
                    partner_id=partner.id,
                    stix_id=item.stix_id,
                    stix_type="incident",
                    version=item.version,
                    received_at=now,
                    via=via,
                    outcome=result,
                    incident_id=known.id,
                    candidate_id=candidate_id,
                )
            )
        if result in ("created", "updated"):
            outcome.incidents.append(known.id)
        if candidate_id:
            outcome.candidates[known.id] = candidate_id
    db.flush()
    audit.record(
        db,
        action="exchange.import",
        object_type="exchange_partner",
        object_id=partner.id,
        detail={"via": via, "by": by, **outcome.as_dict()},
    )
    return outcome
