"""GeoJSON checks shared by every domain that accepts geometry."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from jsms.errors import Invalid

__all__ = [
    "DISTRICT_ALIASES",
    "PROVINCE_ALIASES",
    "normalise_district",
    "normalise_province",
    "polygon_from_geojson",
]

# Boundary files spell provinces their own way; JSMS uses one spelling everywhere.
PROVINCE_ALIASES = {
    "gilgit baltistan": "Gilgit-Baltistan",
    "gilgit-baltistan": "Gilgit-Baltistan",
    "northern areas": "Gilgit-Baltistan",
    "khyber pakhtunkhwa": "Khyber Pakhtunkhwa",
    "khyber-pakhtunkhwa": "Khyber Pakhtunkhwa",
    "n.w.f.p.": "Khyber Pakhtunkhwa",
    "nwfp": "Khyber Pakhtunkhwa",
    "federally administered tribal areas": "Khyber Pakhtunkhwa",
    "f.a.t.a.": "Khyber Pakhtunkhwa",
    "fata": "Khyber Pakhtunkhwa",
    "islamabad": "Islamabad",
    "islamabad capital territory": "Islamabad",
    "federal capital territory": "Islamabad",
    "azad kashmir": "Azad Kashmir",
    "azad jammu and kashmir": "Azad Kashmir",
    "azad jammu & kashmir": "Azad Kashmir",
    "baluchistan": "Balochistan",
    "balochistan": "Balochistan",
    "punjab": "Punjab",
    "sindh": "Sindh",
    "sind": "Sindh",
    "f.c.t.": "Islamabad",
}

# District spellings of boundary files mapped to the ones the curated gazetteer (and so every
# site, grant and SOP written against it) uses, so a place has one district name either way.
DISTRICT_ALIASES = {
    "kohistan upper": "Upper Kohistan",
    "kohistan lower": "Lower Kohistan",
    "batagram": "Battagram",
    "diamir": "Diamer",
    "d. i. khan": "Dera Ismail Khan",
    "d.i. khan": "Dera Ismail Khan",
    "malir karachi": "Malir",
}


def normalise_province(name: str) -> str:
    return PROVINCE_ALIASES.get(name.strip().lower(), name.strip())


def normalise_district(name: str) -> str:
    return DISTRICT_ALIASES.get(name.strip().lower(), name.strip())


def polygon_from_geojson(geometry: Any, *, what: str = "geometry") -> BaseGeometry:
    """A valid shapely (Multi)Polygon in lon/lat, or Invalid saying what is wrong."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise Invalid(f"{what} must be a GeoJSON Polygon or MultiPolygon object")
    try:
        geom = shape(geometry)
    except Exception as exc:
        raise Invalid(f"{what} is not valid GeoJSON: {exc}") from None
    if geom.is_empty:
        raise Invalid(f"{what} is empty")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise Invalid(
            f"{what} has coordinates outside longitude/latitude range "
            "(GeoJSON order is [longitude, latitude])"
        )
    if not geom.is_valid:
        raise Invalid(f"{what} is not a valid polygon: {explain_validity(geom)}")
    return geom
