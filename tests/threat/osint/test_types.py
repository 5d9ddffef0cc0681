"""Attack words and the type they point to, one phrase per way a report words each type.

find_cues skips a type's pattern when the clause holds none of its letters (for speed): every
phrase here must still be found, so a word added to a pattern without its letters fails."""

from __future__ import annotations

from datetime import date

import pytest

from jsms.threat.osint.extract import extract_article
from jsms.threat.osint.text import Span
from jsms.threat.osint.types import choose_attack_type, find_cues

PHRASES = [
    ("Two engineers were kidnapped near the site.", "kidnapping"),
    ("Gunmen abducted three workers.", "kidnapping"),
    ("The crew was taken hostage by pirates.", "kidnapping"),
    ("A suicide bomber struck the convoy.", "suicide_attack"),
    ("The attacker blew himself up at the gate.", "suicide_attack"),
    ("He detonated his vest near the bus.", "suicide_attack"),
    ("A self-detonation killed two guards.", "suicide_attack"),
    ("Fidayeen stormed the base.", "armed_assault"),
    ("A car bomb exploded outside the hotel.", "vbied"),
    ("A vehicle-borne device went off.", "vbied"),
    ("Police said a VBIED was used.", "vbied"),
    ("An explosives-laden truck hit the gate.", "vbied"),
    ("A white sedan packed with explosives entered the compound.", "vbied"),
    ("The bomber rammed an explosive-laden car into the bus.", "vbied"),
    ("A bomb went off inside a parked car.", "vbied"),
    ("Gunmen opened fire on the workers.", "armed_assault"),
    ("Assailants ambushed the convoy.", "armed_assault"),
    ("A sniper wounded a guard.", "armed_assault"),
    ("It was a targeted killing.", "armed_assault"),
    ("The engineer was shot in the leg.", "armed_assault"),
    ("The couple was hacked to death.", "armed_assault"),
    ("The victims were beheaded.", "armed_assault"),
    ("A man was stabbed near the camp.", "armed_assault"),
    ("Armed men entered the hotel.", "armed_assault"),
    ("There was an exchange of fire for hours.", "armed_assault"),
    ("Militants fired rockets at the camp.", "rocket_grenade"),
    ("A grenade was thrown into the office.", "rocket_grenade"),
    ("They fired RPGs at the convoy.", "rocket_grenade"),
    ("An IED hit the patrol.", "ied"),
    ("An improvised explosive device went off.", "ied"),
    ("A roadside bomb hit the van.", "ied"),
    ("A blast rocked the market.", "ied"),
    ("An explosion hit the bus.", "ied"),
    ("The bus stepped on a landmine.", "ied"),
    ("A remote-controlled device hit the car.", "ied"),
    ("The company received a threatening letter.", "threat"),
    ("The group threatened to attack Chinese workers.", "threat"),
    ("Officials warned of an imminent attack on the project.", "threat"),
    ("Their names were on a hit list.", "threat"),
    ("Police issued a security alert for the port.", "threat"),
    ("Villagers protested outside the mine.", "protest"),
    ("Demonstrators gathered at the gate.", "protest"),
    ("Locals staged a sit-in at the site.", "protest"),
    ("Protesters blocked the Karakoram Highway for hours.", "protest"),
    ("Tribesmen set up a roadblock on the route.", "roadblock"),
]


@pytest.mark.parametrize(("phrase", "kind"), PHRASES)
def test_each_wording_of_an_attack_type_is_found(phrase: str, kind: str) -> None:
    cues = find_cues(Span(0, len(phrase), phrase))
    chosen = choose_attack_type(cues)
    assert chosen is not None and chosen.kind == kind, [(c.span.text, c.kind) for c in cues]


@pytest.mark.parametrize(
    "phrase",
    [
        "Two workers were attacked on the road.",
        "Three people died and two were injured.",
        "Five were wounded and one was slain.",
        "The clashes left many dead.",
        "The attack claimed two lives.",
        "Youths threw stones at the convoy.",
        "A skirmish between villagers and mine employees left twenty in hospital.",
        "A brawl broke out at the camp.",
    ],
)
def test_generic_attack_words_are_found_without_a_type(phrase: str) -> None:
    cues = find_cues(Span(0, len(phrase), phrase))
    assert cues and all(c.kind is None for c in cues), [(c.span.text, c.kind) for c in cues]


def test_a_bowling_attack_is_no_attack() -> None:
    phrase = "The bowling attack collapsed on the second day."
    assert find_cues(Span(0, len(phrase), phrase)) == []


def test_a_foiled_plot_is_a_threat_even_when_the_plot_was_to_kidnap() -> None:
    for text in (
        "Police foiled a plot to attack Chinese engineers in Karachi on Monday.",
        "Police said the men had plotted to kidnap Chinese engineers in Karachi on Monday.",
    ):
        result = extract_article(text, name="t", published=date(2025, 3, 21))
        assert [i["attack_type"] for i in result["incidents"]] == ["threat"], text


@pytest.mark.parametrize(
    "text",
    [
        "Militants torched vehicles of a Chinese company in Quetta on Monday.",
        "Militants set fire to equipment of a Chinese construction firm in Quetta on Monday.",
        "A drone strike hit a Chinese-run mine in Quetta on Monday.",
    ],
)
def test_arson_and_drone_strikes_are_attacks_of_another_type(text: str) -> None:
    result = extract_article(text, name="t", published=date(2025, 3, 21))
    assert [i["attack_type"] for i in result["incidents"]] == ["other"], text
