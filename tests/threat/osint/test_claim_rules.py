"""Who did it: claims of responsibility and attributions, on short hand-written reports.

A claim is the group's own word; an attribution is someone else's (officials blame or suspect
a group, or the report says the group did it). Names come out as the article writes them, with
the acronym it defines for them, whether or not the lexicon knows the group.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jsms.threat.osint.extract import extract_article

DAY = date(2025, 3, 10)


def only(text: str) -> dict[str, Any]:
    result = extract_article(text, name="t", published=DAY)
    assert result["relevant"], result
    assert len(result["incidents"]) == 1, result["incidents"]
    incident = result["incidents"][0]
    for field in ("perpetrator_claimed", "perpetrator_attributed"):
        if incident[field] is not None:
            assert incident["evidence"][field] in text
    return incident


def claimed(text: str) -> str | None:
    incident = only(text)
    assert incident["perpetrator_attributed"] is None or incident["perpetrator_claimed"] is None
    return incident["perpetrator_claimed"]


def attributed(text: str) -> str | None:
    incident = only(text)
    assert incident["perpetrator_claimed"] is None
    return incident["perpetrator_attributed"]


ATTACK = (
    "Gunmen attacked a camp of Chinese road engineers near Garissa, Kenya, on Sunday, killing two. "
)


# --- claims ---------------------------------------------------------------------------------


def test_a_group_no_list_knows_is_named_by_its_claim() -> None:
    text = ATTACK + "The outlawed militant group Harakat Jund al-Sahil has claimed responsibility."
    assert claimed(text) == "Harakat Jund al-Sahil"


def test_a_claim_keeps_the_acronym_the_article_defines() -> None:
    text = ATTACK + "The Eastern Freedom Army (EFA) claimed responsibility for the attack."
    assert claimed(text) == "Eastern Freedom Army (EFA)"


def test_an_acronym_claim_takes_the_full_name_defined_earlier() -> None:
    text = (
        "Militants of the Coastal Liberation Front (CLF) attacked a camp of Chinese road "
        "engineers near Garissa, Kenya, on Sunday, killing two. CLF claimed responsibility."
    )
    assert claimed(text) == "Coastal Liberation Front (CLF)"


def test_a_known_group_is_named_as_the_text_spells_it() -> None:
    assert claimed(ATTACK + "Al Shabab has claimed responsibility.") == "Al Shabab"


def test_a_group_introduced_in_apposition_claims() -> None:
    text = ATTACK + "A group, the Northern Salvation Front, has claimed responsibility."
    assert claimed(text) == "Northern Salvation Front"


def test_a_spokesman_for_the_group_names_it_next_door() -> None:
    text = (
        ATTACK + "A spokesman for the separatist group, Ali Noor, said its fighters targeted "
        "the camp. The Eastern Freedom Army is active along the border."
    )
    assert claimed(text) == "Eastern Freedom Army"


def test_a_group_that_said_it_attacked_claims_it() -> None:
    text = ATTACK + "The separatist Eastern Freedom Army said it attacked the camp."
    assert claimed(text) == "Eastern Freedom Army"


def test_rebels_who_admit_a_kidnapping_claim_it() -> None:
    text = (
        "Abu Sayyaf rebels admit kidnapping two German tourists\n"
        "Two German tourists were kidnapped from a beach resort in Sulu, Philippines, on "
        "Saturday."
    )
    assert claimed(text) == "Abu Sayyaf"


def test_a_denied_claim_is_no_claim() -> None:
    text = ATTACK + "No group has claimed responsibility for the attack."
    assert claimed(text) is None


# --- attributions ---------------------------------------------------------------------------


def test_suspicion_is_an_attribution_not_a_claim() -> None:
    text = (
        ATTACK + "There was no claim of responsibility, but suspicion fell on the Union of Rebels."
    )
    assert attributed(text) == "Union of Rebels"


def test_officials_blaming_a_group() -> None:
    text = ATTACK + "Police blamed the attack on al-Shabab."
    assert attributed(text) == "al-Shabab"


def test_an_attack_carried_out_by_a_militia() -> None:
    text = ATTACK + "The governor said it was carried out by the KODA militia."
    assert attributed(text) == "KODA"


def test_the_report_says_the_group_did_it() -> None:
    text = (
        "The ZANU militia attacked a camp of Chinese road engineers near Garissa, Kenya, on "
        "Sunday, killing two."
    )
    assert attributed(text) == "ZANU"


def test_a_gang_called_by_its_name() -> None:
    text = (
        "Five Chinese engineers were kidnapped near Garissa, Kenya, on Saturday; police said a "
        "gang called 500 Lakay abducted them."
    )
    assert attributed(text) == "500 Lakay"


def test_groups_blamed_together_are_joined() -> None:
    text = (
        ATTACK + "Police believe the gunmen have links with the militant group Jemaah "
        "Islamiyah and the Abu Sayyaf."
    )
    assert attributed(text) == "Jemaah Islamiyah / Abu Sayyaf"


def test_stopping_short_of_blaming_is_no_attribution() -> None:
    text = ATTACK + "Officials stopped short of blaming the Taliban."
    assert attributed(text) is None


def test_a_groups_record_is_no_attribution() -> None:
    text = ATTACK + "The area has long seen attacks, and al-Shabab has long targeted foreigners."
    assert attributed(text) is None


def test_a_people_before_militants_is_no_group() -> None:
    text = (
        "Baloch militants attacked a convoy of Chinese engineers in Gwadar, Pakistan, on "
        "Sunday, killing two."
    )
    assert attributed(text) is None


def test_a_claim_outranks_an_attribution() -> None:
    text = ATTACK + "Police blamed al-Shabab. Al Shabaab has claimed responsibility."
    incident = only(text)
    assert incident["perpetrator_claimed"] == "Al Shabaab"
    assert incident["perpetrator_attributed"] is None


def test_a_claim_by_a_nameless_group_names_no_group() -> None:
    text = (
        ATTACK
        + "The killing was claimed by a group accusing the engineers of spying for the Taliban."
    )
    assert claimed(text) is None


def test_the_rebel_group_that_said_it_attacked_is_the_one_named_before() -> None:
    text = (
        ATTACK + "The Coastal Liberation Front, an ethnic rebel group, has fought the army for "
        "years. Its fighters carry rifles. In a statement, the rebel group said it had launched "
        "the raid."
    )
    assert claimed(text) == "Coastal Liberation Front"


def test_the_group_that_abducted_is_the_subject_named_before() -> None:
    text = (
        "Abu Sayyaf is an Islamic State affiliate. The group abducted two Chinese engineers "
        "off Sulu, Philippines, on Monday."
    )
    assert attributed(text) == "Abu Sayyaf"


def test_a_title_that_stops_short_of_blaming_blames_no_one() -> None:
    text = "Officials Stop Short Of Blaming Afghan Taliban\n" + ATTACK
    assert attributed(text) is None


def test_a_leader_involved_in_the_attack() -> None:
    text = ATTACK + "Among the dead was Abu Sayyaf leader Abu Rami, who was involved in the raid."
    assert attributed(text) == "Abu Sayyaf"


def test_a_groups_involvement_in_kidnappings_is_its_record() -> None:
    text = ATTACK + "Abu Sayyaf is a group that has been involved in kidnappings and bombings."
    assert attributed(text) is None


def test_gunmen_of_a_named_group_are_the_attackers() -> None:
    text = (
        "Abu Sayyaf gunmen attacked a camp of Chinese road engineers near Garissa, Kenya, "
        "on Sunday, killing two."
    )
    assert attributed(text) == "Abu Sayyaf"


def test_militants_a_strike_targeted_are_not_the_attackers() -> None:
    text = (
        "Two Chinese engineers were killed in Garissa, Kenya, on Sunday, a week after "
        "airstrikes against al-Shabab militants."
    )
    assert attributed(text) is None


def test_unnamed_perpetrators_an_official_describes() -> None:
    text = (
        ATTACK + "The ministry blamed the raid on armed groups based in the territory of Somalia, "
        "which it did not name."
    )
    assert attributed(text) == "armed groups based in the territory of Somalia"


def test_a_region_targeted_by_a_group_over_the_years_is_its_record() -> None:
    text = ATTACK + "The region has been targeted by the Islamic State group in the past decade."
    assert attributed(text) is None


def test_a_claim_on_a_vague_recollection_goes_to_the_lead_attack() -> None:
    text = (
        "Gunmen attacked a convoy of Chinese engineers in Gwadar, Pakistan, on Sunday, "
        "killing two. It was the worst attack since a similar one in 2021. The Eastern "
        "Freedom Army claimed responsibility for the attack."
    )
    assert claimed(text) == "Eastern Freedom Army"


def test_a_region_people_come_from_is_no_group() -> None:
    """'Middle Eastern militants' says where suspects come from, not which group they are."""
    for text in (
        "A bomb killed two Americans in Zamboanga on Monday. Police suspected Middle Eastern "
        "militants were behind the attack.",
        "A bomb killed two Americans in Zamboanga on Monday. Officials blamed the attack on "
        "Middle Eastern terrorists.",
    ):
        assert only(text)["perpetrator_attributed"] is None


ATTACK = "Gunmen killed two Chinese engineers in Gwadar, Balochistan, on Tuesday. "


def test_ways_officials_name_a_group_are_attributions() -> None:
    said = {
        "The attack bore the hallmarks of the Balochistan Liberation Army.": "Balochistan "
        "Liberation Army",
        "Security sources attributed the attack to the BLA.": "BLA",
        "Police said the gunmen were members of Lashkar-e-Jhangvi.": "Lashkar-e-Jhangvi",
        "Authorities said the attackers belonged to the Islamic State.": "Islamic State",
        "Officials said the Balochistan Liberation Army was responsible.": "Balochistan "
        "Liberation Army",
    }
    for sentence, group in said.items():
        assert attributed(ATTACK + sentence) == group, sentence


def test_being_responsible_for_security_blames_nobody() -> None:
    assert attributed(ATTACK + "The Frontier Corps is responsible for security there.") is None


def test_a_group_saying_its_fighters_attacked_claims_it() -> None:
    assert claimed(ATTACK + "In a statement, the BLA said its fighters targeted the Chinese.") == (
        "BLA"
    )
