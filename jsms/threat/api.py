"""Incidents, the analyst review queue and threat-level overrides over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.deps import Db, Paging, require
from jsms.errors import Invalid
from jsms.identity.policy import Actor
from jsms.pagination import Page, paginate
from jsms.threat import risk, service, surface
from jsms.threat.models import Incident, ThreatOverride
from jsms.threat.schemas import (
    AreaRiskOut,
    ArticleIn,
    AttackType,
    IncidentIn,
    IncidentOut,
    IngestOut,
    LineIn,
    LineRiskOut,
    MarkIn,
    OverrideIn,
    OverrideOut,
    PointRiskOut,
    RebuildOut,
    ReviewIn,
    Verification,
)
from jsms.threat.search import IncidentFilter, incident_search

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
    verification: Verification | None = None,
    origin: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[IncidentOut]:
    """Incidents newest first, filtered; companies see TLP:CLEAR and GREEN only."""
    found = IncidentFilter(
        province=province,
        attack_type=attack_type.value if attack_type else None,
        since=since,
        until=until,
        review_status=review_status,
        verification=verification.value if verification else None,
        origin=origin,
    )
    rows, total = paginate(db, incident_search(actor, found), paging.page, paging.per_page)
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
    return incident_out(service.log_incident(db, body))


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


@router.patch("/incidents/{incident_id}", response_model=IncidentOut)
def mark_incident(
    incident_id: str, body: MarkIn, db: Db, actor: Annotated[Actor, require("incident.write")]
) -> IncidentOut:
    """Set how sure the record is (verification) and who may share it (TLP); audited with the
    values before and after."""
    return incident_out(
        service.mark_incident(
            db, actor, incident_id, verification=body.verification.value, tlp=body.tlp.value
        )
    )


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
    when = at or utcnow()
    return [OverrideOut.model_validate(o) for o in service.overrides_at(db, when)]


@router.post("/threat/overrides", response_model=OverrideOut, status_code=201)
def create_override(
    body: OverrideIn, db: Db, actor: Annotated[Actor, require("risk.override")]
) -> OverrideOut:
    """Set an area's threat level by hand, with the reason, until it expires (audited)."""
    override: ThreatOverride = service.create_override(db, actor, **body.model_dump())
    return OverrideOut.model_validate(override)


# Risk surface and threat levels ---------------------------------------------------------------


@router.get("/risk/point", response_model=PointRiskOut)
def risk_at_point(
    db: Db,
    _: Annotated[Actor, require("risk.read")],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    at: AwareDatetime | None = None,
) -> PointRiskOut:
    """Threat level here, now or at a past time `at` (overrides in force then applied)."""
    moment = at or utcnow()
    found = surface.point_level(db, lat, lon, moment)
    return PointRiskOut(
        lat=lat,
        lon=lon,
        at=moment,
        score=found.score,
        level=found.level,
        level_name=risk.level_name(found.level),
        computed_level=found.computed_level,
        override_reason=found.override_reason,
        province=found.province,
        district=found.district,
        cell=found.cell,
    )


@router.post("/risk/line", response_model=LineRiskOut)
def risk_along_line(body: LineIn, db: Db, _: Annotated[Actor, require("risk.read")]) -> LineRiskOut:
    """Exposure and worst level along a route (a GeoJSON LineString), overrides applied."""
    found = surface.line_level(
        db, [(lat, lon) for lon, lat in body.coordinates], body.at, step_km=body.step_km
    )
    result = found.scored
    return LineRiskOut(
        length_km=round(result.length_km, 3),
        samples=result.samples,
        exposure=round(result.exposure, 3),
        max_score=round(result.max_score, 3),
        max_level=found.level,
        max_level_name=risk.level_name(found.level),
        computed_max_level=found.computed_level,
        cells_crossed=len(result.cells),
    )


@router.get("/risk/cells")
def risk_cells(
    db: Db,
    _: Annotated[Actor, require("risk.read")],
    resolution: Annotated[int, Query(ge=5, le=7)] = 5,
    min_level: Annotated[int, Query(ge=1, le=6)] = 2,
    at: AwareDatetime | None = None,
) -> dict[str, Any]:
    """The surface as GeoJSON cells for the map (resolution 5 or 7)."""
    if resolution == 6:
        raise Invalid("resolution must be 5 (regions) or 7 (cells)")
    return surface.surface_at(db, at).to_geojson(resolution=resolution, min_level=min_level)


@router.get("/risk/areas", response_model=list[AreaRiskOut])
def risk_areas(
    db: Db,
    _: Annotated[Actor, require("risk.read")],
    kind: Annotated[str, Query(pattern="^(province|district)$")] = "province",
    at: AwareDatetime | None = None,
) -> list[AreaRiskOut]:
    """Threat level per province or district (with any analyst override in force)."""
    return [
        AreaRiskOut(
            name=a.name,
            level=a.level,
            level_name=risk.level_name(a.level),
            computed_level=a.computed_level,
            override_reason=a.override_reason,
        )
        for a in surface.area_levels(db, kind, at)
    ]


@router.post("/risk/rebuild", response_model=RebuildOut)
def rebuild_risk(db: Db, _: Annotated[Actor, require("risk.rebuild")]) -> RebuildOut:
    """Recompute the surface from every accepted incident now."""
    stats = surface.rebuild(db)
    audit.record(db, action="risk.rebuild", object_type="risk_surface", detail=stats)
    return RebuildOut(**stats)


@router.post("/osint/articles", response_model=IngestOut)
def ingest_article(
    body: ArticleIn, db: Db, _: Annotated[Actor, require("incident.write")]
) -> IngestOut:
    """Extract incidents from an article and store them: known events gain a source,
    background mentions link, new incidents wait in the review queue."""
    from jsms.threat.osint.extract import extract_article
    from jsms.threat.osint.ingest import ingest
    from jsms.threat.osint.known import load_history

    name = body.title or body.url or "article"
    extraction = extract_article(
        body.text,
        name=name,
        title=body.title,
        url=body.url,
        published=body.published,
        history=load_history(db),
    )
    outcome = ingest(
        db, extraction, url=body.url, outlet=body.outlet or name, published=body.published
    )
    return IngestOut(
        article=outcome.article,
        relevant=outcome.relevant,
        created=outcome.created,
        merged=outcome.merged,
        linked=outcome.linked,
        aggregates=outcome.aggregates,
        skipped=outcome.skipped,
        extraction=extraction,
    )
