"""GeoJSON layers for the control-room map, each filtered to what the caller may see.

Feature properties follow docs/ui.md (title, lines, href, level, color ...): the server decides
what a popup says, so nothing the caller may not see reaches the browser.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import h3
from shapely.geometry import Point, mapping, shape
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import transaction, utcnow
from jsms.geo import basemap
from jsms.geo.models import AdminArea
from jsms.identity.policy import Actor
from jsms.movements import service as movements
from jsms.movements.models import Movement
from jsms.registry.models import Site
from jsms.registry.service import site_query
from jsms.threat import risk, surface
from jsms.threat import service as threat
from jsms.threat.models import Incident, IncidentSource

Feature = dict[str, Any]
ROUTE_STATUSES = ("approved", "in_progress")
INCIDENT_LIMIT = 5000


def collection(features: list[Feature]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def point(lon: float, lat: float, **properties: Any) -> Feature:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
        "properties": properties,
    }


def sites(db: Session, actor: Actor) -> dict[str, Any]:
    """Every site the caller may see, as a point and (where known) its perimeter."""
    features: list[Feature] = []
    for site in db.scalars(site_query(actor).order_by(Site.name)):
        lines = [["Kind", site.kind.replace("_", " ")]]
        lines += [["Province", site.province]] if site.province else []
        lines += [["District", site.district]] if site.district else []
        about = {"title": site.name, "lines": lines, "href": f"/registry/sites/{site.id}"}
        if site.perimeter:
            features.append(
                {"type": "Feature", "geometry": site.perimeter, "properties": {**about}}
            )
        features.append(point(site.lon, site.lat, label=site.name, radius=5, **about))
    return collection(features)


@dataclass(frozen=True)
class IncidentWindow:
    """The period the map shows; by default the latest year that has any reporting."""

    since: datetime
    until: datetime
    attack_type: str | None
    note: str = ""


def default_window(db: Session, actor: Actor, attack_type: str | None = None) -> IncidentWindow:
    now = utcnow()
    latest = db.scalar(
        select(func.max(Incident.occurred_at)).where(Incident.review_status == "accepted")
    )
    if latest is None or latest >= now - timedelta(days=365):
        return IncidentWindow(now - timedelta(days=365), now, attack_type)
    return IncidentWindow(
        latest - timedelta(days=365),
        latest,
        attack_type,
        note=f"No incident on record in the last year: showing the year to "
        f"{latest:%d %b %Y}, the latest report.",
    )


def _figures(low: int | None, high: int | None, own: int | None) -> str:
    """The range the sources give, the incident's own figure included (as figure_range)."""
    values = [v for v in (low, high, own) if v is not None]
    if not values:
        return "?"
    lowest, highest = min(values), max(values)
    return str(lowest) if lowest == highest else f"{lowest}-{highest}"


def incidents(db: Session, actor: Actor, window: IncidentWindow) -> dict[str, Any]:
    """Accepted incidents in the window, as points sized by their toll.

    One query with the sources' figures aggregated in SQL: a year of reporting holds
    hundreds of incidents, and loading each with its sources would be most of the map's
    wait.
    """
    source = IncidentSource
    stmt = (
        threat.incident_query(actor)
        .with_only_columns(
            Incident.id,
            Incident.title,
            Incident.occurred_at,
            Incident.lat,
            Incident.lon,
            Incident.attack_type,
            Incident.killed,
            Incident.injured,
            Incident.nationals,
            Incident.place_name,
            Incident.district,
            Incident.province,
            Incident.origin,
            func.min(source.killed).label("killed_low"),
            func.max(source.killed).label("killed_high"),
            func.min(source.injured).label("injured_low"),
            func.max(source.injured).label("injured_high"),
        )
        .outerjoin(source, source.incident_id == Incident.id)
        .where(
            Incident.review_status == "accepted",
            Incident.lat.is_not(None),
            Incident.lon.is_not(None),
            Incident.occurred_at >= window.since,
            Incident.occurred_at <= window.until,
        )
        .group_by(Incident.id)
        .limit(INCIDENT_LIMIT)
    )
    if window.attack_type:
        stmt = stmt.where(Incident.attack_type == window.attack_type)
    features = []
    for row in db.execute(stmt):
        toll = (row.killed or 0) + (row.injured or 0)
        foreign = ", ".join(sorted(k for k in (row.nationals or {}) if k != "PK"))
        toll_text = (
            f"{_figures(row.killed_low, row.killed_high, row.killed)} killed, "
            f"{_figures(row.injured_low, row.injured_high, row.injured)} injured"
        )
        lines = [
            ["Date", row.occurred_at.strftime("%d %b %Y")],
            ["Type", row.attack_type.replace("_", " ")],
            ["Toll", toll_text],
            ["Place", row.place_name or row.district or row.province or "-"],
            ["Source", row.origin],
        ]
        if foreign:
            lines.append(["Foreign nationals", foreign])
        features.append(
            point(
                row.lon,
                row.lat,
                title=row.title,
                lines=lines,
                href=f"/incidents/{row.id}",
                color="#b71c1c" if foreign else "#e65100",
                radius=min(4 + toll**0.5, 14),
            )
        )
    return collection(features)


def cells(db: Session, resolution: int) -> dict[str, Any]:
    """Computed threat-level hexagons, with any analyst cell override in force applied."""
    now = utcnow()
    data = surface.surface_at(db, now).to_geojson(resolution=resolution, min_level=2)
    in_force = [o for o in surface.overrides_at(db, now) if o.area_kind == "cell"]
    for feature in data["features"]:
        props = feature["properties"]
        cell = props["cell"]
        covering = [o for o in in_force if o.area in {cell, h3.cell_to_parent(cell, 5)}]
        computed = props["level"]
        level = surface.with_overrides(computed, covering, now, int(h3.str_to_int(cell)))
        lines = [["Computed level", f"{computed} {risk.level_name(computed)}"]]
        if covering:
            lines.append(["Analyst override", covering[-1].reason])
        feature["properties"] = {
            "title": f"Threat level {level} {risk.level_name(level)}",
            "level": level,
            "lines": lines,
        }
    return data


def _normal(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


def _outline_index() -> dict[str, Feature]:
    index: dict[str, Feature] = {}
    for feature in basemap.provinces()["features"]:
        props = feature["properties"]
        for name in [props.get("name") or "", *(props.get("name_alt") or "").split("|")]:
            if name:
                index.setdefault(_normal(name), feature)
    return index


# Imported boundaries simplified for an overview map, per version of the row: survey-grade
# boundaries are far finer than the map can show, and slow to read and send.
_simplified: dict[tuple[str, datetime], dict[str, Any]] = {}


def _boundary(db: Session, area_id: str, updated_at: datetime) -> dict[str, Any]:
    key = (area_id, updated_at)
    if key not in _simplified:
        if len(_simplified) > 1024:
            _simplified.clear()
        area = db.get(AdminArea, area_id)
        assert area is not None  # its id and version were just read
        simple = shape(area.geometry).simplify(0.005, preserve_topology=True)
        _simplified[key] = dict(mapping(simple))
    return _simplified[key]


def _area_shape(db: Session, kind: str, name: str, outlines: dict[str, Feature]) -> Any:
    """The polygon of an area: the imported boundary, else the packaged outline that carries
    the name, else the outline that holds the area's own incidents."""
    level = 1 if kind == "province" else 2
    imported = db.execute(
        select(AdminArea.id, AdminArea.updated_at).where(
            AdminArea.level == level, AdminArea.name == name
        )
    ).first()
    if imported is not None:
        return _boundary(db, *imported)
    if kind == "district":
        return None
    found = outlines.get(_normal(name))
    if found is not None:
        return found["geometry"]
    place = db.execute(
        select(Incident.lat, Incident.lon).where(
            Incident.province == name, Incident.lat.is_not(None), Incident.lon.is_not(None)
        )
    ).first()
    if place is None or place[0] is None or place[1] is None:
        return None
    lat, lon = float(place[0]), float(place[1])
    for feature in basemap.provinces(basemap.countries_containing([(lat, lon)]))["features"]:
        if shape(feature["geometry"]).contains(Point(lon, lat)):
            return feature["geometry"]
    return None


def areas(db: Session, kind: str) -> dict[str, Any]:
    """Province or district threat levels (overrides applied) as shaded polygons."""
    outlines = _outline_index() if kind == "province" else {}
    features = []
    for area in surface.area_levels(db, kind):
        geometry = _area_shape(db, kind, area.name, outlines)
        if geometry is None:
            continue
        computed = f"{area.computed_level} {risk.level_name(area.computed_level)}"
        lines = [["Computed level", computed]]
        if area.override_reason:
            lines.append(["Analyst override", area.override_reason])
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "title": f"{area.name}: level {area.level} {risk.level_name(area.level)}",
                    "level": area.level,
                    "lines": lines,
                    "fill_opacity": 0.3,
                },
            }
        )
    return collection(features)


def routes(db: Session, actor: Actor) -> dict[str, Any]:
    """Adopted routes of live movements whose route the caller may see; each view audited."""
    known = movements.directory(db)
    features = []
    stmt = movements.candidate_query(actor).where(Movement.status.in_(ROUTE_STATUSES))
    for movement in db.scalars(stmt):
        seen = movements.visible_to(db, actor, movement, known)
        coordinates = (movement.route or {}).get("coordinates")
        if not seen.details or not coordinates:
            continue
        audit.record(
            db,
            action="movement.details.read",
            object_type="movement",
            object_id=movement.id,
            detail={"version": movement.version, "reason": seen.reason, "via": "map"},
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coordinates},
                "properties": {
                    "title": f"{movement.reference}: {movement.purpose}",
                    "lines": [
                        ["From", movement.origin_name],
                        ["To", movement.destination_name],
                        ["Departs", f"{movement.departure_at:%d %b %Y %H:%M} UTC"],
                        ["Status", movement.status.replace("_", " ")],
                    ],
                    "href": f"/movements/{movement.id}",
                    "color": "#0b5394" if movement.status == "approved" else "#6a1b9a",
                    "weight": 4,
                },
            }
        )
    return collection(features)


def warm(database_url: str) -> None:
    """Read what every map draws first (outlines, boundaries, the risk surface), so the
    first person to open the map after a start does not wait for it. Best effort: a
    database that cannot be read yet is simply left for the first request."""
    basemap.warm()
    try:
        with transaction(url=database_url) as db:
            areas(db, "province")
    except SQLAlchemyError:
        return
