"""Where a deployment authorisation lets a guest act, as outlines a map can draw.

A grant names provinces, districts and sites by name. The outlines come from the imported
administrative boundaries (jsms.geo AdminArea) when they are there; a province without one falls
back to the packaged base-map outline matched by name or alternative name (Natural Earth still
says "Sind" and "N.W.F.P."). A district without an imported boundary has no outline and is
listed as such, so the map never pretends to know a shape it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.geo import basemap
from jsms.geo.geometry import normalise_province
from jsms.geo.models import AdminArea

__all__ = ["ScopeArea", "scope_areas"]

# Outlines are for the eye: about 500 m of detail keeps a province to a few kilobytes.
SIMPLIFY_DEGREES = 0.005


@dataclass(frozen=True)
class ScopeArea:
    level: str  # "province" or "district"
    name: str
    geometry: dict[str, Any] | None
    source: str  # where the outline came from, or why there is none


def _simplified(geometry: dict[str, Any]) -> dict[str, Any]:
    simple = shape(geometry).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    return dict(mapping(simple))


def _imported(db: Session, level: int, names: list[str]) -> dict[str, list[AdminArea]]:
    found: dict[str, list[AdminArea]] = {}
    if names:
        stmt = select(AdminArea).where(AdminArea.level == level, AdminArea.name.in_(names))
        for area in db.scalars(stmt):
            found.setdefault(area.name, []).append(area)
    return found


def _packaged_province(name: str) -> list[dict[str, Any]]:
    """The base-map outlines of one province (Khyber Pakhtunkhwa is N.W.F.P. and F.A.T.A.)."""
    outlines = []
    for feature in basemap.provinces(["PAK"])["features"]:
        props = feature["properties"]
        spellings = [props.get("name") or "", *str(props.get("name_alt") or "").split("|")]
        if any(normalise_province(s) == name for s in spellings if s):
            outlines.append(feature["geometry"])
    return outlines


def scope_areas(db: Session, provinces: list[str], districts: list[str]) -> list[ScopeArea]:
    """The outlines of the named provinces and districts, in the grant's order."""
    areas: list[ScopeArea] = []
    imported = _imported(db, 1, provinces)
    for name in provinces:
        if name in imported:
            for area in imported[name]:
                areas.append(ScopeArea("province", name, _simplified(area.geometry), area.source))
            continue
        packaged = _packaged_province(name)
        for geometry in packaged:
            areas.append(ScopeArea("province", name, geometry, "base map outline"))
        if not packaged:
            areas.append(ScopeArea("province", name, None, "no outline known"))
    imported = _imported(db, 2, districts)
    for name in districts:
        for area in imported.get(name, []):
            areas.append(ScopeArea("district", name, _simplified(area.geometry), area.source))
        if name not in imported:
            areas.append(ScopeArea("district", name, None, "no imported district boundary"))
    return areas
