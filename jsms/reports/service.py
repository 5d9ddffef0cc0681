"""Gathering the SITREP for one period, for one reader or for the operator.

The reader is an `Actor` (a person in the control room: need-to-know applies through the
same service calls the API uses) or None (the operator's command line: the full report,
marked RESTRICTED). Incidents count as facts only once accepted; reports still waiting for
an analyst are counted, not listed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.errors import Invalid
from jsms.identity.policy import Actor, can
from jsms.movements.sop.local_time import DEFAULT_ZONE, LocalZone
from jsms.pagination import count_rows
from jsms.reports import levels
from jsms.reports.movements import movement_section
from jsms.reports.period import DAY, TIMED, period_for, placed_at, trend_periods
from jsms.reports.schemas import IncidentLine, Period, Sitrep, SitrepRequest, TrendDay
from jsms.threat import service as threat
from jsms.threat.models import Incident, IncidentSource

ATTACK_LABELS = {
    "ied": "IED",
    "vbied": "Vehicle bomb (VBIED)",
    "suicide_attack": "Suicide attack",
    "armed_assault": "Armed assault",
    "kidnapping": "Kidnapping",
    "rocket_grenade": "Rocket or grenade",
    "threat": "Threat",
    "protest": "Protest",
    "roadblock": "Roadblock",
    "other": "Other",
}
TLP_ORDER = threat.TLP_ORDER
TREND_DAYS = 30


def period_of(request: SitrepRequest, zone: LocalZone = DEFAULT_ZONE) -> Period:
    """The period asked for; one that has not begun yet has nothing to report (Invalid)."""
    period = period_for(request.date, request.cutoff, zone)
    if period.start > utcnow():
        raise Invalid(
            f"the SITREP for {request.date:%d %b %Y} covers {period.label}, which has not "
            "begun yet; choose today or an earlier date"
        )
    return period


def _incidents(reader: Actor | None) -> Select[Any]:
    """Incidents the reader may see (companies: TLP:CLEAR and GREEN), accepted ones only."""
    stmt = threat.incident_query(reader) if reader is not None else select(Incident)
    return stmt.where(Incident.review_status == "accepted")


def _nationals(coded: dict[str, Any]) -> str:
    parts = []
    for code, figures in sorted((coded or {}).items()):
        said = [
            f"{figures.get(kind)} {kind}"
            for kind in ("killed", "injured")
            if isinstance(figures, dict) and figures.get(kind)
        ]
        parts.append(f"{code} {', '.join(said)}" if said else f"{code} unharmed")
    return "; ".join(parts) or "none recorded"


def _place(incident: Incident) -> str:
    names = [incident.place_name, incident.district, incident.province]
    return ", ".join(dict.fromkeys(n for n in names if n)) or "place unknown"


def _when(incident: Incident, zone: LocalZone) -> str:
    if incident.time_precision in TIMED:
        return zone.stamp(incident.occurred_at)
    if placed_at(incident.occurred_at, incident.time_precision, zone) is None:
        return f"{incident.occurred_at:%b %Y} ({incident.time_precision} only)"
    return f"{incident.occurred_at:%d %b %Y} (time not known)"


def incident_line(
    incident: Incident, zone: LocalZone, first_reported: datetime | None = None
) -> IncidentLine:
    return IncidentLine(
        id=incident.id,
        title=incident.title,
        when=_when(incident, zone),
        occurred_at=incident.occurred_at,
        place=_place(incident),
        province=incident.province,
        lat=incident.lat,
        lon=incident.lon,
        attack_type=ATTACK_LABELS.get(incident.attack_type, incident.attack_type),
        killed=threat.figure_range(incident, "killed"),
        injured=threat.figure_range(incident, "injured"),
        nationals=_nationals(incident.nationals),
        verification=incident.verification,
        sources=len(incident.sources),
        origin=incident.origin,
        tlp=incident.tlp,
        first_reported=first_reported,
    )


def _within(
    incidents: list[Incident], start: datetime, end: datetime, zone: LocalZone
) -> list[Incident]:
    out = []
    for incident in incidents:
        at = placed_at(incident.occurred_at, incident.time_precision, zone)
        if at is not None and start <= at < end:
            out.append(incident)
    return out


def incidents_in(
    db: Session, reader: Actor | None, start: datetime, end: datetime, zone: LocalZone
) -> list[Incident]:
    """Accepted incidents that happened in [start, end), oldest first."""
    stmt = _incidents(reader).where(
        Incident.occurred_at >= start - DAY, Incident.occurred_at < end + DAY
    )
    rows = list(db.scalars(stmt.order_by(None).order_by(Incident.occurred_at)))
    return _within(rows, start, end, zone)


def reported_late(
    db: Session, reader: Actor | None, period: Period, zone: LocalZone
) -> list[IncidentLine]:
    """Accepted incidents that happened before the period but were first reported in it
    (their first news or field report was published then)."""
    first = (
        select(
            IncidentSource.incident_id.label("incident_id"),
            func.min(IncidentSource.published_at).label("first"),
        )
        .where(IncidentSource.role == "primary", IncidentSource.published_at.is_not(None))
        .group_by(IncidentSource.incident_id)
        .subquery()
    )
    stmt = (
        _incidents(reader)
        .join(first, first.c.incident_id == Incident.id)
        .where(first.c.first >= period.start, first.c.first < period.end)
        .add_columns(first.c.first)
    )
    out = []
    for incident, first_at in db.execute(stmt.order_by(None).order_by(Incident.occurred_at)):
        at = placed_at(incident.occurred_at, incident.time_precision, zone)
        if at is None or at < period.start:
            out.append(incident_line(incident, zone, first_at))
    return out


def trend(db: Session, reader: Actor | None, period: Period, zone: LocalZone) -> list[TrendDay]:
    """Incidents and casualties in each of the 30 periods ending with this one."""
    periods = trend_periods(period, TREND_DAYS)
    rows = incidents_in(db, reader, periods[0][1], periods[-1][2], zone)
    out = []
    for day, start, end in periods:
        lines = [incident_line(i, zone) for i in _within(rows, start, end, zone)]
        casualties = sum(line.casualties for line in lines)
        out.append(TrendDay(day=day, incidents=len(lines), casualties=casualties))
    return out


def _review_counts(db: Session, reader: Actor | None, period: Period) -> tuple[int, int]:
    """Reports waiting for an analyst: all of them, and those that came in during the period."""
    stmt = threat.review_queue(reader) if reader is not None else select(Incident)
    stmt = stmt.where(Incident.review_status == "pending")
    arrived = stmt.where(Incident.created_at >= period.start, Incident.created_at < period.end)
    return count_rows(db, stmt), count_rows(db, arrived)


def _tally(values: list[str]) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))


def gather(
    db: Session,
    reader: Actor | None,
    request: SitrepRequest,
    *,
    prepared_for: str,
    zone: LocalZone = DEFAULT_ZONE,
) -> Sitrep:
    """The SITREP for `request` as `reader` may see it (None: the operator's full report)."""
    period = period_of(request, zone)
    now = utcnow()
    as_of = min(period.end, now)
    found = incidents_in(db, reader, period.start, period.end, zone)
    occurred = [incident_line(incident, zone) for incident in found]
    late = reported_late(db, reader, period, zone)
    waiting, arrived = _review_counts(db, reader, period)
    tlps = [line.tlp for line in occurred + late if line.tlp in TLP_ORDER]
    levels_shown = reader is None or can(reader, "risk.read")
    return Sitrep(
        period=period,
        generated_at=now,
        as_of=as_of,
        prepared_for=prepared_for,
        restricted=reader is None,
        highest_tlp=max(tlps, key=TLP_ORDER.index) if tlps else "clear",
        incidents=occurred,
        reported_late=late,
        review_waiting=waiting,
        review_in_period=arrived,
        by_type=_tally([line.attack_type for line in occurred]),
        by_province=_tally([line.province or "Province unknown" for line in occurred]),
        trend=trend(db, reader, period, zone),
        levels_shown=levels_shown,
        level_changes=levels.changes(db, period, as_of) if levels_shown else [],
        overrides=levels.overrides(db, period) if levels_shown else [],
        movements=movement_section(db, reader, period, zone),
    )


def record_generation(db: Session, sitrep: Sitrep, fmt: str, *, file: str | None = None) -> None:
    """Who produced which SITREP, in what form, and which movements it showed in full."""
    detail: dict[str, Any] = {
        "format": fmt,
        "period": sitrep.period.label,
        "restricted": sitrep.restricted,
        "incidents": len(sitrep.incidents),
        "movements_in_full": [m.reference for m in sitrep.movements.full],
    }
    if file:
        detail["file"] = file
    audit.record(
        db,
        action="report.sitrep",
        object_type="report",
        object_id=f"sitrep-{sitrep.period.day.isoformat()}",
        detail=detail,
    )
