"""H3 helpers: lon/lat GeoJSON in and out, lat/lon points."""

from __future__ import annotations

import h3
import pytest
from shapely.geometry import Point, shape

from jsms.geo.h3cells import (
    INDEX_RESOLUTION,
    REGION_RESOLUTION,
    cell_boundary_geojson,
    cell_of,
    cells_in_polygon,
    parent_of,
    ring,
)

BESHAM = (34.93, 72.87)

# A ~5 km square near Gwadar, lon/lat order as GeoJSON requires.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[62.30, 25.10], [62.35, 25.10], [62.35, 25.15], [62.30, 25.15], [62.30, 25.10]]
    ],
}


def test_cell_of_uses_index_resolution_and_contains_point() -> None:
    cell = cell_of(*BESHAM)
    assert h3.get_resolution(cell) == INDEX_RESOLUTION
    assert shape(cell_boundary_geojson(cell)).contains(Point(BESHAM[1], BESHAM[0]))


def test_cell_of_rejects_swapped_or_bad_coordinates() -> None:
    with pytest.raises(ValueError):
        cell_of(120.0, 30.0)


def test_parent_contains_child() -> None:
    cell = cell_of(*BESHAM)
    region = parent_of(cell, REGION_RESOLUTION)
    assert h3.get_resolution(region) == REGION_RESOLUTION
    assert region == cell_of(*BESHAM, resolution=REGION_RESOLUTION)


def test_polygon_fill_cells_have_centres_inside_the_square() -> None:
    cells = cells_in_polygon(SQUARE, 8)
    assert cells
    square = shape(SQUARE)
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        assert square.contains(Point(lon, lat))


def test_multipolygon_fill_is_union_of_parts() -> None:
    other = {
        "type": "Polygon",
        "coordinates": [
            [[66.95, 30.15], [67.00, 30.15], [67.00, 30.20], [66.95, 30.20], [66.95, 30.15]]
        ],
    }
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], other["coordinates"]]}
    assert set(cells_in_polygon(multi, 8)) == set(cells_in_polygon(SQUARE, 8)) | set(
        cells_in_polygon(other, 8)
    )


def test_cells_in_polygon_rejects_other_geometries() -> None:
    with pytest.raises(ValueError):
        cells_in_polygon({"type": "Point", "coordinates": [72.87, 34.93]}, 7)


def test_ring_includes_centre_and_neighbours() -> None:
    cell = cell_of(*BESHAM)
    assert ring(cell, 0) == [cell]
    assert len(ring(cell, 1)) == 7
    assert cell in ring(cell, 2)


def test_boundary_geojson_is_a_closed_lon_lat_ring() -> None:
    geom = cell_boundary_geojson(cell_of(*BESHAM))
    assert geom["type"] == "Polygon"
    outer = geom["coordinates"][0]
    assert outer[0] == outer[-1]
    assert len(outer) >= 7
    lon, lat = outer[0]
    assert abs(lon - BESHAM[1]) < 0.1 and abs(lat - BESHAM[0]) < 0.1


def test_invalid_cell_is_rejected() -> None:
    with pytest.raises(ValueError):
        parent_of("not-a-cell", 5)
