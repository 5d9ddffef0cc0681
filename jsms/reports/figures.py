"""The SITREP's drawings: three charts, the 30-day trend and the map, made once and put in
both the HTML and the PDF.

The map's outlines come from the packaged base map (`jsms.geo.basemap`): the countries the
period's incidents fall in (the instance's own country when there are none), their
neighbours in grey, and the provinces whose level changed, shaded by their new level. The
base map's province names are older than the ones the threat picture uses (N.W.F.P., Sind),
so names are matched through the base map's alternative names and a short alias list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shapely import box, clip_by_rect
from shapely.geometry import MultiPolygon, Polygon, shape

from jsms.geo import basemap
from jsms.reports.charts import bar_chart, daily_bars
from jsms.reports.mapsvg import Frame, Outline, ShadedArea, Spot, draw_map
from jsms.reports.schemas import Sitrep

HOME_COUNTRIES = ("PAK",)
"""Drawn when nothing in the period places the map elsewhere."""
ALIASES = {
    "khyberpakhtunkhwa": ("nwfp", "fata"),  # FATA merged into Khyber Pakhtunkhwa in 2018
    "gilgitbaltistan": ("northernareas",),
    "islamabad": ("fct",),
    "islamabadcapitalterritory": ("fct",),
}
MARGIN_DEGREES = 0.6
MAX_CONTEXT = 12


@dataclass(frozen=True)
class Drawings:
    by_type: str
    by_province: str
    trend_incidents: str
    trend_casualties: str
    map: str


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _names(feature: dict[str, Any]) -> set[str]:
    properties = feature["properties"]
    names = [properties.get("name") or "", *(properties.get("name_alt") or "").split("|")]
    return {_key(n) for n in names if n}


def province_features(names: list[str], countries: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Base-map features for each province name, searched in the given countries first."""
    searched = basemap.provinces(countries)["features"] or basemap.provinces()["features"]
    found: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        wanted = {_key(name), *ALIASES.get(_key(name), ())}
        found[name] = [f for f in searched if _names(f) & wanted]
    return found


def _polygons(geometry: Any) -> list[Polygon]:
    parts = getattr(geometry, "geoms", [geometry])
    return [p for p in parts if isinstance(p, Polygon) and not p.is_empty]


def _rings(geometry: Any) -> tuple[tuple[tuple[float, float], ...], ...]:
    rings = []
    for polygon in _polygons(geometry):
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append(tuple((float(x), float(y)) for x, y in ring.coords))
    return tuple(rings)


def _clipped(feature: dict[str, Any], frame: Frame) -> Any:
    geometry = shape(feature["geometry"])
    return clip_by_rect(geometry, frame.west, frame.south, frame.east, frame.north)


def _frame(features: list[dict[str, Any]]) -> Frame:
    shapes = MultiPolygon([p for f in features for p in _polygons(shape(f["geometry"]))])
    west, south, east, north = shapes.bounds
    margin = MARGIN_DEGREES
    return Frame(west - margin, south - margin, east + margin, north + margin)


def _shaded(sitrep: Sitrep, codes: list[str], frame: Frame) -> list[ShadedArea]:
    """Provinces whose level changed, named once (an alias such as FATA is shaded unnamed)."""
    changed = [c for c in sitrep.level_changes if c.kind == "province"]
    matches = province_features([c.area for c in changed], codes)
    areas = []
    for change in changed:
        named = False
        for feature in matches[change.area]:
            geometry = _clipped(feature, frame)
            if geometry.is_empty:
                continue
            inside = geometry.representative_point()
            name = "" if named else change.area
            areas.append(ShadedArea(name, _rings(geometry), change.after, (inside.x, inside.y)))
            named = True
    return areas


def situation_map(sitrep: Sitrep) -> str:
    spots = [
        Spot(number, line.lon, line.lat, line.casualties)
        for number, line in enumerate(sitrep.incidents, 1)
        if line.lat is not None and line.lon is not None
    ]
    codes = basemap.countries_containing([(s.lat, s.lon) for s in spots]) or list(HOME_COUNTRIES)
    every = basemap.countries()["features"]
    involved = [f for f in every if f["properties"]["iso3"] in codes]
    frame = _frame(involved)
    area = box(frame.west, frame.south, frame.east, frame.north)
    context = [f for f in every if f not in involved and shape(f["geometry"]).intersects(area)]
    outlines = [
        Outline(_rings(_clipped(f, frame)), "#f4f1ea", "#9aa5b1") for f in context[:MAX_CONTEXT]
    ]
    outlines += [Outline(_rings(_clipped(f, frame)), "#ffffff", "#4f5a68") for f in involved]
    outlines += [
        Outline(_rings(_clipped(f, frame)), "none", "#9aa5b1")
        for f in basemap.provinces(codes)["features"]
    ]
    day = f"{sitrep.period.day:%d %b %Y}"
    title = f"Incidents and level changes, SITREP {day}"
    return draw_map(title, frame, outlines, _shaded(sitrep, codes, frame), spots)


def draw(sitrep: Sitrep) -> Drawings:
    days = [t.day for t in sitrep.trend]
    return Drawings(
        by_type=bar_chart("Incidents by type", sitrep.by_type),
        by_province=bar_chart("Incidents by province", sitrep.by_province),
        trend_incidents=daily_bars(
            "Incidents per day, last 30 days", days, [t.incidents for t in sitrep.trend]
        ),
        trend_casualties=daily_bars(
            "Casualties per day (killed and injured, highest reported)",
            days,
            [t.casualties for t in sitrep.trend],
            colour="#a3001b",
        ),
        map=situation_map(sitrep),
    )
