"""The world gazetteer: places, divisions, countries and nationality words anywhere."""

from __future__ import annotations

from jsms.geo.world import load_world, plural_demonym


def test_a_town_abroad_resolves_with_its_country_and_first_level_division() -> None:
    bangui = load_world().lookup("Bangui")
    assert bangui is not None
    assert (bangui.country, bangui.kind) == ("CF", "town")
    assert bangui.lat is not None and 4.0 < bangui.lat < 4.7


def test_first_level_divisions_of_any_country_are_known() -> None:
    world = load_world()
    for name, country in [("Khatlon", "TJ"), ("Cabo Delgado", "MZ"), ("Zamfara", "NG")]:
        place = world.lookup(name)
        assert place is not None, name
        assert (place.country, place.kind) == (country, "admin1")


def test_a_town_takes_its_division_from_geonames() -> None:
    peshawar = load_world().lookup("Peshawar")
    assert peshawar is not None
    assert (peshawar.country, peshawar.admin1) == ("PK", "Khyber Pakhtunkhwa")


def test_the_countries_an_article_names_decide_between_two_towns_of_one_name() -> None:
    world = load_world()
    in_india = world.lookup("Hyderabad")
    in_pakistan = world.lookup("Hyderabad", frozenset({"PK"}))
    assert in_india is not None and in_pakistan is not None
    assert in_india.country == "IN"
    assert (in_pakistan.country, in_pakistan.admin1) == ("PK", "Sindh")


def test_countries_resolve_by_name_and_alternate_spelling() -> None:
    world = load_world()
    for name, iso in [("Nigeria", "NG"), ("Central African Republic", "CF"), ("Tajikistan", "TJ")]:
        place = world.lookup(name)
        assert place is not None and (place.kind, place.country) == ("country", iso)
    assert world.lookup("Nowhereland") is None


def test_every_country_with_a_demonym_has_its_nationality_words() -> None:
    demonyms = load_world().demonyms
    assert demonyms["Nigerian"] == demonyms["Nigerians"] == "NG"
    assert demonyms["Chinese"] == "CN"
    assert demonyms["Turkish"] == "TR"
    assert demonyms["Japanese"] == "JP"
    assert len(set(demonyms.values())) > 180


def test_plural_demonyms_follow_english() -> None:
    assert plural_demonym("Kenyan") == "Kenyans"
    assert plural_demonym("Iraqi") == "Iraqis"
    assert plural_demonym("Chinese") is None
    assert plural_demonym("Swiss") is None
    assert plural_demonym("British") is None
