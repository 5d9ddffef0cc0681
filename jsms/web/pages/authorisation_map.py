"""The map of a deployment authorisation's scope: the provinces and districts it covers as
outlines (jsms.registry.scope), its sites as points, and the host's whole jurisdiction as a
dashed line, so a reader sees at a glance where the guest may act and where it may not."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.registry import service as registry
from jsms.registry.models import DeploymentAuthorisation, Site
from jsms.registry.scope import scope_areas
from jsms.web.pages.sites import site_features

SCOPE_COLOURS = {"province": "#6a1b9a", "district": "#00695c"}


def scope_map(db: Session, actor: Actor, grant: DeploymentAuthorisation) -> dict[str, Any]:
    """The map configuration: the grant's provinces and districts as outlines, its sites as
    points, and the host's whole jurisdiction as a dashed line for context."""
    overlays: list[dict[str, Any]] = []
    for level, label in (("province", "Provinces granted"), ("district", "Districts granted")):
        areas = [a for a in scope_areas(db, grant.provinces, grant.districts) if a.level == level]
        features = [
            {
                "type": "Feature",
                "geometry": a.geometry,
                "properties": {"title": a.name, "lines": [["Outline", a.source]]},
            }
            for a in areas
            if a.geometry is not None
        ]
        if features:
            overlays.append(
                {
                    "name": label,
                    "color": SCOPE_COLOURS[level],
                    "fill_opacity": 0.25,
                    "data": {"type": "FeatureCollection", "features": features},
                }
            )
    if grant.site_ids:
        sites = db.scalars(registry.site_query(actor).where(Site.id.in_(grant.site_ids)))
        colour = "#ad1457"
        overlays.append(
            {"name": "Sites granted", "color": colour, "data": site_features(sites, color=colour)}
        )
    host = db.get(Agency, grant.host_agency_id)
    if host is not None and host.provinces:
        outline = [
            {"type": "Feature", "geometry": a.geometry, "properties": {"title": a.name}}
            for a in scope_areas(db, list(host.provinces), [])
            if a.geometry is not None
        ]
        overlays.append(
            {
                "name": f"{host.short_name} jurisdiction",
                "color": "#37474f",
                "dash": "6 4",
                "fill_opacity": 0,
                "weight": 1.5,
                "fit": False,
                "data": {"type": "FeatureCollection", "features": outline},
            }
        )
    # a grant of sites only is small: let the map come close enough to see the perimeters
    return {"overlays": overlays, "max_zoom": 9 if grant.provinces or grant.districts else 14}
