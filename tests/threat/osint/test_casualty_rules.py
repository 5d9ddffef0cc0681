"""Casualty rules: who a sentence counts as killed, injured or kidnapped, of which nationality,
and attackers apart. Sentences are made up for the rules they test."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jsms.threat.osint.casualties import ATTACKERS_KILLED, SentenceCasualties, find_casualties
from jsms.threat.osint.extract import extract_article
from jsms.threat.osint.text import Span


def read(text: str) -> SentenceCasualties:
    return find_casualties(Span(0, len(text), text))


# --- counts the sentence states -------------------------------------------------------------


def test_a_time_phrase_before_the_count_is_not_the_count() -> None:
    assert read("Three days ago two engineers died in the blast.").totals == {"killed": 2}


def test_a_time_phrase_after_the_casualty_word_is_no_victim() -> None:
    # 'killed two years ago': the count is before the word, not the years after it
    text = "Mourners remembered 202 people killed two years ago when bombs tore through Kuta."
    assert read(text).totals == {"killed": 202}


@pytest.mark.parametrize(
    ("text", "totals"),
    [
        ("One guard was killed and one wounded.", {"killed": 1, "injured": 1}),
        ("A driver was shot dead and another wounded.", {"killed": 1, "injured": 1}),
    ],
)
def test_one_and_another_with_a_casualty_word_count_one(text: str, totals: dict[str, int]) -> None:
    assert read(text).totals == totals


def test_one_of_the_workers_counts_one() -> None:
    found = read("Police said one of the Korean engineers was wounded.")
    assert found.totals == {"injured": 1}
    assert found.nationals == {"KR": {"injured": 1}}


def test_the_couple_is_two() -> None:
    assert read("The couple were wounded by the gunmen.").totals == {"injured": 2}


@pytest.mark.parametrize(
    ("text", "status", "count"),
    [
        ("The murder of two Dutch hikers shocked the valley.", "killed", 2),
        ("The kidnapping of 12 Italian workers was condemned.", "kidnapped", 12),
        ("Two guards embraced martyrdom at the gate.", "killed", 2),
        ("Troops gunned down three passengers by mistake.", "killed", 3),
        ("A dozen more people were hospitalised overnight.", "injured", 12),
        ("Ten people, including two children, were seized at the port.", "kidnapped", 10),
        ("Gunmen kidnap 6 Thai fishermen off the coast.", "kidnapped", 6),
        ("The raid cost the lives of four soldiers and a policeman.", "killed", 5),
        ("The assault resulted in the loss of nine lives.", "killed", 9),
        ("Five tourists were taken at gunpoint from the lodge.", "kidnapped", 5),
    ],
)
def test_casualty_words_beyond_killed_and_injured(text: str, status: str, count: int) -> None:
    assert read(text).totals == {status: count}


def test_where_the_victims_worked_sits_between_them_and_their_fate() -> None:
    found = read("Four Korean nationals working at a cement plant were abducted on Monday.")
    assert found.totals == {"kidnapped": 4}
    assert found.nationals == {"KR": {"kidnapped": 4}}


def test_a_named_victim_between_list_items() -> None:
    found = read("One Thai national, identified as Somchai, and three locals were killed.")
    assert found.totals == {"killed": 4}
    assert found.nationals["TH"] == {"killed": 1}


def test_uncounted_people_in_a_list_do_not_break_it() -> None:
    found = read("Six others, including a German national and police officers, were injured.")
    assert found.totals == {"injured": 6}
    assert found.nationals == {"DE": {"injured": 1}}


def test_a_word_inside_a_phrase_is_not_its_head() -> None:
    found = read("Two kidnapped Italians were found dead near the border.")
    assert found.totals == {"killed": 2}
    assert found.nationals == {"IT": {"killed": 2}}


def test_victims_were_is_not_a_casualty_word_for_the_victims_it_heads() -> None:
    assert read("The three victims were identified as Greek citizens.").totals == {}


# --- parts of a total -------------------------------------------------------------------------


def test_a_list_before_among_is_part_of_the_total_after_it() -> None:
    found = read("Five Danes and two Swedes were among the 30 people killed in the blast.")
    assert found.totals == {"killed": 30}
    assert found.nationals == {"DK": {"killed": 5}, "SE": {"killed": 2}}


def test_among_those_killed_counts_the_nationals_but_not_the_toll() -> None:
    found = read("Three Belgian citizens were among those killed.")
    assert found.totals == {}
    assert found.nationals == {"BE": {"killed": 3}}


@pytest.mark.parametrize(
    "text",
    [
        "The bombing claimed 14 lives, including two Austrian nationals.",
        "Fourteen people lost their lives, including two Austrian nationals.",
    ],
)
def test_including_after_a_toll_takes_its_status(text: str) -> None:
    found = read(text)
    assert found.totals == {"killed": 14}
    assert found.nationals == {"AT": {"killed": 2}}


# --- attackers ----------------------------------------------------------------------------------


def test_all_three_restates_the_attackers_it_follows() -> None:
    found = read("There were three gunmen and all three were killed.")
    assert found.totals == {ATTACKERS_KILLED: 3}


def test_a_terrorist_attack_names_no_terrorist() -> None:
    found = read("A terrorist attack on the market left at least 12 dead.")
    assert found.totals == {"killed": 12}


@pytest.mark.parametrize("noun", ["militiamen", "suspects", "jihadists", "bandits"])
def test_more_words_for_attackers(noun: str) -> None:
    found = read(f"Soldiers said four {noun} were killed in the gunfight.")
    assert found.totals == {ATTACKERS_KILLED: 4}


# --- unharmed and none ------------------------------------------------------------------------


def test_no_foreigners_hurt_means_none_killed_or_injured_and_no_toll() -> None:
    found = read("No Italians were injured in the attack.")
    assert found.totals == {}
    assert found.nationals == {"IT": {"killed": 0, "injured": 0}}


def test_all_of_a_nationality_safe_without_a_count() -> None:
    found = read("All French staff at the embassy are safe, the ministry said.")
    assert found.nationals == {"FR": {"killed": 0, "injured": 0}}


def test_the_latest_in_a_string_of_attacks_is_not_a_tally() -> None:
    found = read("The bombing killed five people, the latest in a string of attacks on the road.")
    assert not found.aggregate
    assert found.totals == {"killed": 5}


def test_kidnappings_of_are_kidnappings() -> None:
    found = read("Reports list the kidnappings of a Swiss woman near the border.")
    assert found.totals == {"kidnapped": 1}
    assert found.nationals == {"CH": {"kidnapped": 1}}


def test_an_injured_condition_is_no_person() -> None:
    assert read("Some fled the scene in an injured condition.").totals == {}


def test_a_nationality_stated_after_the_employer() -> None:
    found = read("Two employees of the Delta Mining Company of Indian citizenship were killed.")
    assert found.totals == {"killed": 2}
    assert found.nationals == {"IN": {"killed": 2}}


def test_some_of_those_seized_is_a_part_not_a_toll() -> None:
    assert read("Officials said three of those seized were Nepali nationals.").totals == {}


def test_two_dozen_is_twenty_four() -> None:
    assert read("Gunmen kidnapped two dozen passengers from the bus.").totals == {"kidnapped": 24}


@pytest.mark.parametrize(
    "text",
    [
        "Last year alone 30 Canadians were kidnapped abroad.",
        "Nine Koreans have been killed in separate incidents.",
    ],
)
def test_tallies_over_many_incidents_are_aggregates(text: str) -> None:
    assert read(text).aggregate


def test_a_year_before_the_attackers_is_not_a_count() -> None:
    found = read("In May 2019 rebels killed at least 40 villagers near the mine.")
    assert found.totals == {"killed": 40}


# --- one incident's toll over several sentences ------------------------------------------------


def _incident(text: str) -> dict[str, Any]:
    (incident,) = extract_article(text, name="t", published=date(2024, 6, 4))["incidents"]
    return incident


def test_more_kidnapped_in_a_later_sentence_add_to_the_toll() -> None:
    incident = _incident(
        "Gunmen kidnapped five Korean engineers at a quarry near Kano on Monday, police said. "
        "Two more guards were kidnapped at the quarry later, officials said."
    )
    assert incident["kidnapped"] == 7
    assert incident["nationals"]["KR"]["kidnapped"] == 5


def test_also_injured_adds_to_the_injured_not_to_the_kidnapped() -> None:
    incident = _incident(
        "Gunmen abducted two Korean teachers in Yala on Monday. The gunmen also injured a "
        "guard who tried to stop them from kidnapping the Korean couple in Yala."
    )
    assert incident["kidnapped"] == 2
    assert incident["injured"] == 1


@pytest.mark.parametrize(
    ("text", "nationals"),
    [
        ("Two injured Chinese workers were taken to hospital.", {"CN": {"injured": 2}}),
        ("Three kidnapped Turkish engineers were freed on Monday.", {"TR": {"kidnapped": 3}}),
        ("Two injured Chinese workers later died in hospital.", {"CN": {"killed": 2}}),
    ],
)
def test_a_casualty_adjective_before_the_noun_gives_the_phrase_its_status(
    text: str, nationals: dict[str, dict[str, int]]
) -> None:
    # a verb told of them afterwards ('later died') outranks the adjective
    assert read(text).nationals == nationals


def test_a_headline_demonym_is_one_person_when_it_is_singular() -> None:
    assert read("Canadian kidnapped in Kaduna").nationals == {"CA": {"kidnapped": 1}}
    # 'Chinese' may be one or many: no count is made up
    assert read("Chinese kidnapped in Kaduna").nationals == {}


def test_a_death_toll_that_rose_counts_the_dead() -> None:
    text = "The death toll from Sunday's bombing, which targeted Chinese workers, rose to 14."
    assert read(text).totals == {"killed": 14}
    assert read("The death toll rose by 20 percent.").totals == {}


def test_shot_dead_before_its_object_counts_the_object() -> None:
    text = "Unknown gunmen shot dead a Chinese national in Karachi on Sunday."
    assert read(text).nationals == {"CN": {"killed": 1}}


def test_guards_killed_while_guarding_foreigners_are_the_dead() -> None:
    text = "Two Pakistani soldiers guarding Chinese workers were killed in an ambush."
    assert read(text).totals == {"killed": 2}


@pytest.mark.parametrize(
    "text",
    [
        "A Chinese dentist was shot dead in Karachi.",
        "A Japanese geologist was shot dead in Karachi.",
        "A Korean missionary was shot dead in Karachi.",
    ],
)
def test_a_foreigner_named_by_trade_is_counted(text: str) -> None:
    assert sum(n.get("killed", 0) for n in read(text).nationals.values()) == 1


@pytest.mark.parametrize(
    ("text", "nationals"),
    [
        (
            "Two hikers, Maren Ueland of Norway and Louisa Jespersen of Denmark, were murdered.",
            {"NO": {"killed": 1}, "DK": {"killed": 1}},
        ),
        (
            "Canadians Robert Hall and John Ridsdel were beheaded by the militants.",
            {"CA": {"killed": 2}},
        ),
        ("British tourist Grace Millane was murdered in Auckland.", {"GB": {"killed": 1}}),
        ("Spanish tourist José Pérez was murdered in Lima.", {"ES": {"killed": 1}}),
        ("Gunmen shot dead Wang Lei, a Chinese engineer, in Karachi.", {"CN": {"killed": 1}}),
        # a title is no name: the minister was not killed
        ("Chinese Foreign Minister Wang Yi condemned the killing of three engineers.", {}),
    ],
)
def test_people_named_with_their_nationality_are_counted(
    text: str, nationals: dict[str, dict[str, int]]
) -> None:
    assert read(text).nationals == nationals


def test_named_people_after_a_count_are_part_of_it() -> None:
    text = "Two hikers, Maren Ueland of Norway and Louisa Jespersen of Denmark, were murdered."
    assert read(text).totals == {"killed": 2}


@pytest.mark.parametrize(
    ("text", "attackers"),
    [
        ("Three terrorists were neutralised.", 3),
        ("Security forces reportedly shot down two terrorists involved in the attack.", 2),
        ("At least three of the gunmen who opened fire in the hotel were killed.", 3),
    ],
)
def test_attackers_killed_in_more_words(text: str, attackers: int) -> None:
    assert read(text).totals == {ATTACKERS_KILLED: attackers}


def test_a_relative_clause_between_the_victims_and_their_fate_is_skipped() -> None:
    text = "Two Chinese engineers who were travelling to the site were killed."
    assert read(text).nationals == {"CN": {"killed": 2}}


def test_a_count_after_the_attackers_verb_is_their_victims() -> None:
    text = "A suicide bomber targeted a van carrying workers in the Landhi area, injuring five."
    assert read(text).totals == {"injured": 5}
    # 'three others' after an attacker's fate are attackers too
    assert read("One terrorist was killed and three others were injured.").totals == {
        ATTACKERS_KILLED: 1
    }


def test_where_the_victims_were_travelling_stands_between_them_and_their_fate() -> None:
    text = "Two Chinese workers travelling from Lusaka to Kitwe were abducted on Tuesday."
    assert read(text).nationals == {"CN": {"kidnapped": 2}}


def test_bodies_found_are_the_dead() -> None:
    text = "Police found the bodies of two Chinese nationals in a forest near Bauchi."
    assert read(text).nationals == {"CN": {"killed": 2}}
    assert read("The body of a kidnapped Briton was found.").nationals == {"GB": {"killed": 1}}


def test_a_police_escort_is_a_person() -> None:
    text = "Bandits abducted two Chinese mining workers and killed their police escort."
    assert read(text).totals == {"kidnapped": 2, "killed": 1}
