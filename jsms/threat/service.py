"""Incident storage, import, review queue and analyst overrides."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

import h3
from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import new_id, utcnow
from jsms.errors import Conflict, Invalid, NotFound
from jsms.geo.h3cells import INDEX_RESOLUTION
from jsms.identity.policy import Actor
from jsms.identity.roles import Side
from jsms.threat.importers import IncidentRecord
from jsms.threat.models import Incident, IncidentSource, ThreatOverride

if TYPE_CHECKING:
    from jsms.threat.schemas import IncidentIn

TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
VERIFICATIONS = ("unverified", "probable", "confirmed")
REVIEW_STATES = ("pending", "accepted", "rejected", "merged")


def cell_int(lat: float | None, lon: float | None) -> int | None:
    """The H3 index stored with an incident, computed once when it is written."""
    if lat is None or lon is None:
        return None
    return int(h3.str_to_int(h3.latlng_to_cell(lat, lon, INDEX_RESOLUTION)))


def severity_of(
    attack_type: str | None,
    killed: int | None,
    injured: int | None,
    nationals: dict[str, Any] | None,
) -> float:
    from jsms.threat.risk import severity

    foreign = sum(
        (v.get("killed") or 0) + (v.get("injured") or 0)
        for code, v in (nationals or {}).items()
        if code != "PK"
    )
    return float(severity(attack_type, killed, injured, foreign_victims=foreign))


def _row(record: IncidentRecord, review_status: str) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": new_id(),
        "created_at": now,
        "updated_at": now,
        "title": record.title[:300],
        "occurred_at": record.occurred_at,
        "time_precision": record.time_precision,
        "place_name": record.place_name,
        "lat": record.lat,
        "lon": record.lon,
        "province": record.province,
        "district": record.district,
        "h3_cell": cell_int(record.lat, record.lon),
        "attack_type": record.attack_type,
        "target_type": record.target_type,
        "killed": record.killed,
        "injured": record.injured,
        "nationals": record.nationals,
        "attackers_killed": record.attackers_killed,
        "perpetrator_claimed": record.perpetrator_claimed,
        "perpetrator_attributed": record.perpetrator_attributed,
        "verification": "probable" if record.origin in {"gtd", "acled"} else "unverified",
        "tlp": "clear" if record.origin in {"gtd", "acled"} else "green",
        "origin": record.origin,
        "external_key": record.external_key,
        "review_status": review_status,
        "duplicate_of_id": None,
        "supersedes_id": None,
        "severity": severity_of(
            record.attack_type, record.killed, record.injured, record.nationals
        ),
        "notes": record.notes,
    }


def import_records(
    db: Session,
    records: Iterable[IncidentRecord],
    *,
    origin: str,
    source_name: str,
    on_batch: Any = None,
) -> tuple[int, int]:
    """Store records not seen before (by origin + key); returns (added, already present)."""
    known = set(db.scalars(select(Incident.external_key).where(Incident.origin == origin)))
    fresh, skipped, batch = 0, 0, []
    for record in records:
        if record.external_key in known:
            skipped += 1
            continue
        known.add(record.external_key)
        batch.append(_row(record, "accepted"))
        if len(batch) >= 2000:
            db.execute(insert(Incident), batch)
            fresh += len(batch)
            if on_batch:
                on_batch(len(batch))
            batch = []
    if batch:
        db.execute(insert(Incident), batch)
        fresh += len(batch)
        if on_batch:
            on_batch(len(batch))
    audit.record(
        db,
        action="incident.import",
        object_type="incident",
        detail={"origin": origin, "file": source_name, "added": fresh, "already_present": skipped},
    )
    return fresh, skipped


def incident_query(actor: Actor) -> Select[Incident]:
    """Incidents the actor may see: companies get TLP:CLEAR and GREEN only."""
    stmt = select(Incident).order_by(Incident.occurred_at.desc())
    if actor.side == Side.CLIENT:
        stmt = stmt.where(Incident.tlp.in_(("clear", "green")))
    return stmt


def mark_incident(
    db: Session, actor: Actor, incident_id: str, *, verification: str, tlp: str
) -> Incident:
    """An analyst's judgement of how sure the record is and who may share it (the change is
    audited with the old and new values)."""
    if verification not in VERIFICATIONS:
        raise Invalid(f"verification must be one of {', '.join(VERIFICATIONS)}")
    if tlp not in TLP_ORDER:
        raise Invalid(f"TLP must be one of {', '.join(TLP_ORDER)}")
    incident = get_incident(db, actor, incident_id)
    before = {"verification": incident.verification, "tlp": incident.tlp}
    incident.verification, incident.tlp = verification, tlp
    db.flush()
    audit.record(
        db,
        action="incident.marked",
        object_type="incident",
        object_id=incident.id,
        detail={"before": before, "after": {"verification": verification, "tlp": tlp}},
    )
    return incident


def get_incident(db: Session, actor: Actor, incident_id: str) -> Incident:
    incident = db.scalar(incident_query(actor).where(Incident.id == incident_id))
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def create_incident(
    db: Session,
    *,
    sources: list[dict[str, Any]],
    review_status: str,
    origin: str = "manual",
    **fields: Any,
) -> Incident:
    fields.setdefault("external_key", new_id())
    incident = Incident(
        origin=origin,
        review_status=review_status,
        h3_cell=cell_int(fields.get("lat"), fields.get("lon")),
        severity=severity_of(
            fields.get("attack_type"),
            fields.get("killed"),
            fields.get("injured"),
            fields.get("nationals"),
        ),
        sources=[IncidentSource(**s) for s in sources],
        **fields,
    )
    db.add(incident)
    db.flush()
    return incident


def log_incident(db: Session, body: IncidentIn) -> Incident:
    """An incident logged by hand (a field report), with its sources; accepted at once."""
    fields = body.model_dump(mode="python")
    fields["attack_type"] = body.attack_type.value
    fields["verification"] = body.verification.value
    fields["tlp"] = body.tlp.value
    sources = fields.pop("sources")
    return create_incident(db, sources=sources, review_status="accepted", **fields)


def figure_range(incident: Incident, field: str) -> tuple[int | None, int | None]:
    """Lowest and highest figure the sources give (the incident's own when none do)."""
    values = [getattr(s, field) for s in incident.sources if getattr(s, field) is not None]
    own = getattr(incident, field)
    if own is not None:
        values.append(own)
    return (min(values), max(values)) if values else (None, None)


def review_queue(actor: Actor) -> Select[Incident]:
    return incident_query(actor).where(Incident.review_status == "pending")


def review(
    db: Session,
    actor: Actor,
    incident_id: str,
    *,
    decision: str,
    merge_into: str | None = None,
    note: str = "",
) -> Incident:
    """Accept, reject, or merge a pending incident into an existing one (moving its sources)."""
    incident = get_incident(db, actor, incident_id)
    if incident.review_status != "pending":
        raise Conflict(f"incident {incident_id} was already reviewed ({incident.review_status})")
    if decision == "accept":
        incident.review_status = "accepted"
    elif decision == "reject":
        incident.review_status = "rejected"
    elif decision == "merge":
        if not merge_into or merge_into == incident.id:
            raise Invalid("merge needs merge_into: the id of another incident")
        target = get_incident(db, actor, merge_into)
        for source in list(incident.sources):
            source.incident_id = target.id
        incident.review_status = "merged"
        incident.duplicate_of_id = target.id
    else:
        raise Invalid("decision must be accept, reject or merge")
    if note:
        incident.notes = (incident.notes + "\n" + note).strip()
    db.flush()
    return incident


def _refused(field: str, reason: str) -> Invalid:
    """A refusal naming the field it concerns, as request validation does (a form shows the
    reason beside that field)."""
    return Invalid(reason, errors=[{"field": field, "reason": reason}])


def create_override(
    db: Session,
    actor: Actor,
    *,
    area_kind: str,
    area: str,
    level: int,
    reason: str,
    expires_at: datetime,
    starts_at: datetime | None = None,
) -> ThreatOverride:
    if area_kind not in {"cell", "district", "province"}:
        raise _refused("area_kind", "area_kind must be cell, district or province")
    if area_kind == "cell" and not h3.is_valid_cell(area):
        raise _refused("area", f"{area!r} is not an H3 cell")
    if area_kind != "cell" and area not in area_names(db, area_kind):
        raise _refused(
            "area",
            f"{area!r} is not a known {area_kind}: an override of a name that no place "
            "carries would never apply",
        )
    start = starts_at or utcnow()
    if expires_at <= start:
        raise _refused("expires_at", "expires_at must be after the start")
    override = ThreatOverride(
        area_kind=area_kind,
        area=area,
        level=level,
        reason=reason,
        starts_at=start,
        expires_at=expires_at,
        created_by=actor.username,
    )
    db.add(override)
    db.flush()
    return override


def area_names(db: Session, kind: str) -> list[str]:
    """The province or district names a place is located in: the imported boundaries when
    there are any (as `geo.service.locate` places points), else the gazetteer's."""
    from jsms.geo.gazetteer import load_gazetteer
    from jsms.geo.models import AdminArea

    level = {"province": 1, "district": 2}[kind]
    names = set(db.scalars(select(AdminArea.name).where(AdminArea.level == level)))
    if not names:
        names = {getattr(p, kind) for p in load_gazetteer().places if getattr(p, kind)}
    return sorted(names)


def override_query() -> Select[ThreatOverride]:
    """Every override, the latest to expire first (in force, future and expired alike)."""
    return select(ThreatOverride).order_by(ThreatOverride.expires_at.desc())


def overrides_at(db: Session, at: datetime) -> list[ThreatOverride]:
    return list(
        db.scalars(
            select(ThreatOverride)
            .where(ThreatOverride.starts_at <= at, ThreatOverride.expires_at > at)
            .order_by(ThreatOverride.created_at)
        )
    )


def _date(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text).replace(tzinfo=UTC)


def load_curated_incidents(db: Session) -> tuple[int, int]:
    """The project's own record of attacks on foreign nationals since 2018 (with sources)."""
    from jsms.geo.gazetteer import load_gazetteer

    data = json.loads(
        resources.files("jsms.threat").joinpath("data/historical_incidents.json").read_text()
    )
    gazetteer = load_gazetteer()
    known = set(db.scalars(select(Incident.external_key).where(Incident.origin == "curated")))
    added = 0
    for row in data["incidents"]:
        if row["key"] in known:
            continue
        place = gazetteer.lookup(row["place"])[0]
        occurred = _date(row["date"])
        assert occurred is not None
        sources = [
            {
                "outlet": s["outlet"],
                "url": s.get("url"),
                "published_at": _date(s.get("published")),
                "killed": s.get("killed"),
                "injured": s.get("injured"),
                "nationals": s.get("nationals", {}),
                "evidence": s.get("evidence", {}),
            }
            for s in row["sources"]
        ]
        create_incident(
            db,
            sources=sources,
            review_status="accepted",
            origin="curated",
            external_key=row["key"],
            title=row["title"],
            occurred_at=occurred,
            time_precision="day",
            place_name=place.name,
            lat=place.lat,
            lon=place.lon,
            province=place.province,
            district=place.district,
            attack_type=row["attack_type"],
            target_type=row.get("target_type"),
            killed=row.get("killed"),
            injured=row.get("injured"),
            nationals=row.get("nationals", {}),
            attackers_killed=row.get("attackers_killed"),
            perpetrator_claimed=row.get("perpetrator_claimed"),
            perpetrator_attributed=row.get("perpetrator_attributed"),
            verification=row.get("verification", "probable"),
            tlp="clear",
        )
        added += 1
    return added, len(data["incidents"]) - added
