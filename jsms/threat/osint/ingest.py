"""From an extracted news article to the incident record: merge, link or queue for review.

The extractor (`jsms.threat.osint.extract`) says what an article reports; this module decides what
that means for the database. A report of a known event becomes one more source of it (its
figures kept, so the incident shows the range); a background mention links to the event it
names; anything new waits in the analyst review queue; national totals are never incidents.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.threat.models import Incident, IncidentSource
from jsms.threat.osint.dedupe import MAX_DAYS, KnownIncident, Report, best_match
from jsms.threat.service import create_incident

LIVE_STATES = ("accepted", "pending")


@dataclass
class IngestOutcome:
    article: str
    relevant: bool
    created: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    aggregates: int = 0
    skipped: str | None = None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def known_near(db: Session, report: Report) -> list[KnownIncident]:
    """Live incidents close enough in time (or, undated, in place) to be the reported one."""
    stmt = select(Incident).where(Incident.review_status.in_(LIVE_STATES))
    if report.day is not None:
        start = datetime.combine(report.day - timedelta(days=MAX_DAYS), datetime.min.time(), UTC)
        stmt = stmt.where(
            Incident.occurred_at >= start,
            Incident.occurred_at < start + timedelta(days=2 * MAX_DAYS + 1),
        )
    elif report.lat is not None and report.lon is not None:
        stmt = stmt.where(
            Incident.lat.between(report.lat - 0.6, report.lat + 0.6),
            Incident.lon.between(report.lon - 0.6, report.lon + 0.6),
        )
    elif report.province:
        stmt = stmt.where(Incident.province == report.province)
    else:
        return []
    return [
        KnownIncident(i.id, i.occurred_at.date(), i.lat, i.lon, i.province, i.attack_type)
        for i in db.scalars(stmt.limit(5000))
    ]


def _source(
    item: dict[str, Any], *, url: str | None, outlet: str, published: datetime | None
) -> IncidentSource:
    return IncidentSource(
        url=url,
        outlet=outlet[:200],
        published_at=published,
        killed=item.get("killed"),
        injured=item.get("injured"),
        kidnapped=item.get("kidnapped"),
        nationals=item.get("nationals") or {},
        evidence=item.get("evidence") or {},
        role=item["role"],
    )


def _unplaced(item: dict[str, Any]) -> str | None:
    """Why a report's date cannot be placed within the dedup window, or None when it can.

    Only a day-precise date tells whether two reports fall within MAX_DAYS of each other. A
    report dated to the month or year, or by a day without its year ('Nov 30' in an undated
    article), might be a known attack or a new one: an analyst decides. A background mention
    with no date at all names an older attack and links to it (see :func:`best_match`).
    """
    precision = item.get("date_precision", "day" if item.get("date") else None)
    quote = (item.get("evidence") or {}).get("date_precision")
    stated = f"'{quote}'" if quote else "the date"
    if item.get("date") and precision == "day":
        return None
    if precision in {"month", "year"}:
        return (
            f"{stated} is only known to the {precision}: too coarse to tell it from a known attack"
        )
    if precision == "no_year":
        return f"{stated} is stated without a year: cannot be placed within {MAX_DAYS} days"
    if item["role"] == "primary":
        return f"the date is not stated: cannot be placed within {MAX_DAYS} days"
    return None


def _queue(
    db: Session,
    item: dict[str, Any],
    report: Report,
    published: datetime | None,
    notes: str,
) -> Incident:
    """A new incident waiting in the review queue, dated as precisely as the report allows."""
    if report.day is not None:
        occurred, precision = report.day, item.get("date_precision") or "day"
    elif published is not None:
        occurred, precision = published.date(), "unknown"
        notes += "; dated by the publication date"
    else:
        occurred, precision = utcnow().date(), "unknown"
        notes += "; no publication date: dated by the time of ingest"
    kind = (item.get("attack_type") or "other").replace("_", " ")
    return create_incident(
        db,
        sources=[],
        review_status="pending",
        origin="osint",
        title=f"{kind} at {item.get('place') or item.get('province') or 'unknown place'}",
        occurred_at=datetime.combine(occurred, datetime.min.time(), UTC),
        time_precision=precision,
        place_name=item.get("place"),
        lat=item.get("lat"),
        lon=item.get("lon"),
        province=(item.get("province") or None) and item["province"][:80],
        country=item.get("country"),
        attack_type=item.get("attack_type") or "other",
        killed=item.get("killed"),
        injured=item.get("injured"),
        kidnapped=item.get("kidnapped"),
        attackers_killed=item.get("attackers_killed"),
        nationals=item.get("nationals") or {},
        perpetrator_claimed=item.get("perpetrator_claimed"),
        perpetrator_attributed=item.get("perpetrator_attributed"),
        verification="unverified",
        notes=notes,
    )


def already_ingested(db: Session, *, url: str | None, outlet: str) -> bool:
    if url:
        return db.scalar(select(IncidentSource.id).where(IncidentSource.url == url)) is not None
    return (
        db.scalar(
            select(IncidentSource.id).where(
                IncidentSource.outlet == outlet, IncidentSource.url.is_(None)
            )
        )
        is not None
    )


def ingest(
    db: Session,
    extraction: dict[str, Any],
    *,
    url: str | None = None,
    outlet: str = "",
    published: datetime | None = None,
) -> IngestOutcome:
    """Store one article's extraction; returns what happened to each incident it reports."""
    outlet = outlet or extraction["article"]
    outcome = IngestOutcome(article=extraction["article"], relevant=extraction["relevant"])
    if not extraction["relevant"]:
        unread = extraction.get("unread")
        outcome.skipped = f"not read: {unread}" if unread else "not relevant"
        return outcome
    if already_ingested(db, url=url, outlet=outlet):
        outcome.skipped = "already ingested"
        return outcome
    for item in extraction["incidents"]:
        if item["role"] == "aggregate":
            outcome.aggregates += 1
            continue
        report = Report(
            _day(item.get("date")),
            item.get("lat"),
            item.get("lon"),
            item.get("province"),
            item.get("attack_type"),
            published.date() if published else None,
        )
        source = _source(item, url=url, outlet=outlet, published=published)
        doubt = _unplaced(item)
        if doubt is None:
            match = best_match(report, known_near(db, report))
            if match is not None:
                source.incident_id = match.id
                db.add(source)
                (outcome.merged if item["role"] == "primary" else outcome.linked).append(match.id)
                continue
            notes = f"from {outlet}"
        else:
            undated = replace(report, day=None)
            candidate = best_match(undated, known_near(db, undated))
            notes = f"from {outlet}; {doubt}" + (
                f"; possible duplicate of {candidate.id} ({candidate.day.isoformat()})"
                if candidate is not None
                else ""
            )
        incident = _queue(db, item, report, published, notes)
        source.incident_id = incident.id
        db.add(source)
        outcome.created.append(incident.id)
    db.flush()
    audit.record(
        db,
        action="osint.ingest",
        object_type="article",
        object_id=(url or outlet)[:64],
        detail={
            "created": len(outcome.created),
            "merged": len(outcome.merged),
            "linked": len(outcome.linked),
            "aggregates": outcome.aggregates,
        },
    )
    return outcome
