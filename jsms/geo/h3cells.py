"""Thin, pure helpers over h3 4.x for indexing points and areas on the H3 grid.

Cells are hexagon ids (strings). GeoJSON in and out is lon/lat ordered, as the spec says;
h3 itself speaks lat/lng, which is exactly the kind of swap these helpers exist to hide.
"""

from __future__ import annotations

from typing import Any

import h3

__all__ = [
    "INDEX_RESOLUTION",
    "REGION_RESOLUTION",
    "cell_boundary_geojson",
    "cell_of",
    "cells_in_polygon",
    "parent_of",
    "ring",
]

# Resolution 7 cells (~5 km2) index individual sites and incidents;
# resolution 5 cells (~250 km2) group them into regions for heat maps and alerts.
INDEX_RESOLUTION = 7
REGION_RESOLUTION = 5


def _check_cell(cell: str) -> None:
    if not h3.is_valid_cell(cell):
        raise ValueError(f"not a valid H3 cell: {cell!r}")


def cell_of(lat: float, lon: float, resolution: int = INDEX_RESOLUTION) -> str:
    """The H3 cell containing the WGS84 point (lat, lon)."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"coordinates out of range: lat={lat}, lon={lon}")
    return h3.latlng_to_cell(lat, lon, resolution)


def parent_of(cell: str, resolution: int) -> str:
    """The coarser cell at ``resolution`` that contains ``cell``."""
    _check_cell(cell)
    return h3.cell_to_parent(cell, resolution)


def cells_in_polygon(geojson_geometry: dict[str, Any], resolution: int) -> list[str]:
    """Sorted cells whose centres fall inside a GeoJSON Polygon or MultiPolygon (lon/lat)."""
    kind = geojson_geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"expected a GeoJSON Polygon or MultiPolygon, got {kind!r}")
    return sorted(h3.geo_to_cells(geojson_geometry, resolution))


def ring(cell: str, k: int) -> list[str]:
    """Sorted cells within ``k`` grid steps of ``cell`` (the filled k-ring, centre included)."""
    _check_cell(cell)
    if k < 0:
        raise ValueError("k must be >= 0")
    return sorted(h3.grid_disk(cell, k))


def cell_boundary_geojson(cell: str) -> dict[str, Any]:
    """The cell outline as a GeoJSON Polygon with a closed lon/lat ring."""
    _check_cell(cell)
    coords = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
    coords.append(coords[0])
    return {"type": "Polygon", "coordinates": [coords]}
