"""A situation map as SVG: outlines, areas shaded by threat level, incidents as numbered points.

Plain data in, SVG text out, with a simple linear projection (longitude scaled by the cosine
of the middle latitude), which is all a country-sized printed map needs. The caller clips the
outlines to the frame: fpdf2 does not clip an image to its box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from jsms.reports.svg import GRID, INK, MUTED, document, number, rect, text

Ring = tuple[tuple[float, float], ...]
"""A closed ring of (longitude, latitude) points."""

LEVEL_COLOURS = {
    1: "#8bc34a",
    2: "#fdd835",
    3: "#fb8c00",
    4: "#e64a19",
    5: "#b71c1c",
    6: "#4a0010",
}
"""Fill per threat level, as the control room's live map draws them."""
LEVEL_NAMES = ("Minimal", "Low", "Moderate", "Substantial", "High", "Extreme")
POINT = "#0b2a4a"
TITLE_HEIGHT = 26
LEGEND_ROW = 18


@dataclass(frozen=True)
class Frame:
    """The part of the world drawn: west, south, east, north in degrees."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class Outline:
    """A country or province drawn for orientation."""

    rings: tuple[Ring, ...]
    fill: str
    stroke: str = MUTED


@dataclass(frozen=True)
class ShadedArea:
    """An area whose threat level changed, shaded by its new level."""

    name: str
    rings: tuple[Ring, ...]
    level: int
    label_at: tuple[float, float]
    """(longitude, latitude) inside the area where its name goes."""


@dataclass(frozen=True)
class Spot:
    """An incident: numbered as in the report's table, sized by casualties."""

    number: int
    lon: float
    lat: float
    casualties: int


class Projection:
    def __init__(self, frame: Frame, width: int) -> None:
        self.frame = frame
        middle = math.radians((frame.north + frame.south) / 2)
        span_x = max((frame.east - frame.west) * math.cos(middle), 1e-6)
        self.scale = width / span_x
        self.cos = math.cos(middle)
        self.height = round((frame.north - frame.south) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon - self.frame.west) * self.cos * self.scale
        y = TITLE_HEIGHT + (self.frame.north - lat) * self.scale
        return x, y


def _path(rings: tuple[Ring, ...], projection: Projection) -> str:
    parts = []
    for ring in rings:
        points = [projection.xy(lon, lat) for lon, lat in ring]
        if len(points) < 3:
            continue
        parts.append("M" + " L".join(f"{number(x)} {number(y)}" for x, y in points) + " Z")
    return " ".join(parts)


def radius(casualties: int) -> float:
    """Point size: the area grows with the number of casualties, within reason."""
    return min(4.0 + 2.0 * math.sqrt(max(casualties, 0)), 18.0)


def _legend(levels: list[int], points: bool, top: float) -> list[str]:
    body, x = [], 8.0
    y = top + 18
    if points:
        body.append(
            f'<circle cx="{number(x + 6)}" cy="{number(y - 4)}" r="6" fill="{POINT}" '
            'fill-opacity="0.75" stroke="#ffffff" stroke-width="1"/>'
        )
        body.append(text(x + 16, y, "incident (number as in the table; size: casualties)", size=11))
        y += LEGEND_ROW
    if levels:
        body.append(text(x, y, "Level now:", size=11, colour=MUTED))
        x += 66
        for level in levels:
            fill = LEVEL_COLOURS[level]
            body.append(rect(x, y - 11, 14, 14, fill, {"stroke": INK, "stroke-width": "0.5"}))
            label = f"{level} {LEVEL_NAMES[level - 1]}"
            body.append(text(x + 18, y, label, size=11))
            x += 26 + 6 * len(label)  # six levels at most: 540 px
    return body


def draw_map(
    title: str,
    frame: Frame,
    outlines: list[Outline],
    areas: list[ShadedArea],
    spots: list[Spot],
    *,
    width: int = 640,
) -> str:
    """The map: outlines first, then shaded areas with their names, then numbered points."""
    projection = Projection(frame, width)
    levels = sorted({area.level for area in areas})
    rows = bool(spots) + bool(levels)
    height = TITLE_HEIGHT + projection.height + (LEGEND_ROW * rows + 10 if rows else 0)
    body = [text(8, 18, title, size=13, bold=True)]
    body.append(rect(0, TITLE_HEIGHT, width, projection.height, "#e8eef4"))
    for outline in outlines:
        d = _path(outline.rings, projection)
        if d:
            body.append(
                f'<path d="{d}" fill="{outline.fill}" stroke="{outline.stroke}" '
                'stroke-width="0.6" fill-rule="evenodd"/>'
            )
    for area in areas:
        fill = LEVEL_COLOURS[area.level]
        d = _path(area.rings, projection)
        if d:
            body.append(
                f'<path class="area" d="{d}" fill="{fill}" fill-opacity="0.8" stroke="{INK}" '
                f'stroke-width="1" fill-rule="evenodd" data-level="{area.level}"/>'
            )
    for area in areas:
        if not area.name:
            continue
        x, y = projection.xy(*area.label_at)
        label = f"{area.name}: level {area.level}"
        half = 3.3 * len(label) + 3
        body.append(rect(x - half, y - 11, 2 * half, 15, "#ffffff", {"fill-opacity": "0.85"}))
        body.append(text(x, y, label, size=11, anchor="middle", bold=True))
    for spot in sorted(spots, key=lambda s: -s.casualties):
        x, y = projection.xy(spot.lon, spot.lat)
        r = radius(spot.casualties)
        body.append(
            f'<circle class="incident" cx="{number(x)}" cy="{number(y)}" r="{number(r)}" '
            f'fill="{POINT}" fill-opacity="0.75" stroke="#ffffff" stroke-width="1" '
            f'data-casualties="{spot.casualties}"/>'
        )
        body.append(text(x + r + 2, y - r + 2, str(spot.number), size=11, bold=True))
    body.append(
        f'<rect x="0" y="{TITLE_HEIGHT}" width="{width}" height="{projection.height}" '
        f'fill="none" stroke="{GRID}" stroke-width="1"/>'
    )
    body += _legend(levels, bool(spots), TITLE_HEIGHT + projection.height)
    return document(width, height, title, body)
