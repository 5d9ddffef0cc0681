"""What a partner receives: the STIX objects its agreement lets through (a bundle for a file,
or the TAXII collection it pulls), every export audited.

The collection is kept as rows (one per object, the version in force) so that TAXII's
`date_added` means something: an object is added when it first appears or changes, and
withdrawn the moment the agreement stops allowing it (it is never served again).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import new_id, utcnow
from jsms.exchange.agreements import Terms
from jsms.exchange.models import Partner, PublishedObject
from jsms.exchange.service import terms_in_force
from jsms.exchange.stix_export import Author, MovementFacts, export
from jsms.identity.models import Agency
from jsms.movements.models import Movement
from jsms.registry.models import ProtectedPerson
from jsms.threat.models import Incident

SHARED_REVIEW_STATES = ("accepted",)
MOVEMENT_STATES = ("approved", "in_progress", "completed", "aborted")
MOVEMENT_DAYS = 30
WITHHELD = "[withheld]"


def person_redactor(db: Session) -> Callable[[str], str]:
    """A function that removes protected persons' names from a text. Personal data never
    leaves, whatever an agreement says: this is applied to every text that is exported."""
    names = sorted(
        {n.strip() for n in db.scalars(select(ProtectedPerson.full_name)) if len(n.strip()) > 2},
        key=len,
        reverse=True,
    )
    if not names:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    return lambda text: pattern.sub(WITHHELD, text)


def author_of(db: Session, partner: Partner) -> Author:
    agency = db.get(Agency, partner.owner_agency_id)
    assert agency is not None
    return Author(agency.id, agency.name, agency.country, agency.created_at)


def _incidents(db: Session) -> list[Incident]:
    """Accepted incidents only: the review queue is not ours to pass on."""
    stmt = (
        select(Incident)
        .where(Incident.review_status.in_(SHARED_REVIEW_STATES))
        .order_by(Incident.occurred_at)
    )
    return list(db.scalars(stmt))


def _movements(db: Session, terms: Terms) -> list[MovementFacts]:
    """Movement summaries, only when the agreement says so (read here and nowhere else)."""
    if terms.movements != "summary":
        return []
    since = utcnow() - timedelta(days=MOVEMENT_DAYS)
    rows = db.scalars(
        select(Movement).where(Movement.status.in_(MOVEMENT_STATES), Movement.departure_at >= since)
    )
    return [
        MovementFacts(
            m.id,
            m.reference,
            m.departure_at.date(),
            tuple(m.jurisdictions),
            m.status,
            m.created_at,
            m.updated_at,
        )
        for m in rows
    ]


def objects_for(
    db: Session, partner: Partner, terms: Terms
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The objects the partner may receive under `terms` (not audited: callers are)."""
    return export(
        author_of(db, partner),
        terms,
        _incidents(db),
        _movements(db, terms),
        person_redactor(db),
    )


def export_bundle(
    db: Session, partner: Partner, *, by: str
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The objects for a bundle file, audited with what went and what was withheld."""
    terms = terms_in_force(db, partner)
    objects, counts = ([], {"incidents": 0}) if terms is None else objects_for(db, partner, terms)
    audit.record(
        db,
        action="exchange.export",
        object_type="exchange_partner",
        object_id=partner.id,
        detail={
            "via": by,
            "agreement_version": terms.version if terms else None,
            "objects": len(objects),
            **counts,
        },
    )
    return objects, counts


# The TAXII collection --------------------------------------------------------------------


def _digest(obj: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _version(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def _fingerprint(db: Session, partner: Partner, terms: Terms | None) -> str:
    """What the collection depends on; it is rebuilt only when this changes."""
    if terms is None:
        return "none"
    newest = [
        db.scalar(select(func.max(Incident.updated_at))),
        db.scalar(select(func.count(Incident.id))),
        db.scalar(select(func.max(ProtectedPerson.updated_at))),
    ]
    if terms.movements == "summary":
        newest.append(db.scalar(select(func.max(Movement.updated_at))))
        newest.append(utcnow().date())  # the window of days moves
    return f"v{terms.version}|{partner.owner_agency_id}|" + "|".join(str(v) for v in newest)


def refresh_collection(db: Session, partner: Partner) -> None:
    """Bring the partner's collection up to what its agreement allows now.

    The partner's row is locked first (PostgreSQL), so two requests of one partner arriving
    together rebuild one after the other, the second finding the work done."""
    db.execute(select(Partner.id).where(Partner.id == partner.id).with_for_update())
    db.refresh(partner)
    terms = terms_in_force(db, partner)
    fingerprint = _fingerprint(db, partner, terms)
    if partner.published_from == fingerprint:
        return
    objects = [] if terms is None else objects_for(db, partner, terms)[0]
    live = {
        row.stix_id: row
        for row in db.scalars(
            select(PublishedObject).where(
                PublishedObject.partner_id == partner.id, PublishedObject.withdrawn.is_(False)
            )
        )
    }
    now = datetime.now(UTC)
    added: list[dict[str, Any]] = []
    for obj in objects:
        digest = _digest(obj)
        row = live.pop(obj["id"], None)
        if row is not None and row.digest == digest:
            continue
        added.append(
            {
                "id": new_id(),
                "partner_id": partner.id,
                "stix_id": obj["id"],
                "version": _version(obj),
                "date_added": now,
                "digest": digest,
                "body": obj,
                "withdrawn": False,
            }
        )
    gone = [row.id for row in live.values()]
    if gone:
        # an object the agreement no longer allows is never served again
        db.execute(
            update(PublishedObject).where(PublishedObject.id.in_(gone)).values(withdrawn=True)
        )
    if added:
        # the version it replaces (or a withdrawn one coming back) makes way for it
        stix_ids = [a["stix_id"] for a in added]
        for start in range(0, len(stix_ids), 500):
            db.execute(
                delete(PublishedObject).where(
                    PublishedObject.partner_id == partner.id,
                    PublishedObject.stix_id.in_(stix_ids[start : start + 500]),
                )
            )
        for start in range(0, len(added), 1000):
            db.execute(insert(PublishedObject), added[start : start + 1000])
    partner.published_from = fingerprint
    db.flush()
    audit.record(
        db,
        action="exchange.publish",
        object_type="exchange_partner",
        object_id=partner.id,
        detail={
            "agreement_version": terms.version if terms else None,
            "added": len(added),
            "withdrawn": len(gone),
            "in_collection": len(objects),
        },
    )
