"""Where an advisory applies, in CAP's terms: polygons ("lat,lon ...", closed) and circles
("lat,lon radius-km").

A province or district is its imported boundary (jsms.geo AdminArea) when there is one, else
the packaged province outline (jsms.geo.basemap; districts have none); an H3 cell is its
hexagon; an incident is a circle around where it happened. Outlines are simplified to about a
kilometre: a CAP message names an area for people, not for surveying.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import h3
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.geo import basemap
from jsms.geo.geometry import normalise_province
from jsms.geo.models import AdminArea

__all__ = ["CapArea", "area_of", "circle", "polygons"]

SIMPLIFY_DEGREES = 0.01  # about a kilometre


@dataclass(frozen=True)
class CapArea:
    """An <area> of a CAP message."""

    desc: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()


def _ring_text(coords: Any) -> str | None:
    pairs = [(float(lon), float(lat)) for lon, lat, *_ in coords]
    if pairs and pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    if len(pairs) < 4:
        return None
    return " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in pairs)


def polygons(geometry: dict[str, Any]) -> tuple[str, ...]:
    """The outer rings of a GeoJSON (Multi)Polygon as CAP polygons, simplified.

    >>> polygons({"type": "Polygon", "coordinates": [[[67, 24], [68, 24], [68, 25], [67, 24]]]})
    ('24.00000,67.00000 24.00000,68.00000 25.00000,68.00000 24.00000,67.00000',)
    """
    geom = shape(geometry).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    parts = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    found = []
    for part in parts:
        if isinstance(part, Polygon) and not part.is_empty:
            text = _ring_text(part.exterior.coords)
            if text:
                found.append(text)
    return tuple(found)


def circle(lat: float, lon: float, radius_km: float) -> str:
    """A CAP circle: centre and radius in kilometres.

    >>> circle(24.86, 67.0, 10)
    '24.86000,67.00000 10.0'
    """
    return f"{lat:.5f},{lon:.5f} {radius_km:.1f}"


def _normal(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


@cache
def _outlines() -> dict[str, dict[str, Any]]:
    """Packaged province outlines by every spelling they carry, and by JSMS's own."""
    index: dict[str, dict[str, Any]] = {}
    for feature in basemap.provinces()["features"]:
        props = feature["properties"]
        for name in [props.get("name") or "", *(props.get("name_alt") or "").split("|")]:
            if name:
                index.setdefault(_normal(name), feature["geometry"])
                index.setdefault(_normal(normalise_province(name)), feature["geometry"])
    return index


def _boundary(db: Session, level: int, name: str) -> dict[str, Any] | None:
    geometry = db.scalar(
        select(AdminArea.geometry).where(AdminArea.level == level, AdminArea.name == name)
    )
    return dict(geometry) if geometry else None


def area_of(db: Session, kind: str, name: str) -> CapArea:
    """A province, district or H3 cell (an override's area) as a CAP area; a named area
    without any outline is named only (CAP still wants its description)."""
    if kind == "cell":
        ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(name)]
        text = _ring_text(ring)
        return CapArea(f"H3 cell {name}", (text,) if text else ())
    level = 1 if kind == "province" else 2
    geometry = _boundary(db, level, name)
    if geometry is None and kind == "province":
        geometry = _outlines().get(_normal(name))
    return CapArea(f"{kind} {name}", polygons(geometry) if geometry else ())
