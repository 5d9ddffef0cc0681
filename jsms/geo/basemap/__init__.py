"""Offline base map: country and province/state outlines shipped with the package.

Every map must work with no internet, so the outlines come from files in this folder (see
NOTICE.md for their origin). They orient a reader; jurisdiction decisions use the imported
administrative boundaries instead.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from shapely import STRtree, points
from shapely.geometry import shape

__all__ = ["countries", "countries_containing", "gzipped", "provinces", "warm"]


@cache
def _load(name: str) -> dict[str, Any]:
    raw = resources.files(__name__).joinpath(f"{name}.geojson.gz").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


def countries() -> dict[str, Any]:
    """World countries as a GeoJSON FeatureCollection (properties: name, iso3)."""
    return _load("countries")


def provinces(iso3: Iterable[str] | None = None) -> dict[str, Any]:
    """First-level divisions (provinces, states) of the given countries, or of all."""
    every = _load("provinces")
    if iso3 is None:
        return every
    wanted = {code.upper() for code in iso3}
    return {
        "type": "FeatureCollection",
        "features": [f for f in every["features"] if f["properties"]["iso3"] in wanted],
    }


@cache
def _country_index() -> tuple[STRtree, list[str]]:
    features = countries()["features"]
    return STRtree([shape(f["geometry"]) for f in features]), [
        str(f["properties"]["iso3"]) for f in features
    ]


def countries_containing(lat_lon: Iterable[tuple[float, float]]) -> list[str]:
    """ISO codes of the countries these points fall in, most points first.

    >>> countries_containing([(33.6, 73.0), (24.9, 67.0), (39.9, 116.4)])
    ['PAK', 'CHN']
    """
    pairs = list(lat_lon)
    if not pairs:
        return []
    tree, codes = _country_index()
    hits = tree.query(points([(lon, lat) for lat, lon in pairs]), predicate="within")
    counts: dict[str, int] = {}
    for index in hits[1]:
        counts[codes[int(index)]] = counts.get(codes[int(index)], 0) + 1
    return sorted(counts, key=lambda code: (-counts[code], code))


@cache
def gzipped(name: str, iso3: tuple[str, ...] | None = None) -> bytes:
    """A layer as gzip-compressed GeoJSON, ready to serve with Content-Encoding: gzip."""
    data = countries() if name == "countries" else provinces(iso3)
    body = json.dumps(data, separators=(",", ":")).encode()
    return gzip.compress(body, mtime=0)


def warm() -> None:
    """Read the outlines and build the country index once, before anyone needs them."""
    provinces()
    _country_index()
