"""Which articles are relevant: a specific attack, plot, threat or kidnapping that touches
foreign nationals or a foreign-run company, as opposed to accidents, travel alerts, talk about
security and attacks on locals. The snippets are written for these tests."""

from __future__ import annotations

from datetime import date

from jsms.threat.osint.extract import extract_article
from jsms.threat.osint.places import article_countries, find_places
from jsms.threat.osint.relevance import (
    assess,
    host_country,
    mentions_foreigners,
)
from jsms.threat.osint.text import split_sentences


def _relevant(text: str, title: str | None = None) -> bool:
    out = extract_article(text, name="t", title=title, published=date(2024, 5, 6))
    return bool(out["relevant"])


def _host(text: str) -> str | None:
    sentences = split_sentences(text)
    return assess(sentences, article_countries(sentences))[1]


# --- accidents are not attacks -------------------------------------------------------------


def test_foreign_workers_killed_in_a_mine_collapse_are_not_relevant() -> None:
    text = (
        "Four Chinese workers died on Sunday when part of a copper mine collapsed near Kitwe, "
        "Zambia, police said. The workers were trapped under rocks for hours."
    )
    assert not _relevant(text)


def test_a_bus_of_foreign_pilgrims_falling_into_a_ravine_is_not_relevant() -> None:
    text = (
        "Twelve people, including eight Chinese engineers, were killed when their bus fell into "
        "a ravine in Kohistan district on Monday. Officials said the accident was caused by "
        "brake failure."
    )
    assert not _relevant(text)


def test_foreign_tourists_injured_in_a_road_crash_are_not_relevant() -> None:
    text = (
        "Five German tourists were injured on Friday when their minibus overturned near "
        "Pokhara, Nepal, police said. The driver has been detained."
    )
    assert not _relevant(text)


def test_the_same_foreigners_killed_in_a_bombing_are_relevant() -> None:
    text = (
        "Four Chinese workers were killed on Sunday when a bomb exploded near their camp in "
        "Kitwe, Zambia, police said."
    )
    assert _relevant(text)


def test_foreigners_found_dead_after_a_murder_are_an_attack_without_a_weapon_named() -> None:
    text = (
        "Two British tourists were found dead on a beach in Phuket, Thailand, on Saturday. "
        "Police said both had been murdered."
    )
    assert _relevant(text)


# --- talk about security is not an attack --------------------------------------------------


def test_a_travel_alert_about_possible_attacks_is_not_relevant() -> None:
    text = (
        "The embassy issued a security alert on Friday for Japanese citizens in Nairobi, Kenya. "
        "It warned of possible terrorist attacks on hotels and advised citizens to avoid "
        "crowded places."
    )
    assert not _relevant(text)


def test_a_meeting_that_calls_kidnapping_a_problem_reports_no_kidnapping() -> None:
    text = (
        "Officials met Korean business owners in Lagos, Nigeria, on Tuesday to discuss the "
        "safety of Korean citizens. Kidnapping remains a serious problem, the consul said."
    )
    assert not _relevant(text)


def test_a_travel_alert_that_recalls_a_deadly_attack_is_relevant() -> None:
    text = (
        "The embassy warned Canadian citizens in Mali of possible attacks. Last month gunmen "
        "killed two Canadian engineers near Bamako, Mali."
    )
    assert _relevant(text)


# --- who counts as foreign -----------------------------------------------------------------


def test_a_foreign_owned_mine_attacked_is_relevant_though_no_nationality_is_counted() -> None:
    text = (
        "Gunmen attacked a bus carrying employees of a Canadian-owned gold mine in northern "
        "Burkina Faso on Wednesday, killing at least ten people."
    )
    assert mentions_foreigners(text, "BF")
    assert _relevant(text)


def test_a_camp_run_by_a_foreign_consortium_is_a_foreign_target() -> None:
    sentence = "A camp of the Chinese consortium was attacked by an armed group in Ecuador."
    assert mentions_foreigners(sentence, "EC")


def test_a_demonym_used_as_a_noun_names_foreign_people() -> None:
    assert mentions_foreigners("Seven people were wounded, among them a Spaniard.", "AF")
    assert mentions_foreigners("Two Britons were shot dead in the market.", "ML")


def test_people_from_another_country_are_foreigners() -> None:
    assert mentions_foreigners("Three tourists from Spain were shot in the market.", "AF")
    assert mentions_foreigners("Anna Berg, 31, from Norway, was found dead.", "MA")
    assert not mentions_foreigners("Three tourists from Morocco were shot.", "MA")


def test_foreign_soldiers_and_visitors_are_foreigners() -> None:
    assert mentions_foreigners("Four US troops died in the ambush.", "NE")
    assert mentions_foreigners("The hotel is popular with Chinese business visitors.", "AF")


def test_un_staff_are_foreign_personnel() -> None:
    assert mentions_foreigners("Five UN staff were abducted in the south.", "YE")


def test_foreigners_who_attacked_or_were_arrested_are_not_victims() -> None:
    assert not mentions_foreigners("The minister was assassinated by Americans in 2020.", "IR")
    assert not mentions_foreigners("Two Chinese nationals who were arrested fled.", "KE")
    assert not mentions_foreigners("She was attacked by three local Zambians.", "ZM")


def test_foreigners_who_are_the_subject_of_an_assault_are_not_its_victims() -> None:
    text = "The Chinese staff working on the A1 road wrestled the Kenyan engineer."
    assert not mentions_foreigners(text, "KE")
    # the same verb told of them in the passive, or in a headline, makes them victims
    assert mentions_foreigners("Chinese workers were attacked the day before.", "KE")
    assert mentions_foreigners("Chinese workers attacked in Lodwar", "KE")


def test_locals_named_by_their_own_nationality_are_not_foreigners() -> None:
    assert not mentions_foreigners("Two Kenyan engineers were shot in Nairobi.", "KE")


# --- the host country ----------------------------------------------------------------------


def test_the_victims_homeland_is_not_the_host_country() -> None:
    text = (
        "Three Chinese nationals from Fujian province were murdered in Lusaka on Sunday. "
        "Officials in Fuzhou and Xiamen said the victims worked in Lusaka for a Chinese firm."
    )
    assert _host(text) == "ZM"


def test_a_foreign_dateline_does_not_outweigh_the_place_of_the_attack() -> None:
    sentences = split_sentences(
        "BEIJING: China condemned the attack. Five Chinese engineers were killed in Dasu, Pakistan."
    )
    countries = article_countries(sentences)
    places = [p for s in sentences for p in find_places(s, countries)]
    assert host_country(places, countries, frozenset({"CN"})) == "PK"


def test_without_a_known_place_only_words_that_need_no_host_make_foreigners() -> None:
    base = "Gunmen kidnapped {} from a beach resort on Talong Island on Tuesday, police said."
    assert _relevant(base.format("three foreigners and a local guide"))
    assert not _relevant(base.format("three Indian traders"))


def test_a_company_named_after_a_foreign_country_is_a_foreign_target() -> None:
    text = "An IED exploded near a vehicle of the China Harbour Engineering Company in Gwadar."
    assert mentions_foreigners(text, "PK")
    assert not mentions_foreigners(
        "A bomb exploded near the Pakistan Petroleum Limited office in Quetta.", "PK"
    )
