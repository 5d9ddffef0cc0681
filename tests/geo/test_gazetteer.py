"""Behaviour of the offline gazetteer that operators rely on."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from jsms.geo.gazetteer import (
    KINDS,
    PROVINCES,
    Gazetteer,
    Place,
    is_curated,
    load_curated_places,
    load_gazetteer,
    normalize_name,
    province_of,
)

PK_LAT = (23.5, 37.2)
PK_LON = (60.8, 77.9)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def curated_rows() -> list[dict[str, str]]:
    text = resources.files("jsms.geo.data").joinpath("places.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_besham_and_bisham_are_the_same_place_in_shangla(gaz: Gazetteer) -> None:
    besham, bisham = gaz.lookup("Besham"), gaz.lookup("bisham")
    assert besham and bisham
    assert besham[0] == bisham[0]
    assert besham[0].province == "Khyber Pakhtunkhwa"
    assert besham[0].district == "Shangla"


def test_dasu_is_found_with_its_district_first(gaz: Gazetteer) -> None:
    places = gaz.lookup("Dasu")
    assert places
    assert is_curated(places[0])
    assert places[0].district == "Upper Kohistan"
    assert gaz.lookup("Komila")[0] == places[0]
    assert gaz.lookup("Dasu Hydropower Project")[0].kind == "dam"


def test_karachi_is_in_sindh(gaz: Gazetteer) -> None:
    assert gaz.lookup("Karachi")[0].province == "Sindh"


@pytest.mark.parametrize(
    ("name", "province"),
    [
        ("Karachi", "Sindh"),
        ("Quetta", "Balochistan"),
        ("Lahore", "Punjab"),
        ("Peshawar", "Khyber Pakhtunkhwa"),
        ("Islamabad", "Islamabad"),
        ("Gilgit", "Gilgit-Baltistan"),
        ("Muzaffarabad", "Azad Kashmir"),
    ],
)
def test_geonames_admin1_codes_map_to_provinces(gaz: Gazetteer, name: str, province: str) -> None:
    geonames = [p for p in gaz.lookup(name) if not is_curated(p)]
    assert geonames, name
    assert geonames[0].province == province


def test_lookup_ignores_case_accents_and_punctuation(gaz: Gazetteer) -> None:
    assert gaz.lookup("MUZAFFARĀBĀD") == gaz.lookup("muzaffarabad")
    assert gaz.lookup("Diamer Bhasha Dam") == gaz.lookup("diamer-bhasha dam")
    assert gaz.lookup("D.I. Khan")[0].name == "Dera Ismail Khan"
    assert gaz.lookup("no such place anywhere") == []


def test_curated_places_rank_before_geonames(gaz: Gazetteer) -> None:
    # GeoNames wrongly files "Hasan Abdal" as an alternate name of a village near Sahiwal.
    places = gaz.lookup("Hasan Abdal")
    assert is_curated(places[0])
    assert places[0].district == "Attock"


def test_search_by_prefix_is_limited_and_curated_first(gaz: Gazetteer) -> None:
    results = gaz.search("gwad", limit=3)
    assert 0 < len(results) <= 3
    for place in results:
        names = (place.name, *place.aliases)
        assert any(normalize_name(n).startswith("gwad") for n in names), place
    assert is_curated(results[0])
    assert gaz.search("") == []


def test_nearest_to_port_qasim_plant_is_the_curated_plant(gaz: Gazetteer) -> None:
    plant = gaz.lookup("Port Qasim Coal Power Plant")[0]
    place, km = gaz.nearest(plant.lat + 0.001, plant.lon - 0.001)
    assert place == plant
    assert km < 0.5


def test_nearest_distance_is_great_circle_km() -> None:
    a = Place("A", 0.0, 0.0, None, None, "town", "test")
    b = Place("B", 0.0, 1.0, None, None, "town", "test")
    place, km = Gazetteer([a, b]).nearest(0.0, 0.9)
    assert place is b
    assert km == pytest.approx(11.12, abs=0.05)  # 0.1 degree of longitude on the equator


@pytest.mark.parametrize(
    ("lat", "lon", "province"),
    [
        (30.1841, 67.0014, "Balochistan"),  # Quetta
        (31.5580, 74.3507, "Punjab"),  # Lahore
        (34.0080, 71.5785, "Khyber Pakhtunkhwa"),  # Peshawar
        (24.8608, 67.0104, "Sindh"),  # Karachi
        (35.9187, 74.3124, "Gilgit-Baltistan"),  # Gilgit
        (33.7215, 73.0433, "Islamabad"),  # Islamabad
    ],
)
def test_province_of_major_cities(lat: float, lon: float, province: str) -> None:
    got, _district, how = province_of(lat, lon)
    assert got == province
    assert how.startswith("nearest place: ")


def test_province_of_prefers_a_nearby_curated_place_with_district() -> None:
    province, district, how = province_of(34.95, 72.88)  # just north of Besham on the KKH
    assert (province, district) == ("Khyber Pakhtunkhwa", "Shangla")
    assert "Besham" in how and "km)" in how


def test_every_curated_row_is_sourced_valid_and_unique(curated_rows: list[dict[str, str]]) -> None:
    assert len(curated_rows) >= 45
    names = [normalize_name(r["name"]) for r in curated_rows]
    assert len(names) == len(set(names)), "duplicate names in places.csv"
    for row in curated_rows:
        assert row["source"].startswith("https://"), row["name"]
        assert row["kind"] in KINDS, row["name"]
        assert row["province"] in PROVINCES, row["name"]
        lat, lon = float(row["lat"]), float(row["lon"])
        assert PK_LAT[0] <= lat <= PK_LAT[1], row["name"]
        assert PK_LON[0] <= lon <= PK_LON[1], row["name"]
        assert len(row["lat"].split(".")[1]) == 4 and len(row["lon"].split(".")[1]) == 4


def test_curated_loader_rejects_a_bad_province() -> None:
    bad = "name,aliases,kind,lat,lon,province,district,source,note\nX,,town,30,70,Narnia,,https://x,\n"
    with pytest.raises(ValueError):
        load_curated_places(bad)
