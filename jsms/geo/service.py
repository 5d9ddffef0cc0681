"""Boundary import and point location (province and district of a place)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely import make_valid
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.errors import Invalid
from jsms.geo.geometry import normalise_district, normalise_province
from jsms.geo.models import AdminArea

NAME_FIELDS = {
    1: ("NAME_1", "adm1_name", "province", "name", "NAME"),
    2: ("NAME_2", "adm2_name", "district", "name", "NAME"),
}
PARENT_FIELDS = ("NAME_1", "adm1_name", "province")


@dataclass(frozen=True)
class Location:
    province: str | None
    district: str | None
    how: str


def _field(properties: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = properties.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def read_feature_collection(path: Path) -> dict[str, Any]:
    """Parse a GeoJSON FeatureCollection file, or Invalid naming the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Invalid(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise Invalid(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise Invalid(f"{path}: expected a GeoJSON FeatureCollection")
    return data


def import_boundaries(
    db: Session, collection: dict[str, Any], *, level: int, source: str
) -> tuple[int, int]:
    """Insert or replace every feature's area; returns (created, updated). All or nothing."""
    if level not in NAME_FIELDS:
        raise Invalid("level must be 1 (provinces) or 2 (districts)")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise Invalid("the FeatureCollection has no features")
    existing = {
        (a.name, a.parent_name): a
        for a in db.scalars(select(AdminArea).where(AdminArea.level == level))
    }
    created = updated = 0
    merged: dict[tuple[str, str], BaseGeometry] = {}  # areas this file already gave
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise Invalid(f"feature {number}: not a GeoJSON Feature object")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise Invalid(f"feature {number}: properties must be an object")
        name = _field(props, NAME_FIELDS[level])
        if not name:
            raise Invalid(
                f"feature {number}: no name property (looked for {', '.join(NAME_FIELDS[level])})"
            )
        parent = normalise_province(_field(props, PARENT_FIELDS) or "") if level == 2 else ""
        name = normalise_province(name) if level == 1 else normalise_district(name)
        try:
            geom = shape(feature.get("geometry") or {})
        except Exception as exc:
            raise Invalid(f"feature {number} ({name}): bad geometry: {exc}") from None
        if geom.geom_type not in {"Polygon", "MultiPolygon"}:
            raise Invalid(f"feature {number} ({name}): expected a polygon, got {geom.geom_type}")
        if not geom.is_valid:
            geom = make_valid(geom)
        if (name, parent) in merged:
            # Two features for one area (GADM's N.W.F.P. and F.A.T.A. are both Khyber
            # Pakhtunkhwa now): the area is their union, not whichever came last.
            geom = unary_union([merged[(name, parent)], geom])
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        values = {
            "geometry": mapping(geom),
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "source": source[:300],
        }
        area = existing.get((name, parent))
        if area is None:
            area = AdminArea(level=level, name=name, parent_name=parent, **values)
            db.add(area)
            existing[(name, parent)] = area
            created += 1
        else:
            for key, value in values.items():
                setattr(area, key, value)
            updated += (name, parent) not in merged
        merged[(name, parent)] = geom
    db.flush()
    _shapes.clear()
    return created, updated


_shapes: dict[str, BaseGeometry] = {}


def _shape_of(area: AdminArea) -> BaseGeometry:
    geom = _shapes.get(area.id)
    if geom is None:
        geom = _shapes[area.id] = shape(area.geometry)
    return geom


def _containing(db: Session, level: int, lat: float, lon: float) -> AdminArea | None:
    candidates = db.scalars(
        select(AdminArea).where(
            AdminArea.level == level,
            AdminArea.min_lon <= lon,
            AdminArea.max_lon >= lon,
            AdminArea.min_lat <= lat,
            AdminArea.max_lat >= lat,
        )
    )
    point = Point(lon, lat)
    for area in candidates:
        if _shape_of(area).covers(point):
            return area
    return None


def has_boundaries(db: Session, level: int) -> bool:
    return db.scalar(select(AdminArea.id).where(AdminArea.level == level).limit(1)) is not None


def locate(db: Session, lat: float, lon: float) -> Location:
    """Province and district of a point: imported boundaries first, else the nearest place."""
    from jsms.geo.gazetteer import province_of

    district_area = _containing(db, 2, lat, lon) if has_boundaries(db, 2) else None
    if district_area is not None:
        province = district_area.parent_name or None
        if province is None:
            province_area = _containing(db, 1, lat, lon)
            province = province_area.name if province_area else None
        return Location(province, district_area.name, "boundary: district polygon")
    if has_boundaries(db, 1):
        province_area = _containing(db, 1, lat, lon)
        if province_area is not None:
            near_province, district, how = province_of(lat, lon)
            if near_province != province_area.name:
                district = None
            return Location(province_area.name, district, f"boundary: province polygon; {how}")
        return Location(None, None, "outside every imported boundary")
    province, district, how = province_of(lat, lon)
    return Location(province, district, how)
