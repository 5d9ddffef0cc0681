"""The extractor on attacks outside the home country, with any nationality as victims.

The snippets are written for these tests (not copied from the press): each checks one thing
issue 11 asks of a product a guest nation uses wherever its nationals work.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jsms.threat.osint.extract import extract_article


def run(text: str, published: date | None = None, title: str | None = None) -> dict[str, Any]:
    return extract_article(text, name="t", title=title, published=published)


def only(result: dict[str, Any]) -> dict[str, Any]:
    assert result["relevant"], result
    assert len(result["incidents"]) == 1, result["incidents"]
    return result["incidents"][0]


def test_an_attack_in_africa_is_placed_in_its_country_and_province() -> None:
    incident = only(
        run(
            "Gunmen killed nine Chinese nationals and wounded two others at a gold mine near "
            "Bambari in the Central African Republic on Sunday, officials said.",
            published=date(2023, 3, 20),
        )
    )
    # the division abroad comes from GeoNames' older tables: reported only when the text names it
    assert (incident["place"], incident["province"], incident["country"]) == ("Bambari", None, "CF")
    assert incident["date"] == "2023-03-19"
    assert (incident["killed"], incident["injured"]) == (9, 2)
    assert incident["nationals"] == {"CN": {"killed": 9, "injured": None}}
    assert incident["evidence"]["country"] == "Bambari"


def test_a_division_abroad_is_given_when_the_article_names_it_or_the_town_bears_its_name() -> None:
    named = only(
        run(
            "Gunmen killed nine Chinese nationals at a gold mine near Bambari in the Central "
            "African Republic's Ouaka prefecture on Sunday, officials said.",
            published=date(2023, 3, 20),
        )
    )
    assert (named["place"], named["province"], named["country"]) == ("Bambari", "Ouaka", "CF")
    assert named["evidence"]["province"] == "Ouaka"
    capital = only(
        run(
            "A bomb killed three Chinese engineers in Baghdad on Monday, Iraqi police said.",
            published=date(2023, 3, 21),
        )
    )
    assert (capital["place"], capital["country"]) == ("Baghdad", "IQ")
    assert capital["province"] is not None and "Baghd" in capital["province"]


def test_a_province_abroad_without_a_town_still_gives_province_and_country() -> None:
    incident = only(
        run(
            "Two Chinese workers were shot dead on Tuesday near the border with Afghanistan in "
            "Tajikistan's Khatlon region, the foreign ministry said.",
            published=date(2025, 12, 3),
        )
    )
    assert (incident["province"], incident["country"]) == ("Khatlon", "TJ")
    assert incident["date"] == "2025-12-02"
    assert incident["nationals"]["CN"]["killed"] == 2


def test_kidnapped_people_are_counted_apart_from_the_dead() -> None:
    incident = only(
        run(
            "Three Turkish engineers were abducted by gunmen in Nigeria on Monday, police said. "
            "A police officer was also killed in the attack.",
            published=date(2024, 5, 7),
        )
    )
    assert incident["attack_type"] == "kidnapping"
    assert incident["kidnapped"] == 3
    assert incident["nationals"]["TR"]["kidnapped"] == 3
    assert incident["killed"] == 1
    assert incident["country"] == "NG"


def test_attackers_killed_are_never_victims() -> None:
    incident = only(
        run(
            "Militants attacked a convoy of Chinese engineers in Gwadar, Pakistan, on Sunday. "
            "Security forces killed two attackers; no Chinese nationals were hurt.",
            published=date(2023, 8, 14),
        )
    )
    assert incident["attackers_killed"] == 2
    assert incident["killed"] is None


def test_the_home_countrys_own_citizens_are_foreigners_abroad() -> None:
    result = run(
        "Four Pakistani workers were killed when gunmen attacked a construction camp in "
        "Kunduz province, Afghanistan, on Friday, officials said.",
        published=date(2024, 5, 4),
    )
    incident = only(result)
    assert incident["country"] == "AF"
    assert incident["nationals"] == {"PK": {"killed": 4, "injured": None}}


def test_an_attack_on_locals_only_is_not_relevant_anywhere() -> None:
    assert not run(
        "A roadside bomb killed four soldiers in Kunduz province, Afghanistan, on Friday, "
        "officials said.",
        published=date(2024, 5, 4),
    )["relevant"]


def test_a_month_name_is_not_a_town_of_that_name() -> None:
    incident = only(
        run(
            "In March, a suicide bomber killed five Chinese engineers in Besham, Pakistan.",
            published=date(2024, 11, 8),
        )
    )
    assert incident["place"] == "Besham"
    assert incident["country"] == "PK"


def test_a_surname_is_not_a_town() -> None:
    incident = only(
        run(
            "Gunmen shot dead two Chinese nationals in Karachi, Pakistan, on Monday, police "
            "officer Ali said.",
            published=date(2024, 5, 7),
        )
    )
    assert incident["place"] == "Karachi"


def test_a_second_account_of_the_lead_attack_without_a_place_is_the_same_attack() -> None:
    result = run(
        "Gunmen attacked a hotel used by Chinese engineers in Quetta, Pakistan, on Tuesday, "
        "killing two Chinese nationals.\nThe attack on Tuesday also wounded four guards.",
        published=date(2024, 5, 8),
    )
    incident = only(result)
    assert incident["place"] == "Quetta"
    assert incident["injured"] == 4


def test_an_attack_recalled_with_neither_place_nor_date_is_not_an_incident() -> None:
    result = run(
        "A roadside bomb killed three Chinese engineers in Gwadar, Pakistan, on Monday.\n"
        "Chinese workers have faced previous attacks, officials said.",
        published=date(2024, 5, 7),
    )
    assert [i["place"] for i in result["incidents"]] == ["Gwadar"]


def test_a_named_site_is_the_place_written_with_its_town() -> None:
    incident = only(
        run(
            "A bomb exploded at the Serena Hotel in Quetta, Pakistan, on Wednesday, wounding "
            "two Chinese guests.",
            published=date(2021, 4, 22),
        )
    )
    assert incident["place"] == "Serena Hotel, Quetta"
    assert incident["province"] == "Balochistan"
    assert incident["lat"] is not None


def test_a_village_no_gazetteer_lists_is_kept_as_written_with_its_province() -> None:
    incident = only(
        run(
            "Gunmen kidnapped five Chinese engineers in Mukera, South Kivu, on Sunday, the army "
            "said.",
            published=date(2023, 7, 3),
        )
    )
    assert incident["place"] == "Mukera"
    assert (incident["province"], incident["country"]) == ("South Kivu", "CD")


def test_the_country_it_happened_in_not_the_victims_country() -> None:
    incident = only(
        run(
            "Two Norwegian tourists were killed by gunmen in Morocco on Monday, Norway's "
            "foreign ministry said.",
            published=date(2018, 12, 18),
        )
    )
    assert incident["country"] == "MA"
    assert incident["nationals"] == {"NO": {"killed": 2, "injured": None}}


def test_a_page_date_stamp_before_the_lead_does_not_hide_the_lead_attack() -> None:
    incident = only(
        run(
            " date 2024-05-07 Gunmen killed two Chinese engineers in Karachi, Pakistan, on "
            "Monday, police said.",
            published=date(2024, 5, 7),
        )
    )
    assert (incident["place"], incident["date"], incident["killed"]) == ("Karachi", "2024-05-06", 2)


def test_a_murder_of_foreigners_is_an_attack() -> None:
    incident = only(
        run(
            "Two Chinese traders were murdered at their shop in Lusaka, Zambia, on Sunday, "
            "police said.",
            published=date(2020, 5, 19),
        )
    )
    assert incident["attack_type"] == "armed_assault"
    assert incident["country"] == "ZM"


def test_a_country_named_only_by_its_police_or_placed_by_a_province_is_where_it_happened() -> None:
    """'the Zambia Police' and 'in the Copperbelt province' place the attack in Zambia, so
    its towns are read from Zambia's gazetteer ('Chambeshi, Kitwe'); 'India Today' does not
    move an attack in Gwadar to India."""
    incident = only(
        run(
            "Two Chinese nationals were shot at by unknown criminals on Thursday in Chambeshi, "
            "Kitwe, and one of them died. The Zambia Police Service is yet to comment.",
            published=date(2025, 3, 21),
        )
    )
    assert (incident["place"], incident["country"]) == ("Chambeshi", "ZM")
    province = only(
        run(
            "Gunmen shot dead a Chinese engineer in the Copperbelt province on Sunday.",
            published=date(2025, 3, 21),
        )
    )
    assert (province["province"], province["country"]) == ("Copperbelt", "ZM")


def test_a_province_created_after_geonames_tables_is_known_from_iso_3166_2() -> None:
    """The DR Congo's Ituri (2015) is missing from GeoNames' first-level table."""
    incident = only(
        run(
            "Militiamen killed four Chinese miners in Ituri province on Sunday, officials said.",
            published=date(2022, 8, 15),
        )
    )
    assert (incident["province"], incident["country"]) == ("Ituri", "CD")


def test_a_site_spelt_differently_later_is_the_same_attack() -> None:
    """'Serene Hotel' in a later sentence is the 'Serena Hotel' already told: one incident,
    placed where the site was found, with the claim the later sentence carries."""
    incident = only(
        run(
            "A car bomb exploded at the Serena Hotel in Quetta on Wednesday night, killing four "
            "people and wounding two Chinese engineers staying at the hotel.\n\n"
            "The minister said the ambassador was staying at the Serene Hotel but was away at "
            "the time of the blast. The Pakistani Taliban claimed responsibility for the blast.",
            published=date(2021, 4, 22),
        )
    )
    assert incident["place"] == "Serena Hotel, Quetta"
    assert incident["killed"] == 4
    assert incident["perpetrator_claimed"] is not None


def test_a_mission_that_speaks_is_not_where_the_attack_was() -> None:
    incident = only(
        run(
            "A suicide bomber attacked a convoy of Chinese engineers near Karachi airport on "
            "Sunday night, killing two Chinese nationals. The Chinese Embassy in Islamabad said "
            "one more Chinese national was wounded.",
            published=date(2024, 10, 7),
        )
    )
    assert "Embassy" not in str(incident["place"]) and incident["province"] == "Sindh"


def test_a_mission_written_in_lower_case_is_the_site_of_the_attack() -> None:
    incident = only(
        run(
            "Militants attacked the Turkish embassy in Mogadishu on Saturday, killing one "
            "Turkish guard and wounding three others.",
            published=date(2013, 7, 28),
        )
    )
    assert incident["place"] == "Turkish embassy, Mogadishu"
    assert incident["country"] == "SO"


def test_an_attack_dated_within_the_month_is_the_news_wherever_it_is_told() -> None:
    result = run(
        "Zambia's police chief met Chinese business leaders in Lusaka to discuss crime.\n\n"
        "Two Chinese nationals were murdered at their shop in Mumbwa on 19 June 2019, police "
        "said.",
        published=date(2019, 6, 21),
    )
    incident = only(result)
    assert incident["role"] == "primary" and incident["date"] == "2019-06-19"


def test_an_attack_told_without_a_place_happened_in_the_articles_country() -> None:
    incident = only(
        run(
            "Gunmen killed two Chinese mine workers on Monday, police said.\n\n"
            "Security for Chinese-run mines in Zambia has been tightened since.",
            published=date(2024, 5, 7),
        )
    )
    assert incident["country"] == "ZM" and incident["evidence"]["country"] == "Zambia"


def test_a_town_told_after_its_country_is_the_same_attack() -> None:
    """'Democratic Republic of Congo' (not the Republic of the Congo) contains Djugu."""
    incident = only(
        run(
            "Militia fighters attacked a mining site in northeastern Democratic Republic of "
            "Congo, killing six Chinese nationals, local officials said on Thursday.\n\n"
            "The attack took place on Wednesday in Djugu territory in Ituri province."
        )
    )
    assert (incident["place"], incident["country"]) == ("Djugu", "CD")
    assert incident["nationals"]["CN"]["killed"] == 6


def test_a_toll_restated_with_also_is_not_added_twice() -> None:
    """'7 Chinese workers kidnapped' then 'the group also kidnapped seven Chinese workers'."""
    incident = only(
        run(
            "Rebels kill 74 at oil field; 7 Chinese workers kidnapped.\n\n"
            "Rebels attacked a Chinese-run oil field in Ethiopia's Somali region on Tuesday, "
            "killing 74 people. The rebel front also kidnapped seven Chinese workers, an "
            "official said.",
            published=date(2007, 4, 24),
        )
    )
    assert incident["kidnapped"] == 7
    assert incident["nationals"]["CN"]["kidnapped"] == 7


def test_a_raid_last_year_is_not_merged_into_todays_news() -> None:
    result = run(
        "Rebels admit kidnapping foreign tourists\n\n"
        "Rebels kidnapped 20 people, including three Americans, at a resort on Palawan in the "
        "Philippines, a spokesman said. The same group gained notoriety last year for "
        "abducting some 40 people, including several Western tourists, from a resort in "
        "Malaysia."
    )
    assert result["relevant"], result
    news = [i for i in result["incidents"] if i["role"] == "primary"]
    assert len(news) == 1 and news[0]["kidnapped"] == 20, result["incidents"]


def test_a_site_whose_kind_is_written_in_lower_case_is_named_with_its_town() -> None:
    incident = only(
        run(
            "Gunmen killed nine Chinese nationals at the Chimbolo gold mine near Bambari in the "
            "Central African Republic on Sunday, officials said.",
            published=date(2023, 3, 20),
        )
    )
    assert incident["place"] == "Chimbolo gold mine, Bambari"


def test_a_town_or_a_nationality_before_hotel_is_no_site_name() -> None:
    """'a Kabul hotel' is a hotel in Kabul; 'a Chinese-run restaurant' says who runs it."""
    for text, place in (
        (
            "Gunmen stormed a Kabul hotel in Afghanistan on Monday, wounding five Chinese guests.",
            "Kabul",
        ),
        (
            "A bomb hit a Chinese-run restaurant in Kabul on Monday, wounding two Chinese men.",
            "Kabul",
        ),
    ):
        incident = only(run(text, published=date(2022, 12, 13)))
        assert incident["place"] == place, incident


def test_victims_from_a_country_count_as_its_nationals() -> None:
    incident = only(
        run(
            "Three tourists from Spain's Catalunya region were killed on Friday in a shooting "
            "in Afghanistan's Bamyan province.",
            published=date(2024, 5, 18),
        )
    )
    assert incident["nationals"] == {"ES": {"killed": 3, "injured": None}}
    assert incident["country"] == "AF"


def test_a_mission_that_urges_or_condemns_is_not_the_site_of_an_attack() -> None:
    result = run(
        "Gunmen killed two Chinese engineers in Gwadar on Sunday, police said. The Chinese "
        "embassy in Islamabad condemned the attack and urged Chinese citizens to stay alert "
        "to possible attacks.",
        published=date(2024, 3, 18),
    )
    assert result["relevant"], result
    assert [i["place"] for i in result["incidents"]] == ["Gwadar"], result["incidents"]


def test_a_mission_speaking_is_read_as_an_organisation_not_a_place() -> None:
    from jsms.threat.osint.places import find_places
    from jsms.threat.osint.text import Span

    for text in (
        "The Chinese embassy urged its citizens to stay alert.",
        "The U.S. Embassy has warned of possible attacks.",
        "The Chinese Embassy in Islamabad condemned the attack.",
    ):
        sites = [p for p in find_places(Span(0, len(text), text)) if "mbassy" in p.name]
        assert sites and all(p.role == "org" for p in sites), [(p.name, p.role) for p in sites]


def test_a_small_town_put_in_its_own_division_is_the_place_of_the_attack() -> None:
    """'Pahalgam in Jammu and Kashmir': a town too small to be taken by its name alone, placed
    by the division after it (one name though written with 'and'); 'since the 2019 attack'
    dates nothing."""
    incident = only(
        run(
            "The attack in Jammu and Kashmir killed 26 people, including a Nepalese national."
            "\n\nGunmen struck Pahalgam in Jammu and Kashmir, leaving 26 dead. It was the "
            "deadliest attack since the 2019 Pulwama bombing.",
            published=date(2025, 4, 23),
        )
    )
    assert (incident["place"], incident["country"]) == ("Pahalgam", "IN")
    assert incident["province"] is not None and incident["province"].startswith("Jammu and")
    assert incident["role"] == "primary" and incident["killed"] == 26
    assert incident["nationals"] == {"NP": {"killed": 1, "injured": None}}


def test_armed_men_who_killed_with_no_word_of_a_bomb_made_an_armed_assault() -> None:
    incident = only(
        run(
            "Militia fighters killed six Chinese nationals at a gold mining camp in Ituri "
            "province on Wednesday, officials said.",
            published=date(2023, 7, 6),
        )
    )
    assert incident["attack_type"] == "armed_assault"
    assert incident["evidence"]["attack_type"] in {"Militia", "fighters"}


def test_a_photo_caption_above_the_headline_does_not_take_the_lead() -> None:
    result = run(
        "Advertisement\nGet more with myNEWS\n"
        "Nigeria's security situation has worsened in recent years, including a series of "
        "kidnappings.\nPhoto: AFP\n\n"
        "3 Chinese nationals kidnapped at gunpoint in Nigeria\n\n"
        "Gunmen kidnapped three Chinese workers at a hydroelectric plant in Niger state on "
        "Wednesday, police said."
    )
    incident = only(result)
    assert incident["role"] == "primary" and incident["kidnapped"] == 3


def test_a_site_named_right_after_the_town_is_the_same_attack() -> None:
    incident = only(
        run(
            "A gunman killed 38 tourists, most of them Britons, in the Tunisian resort town of "
            "Sousse on Friday.\n\nThe gunman opened fire at the Imperial Marhaba Hotel before "
            "police shot him dead.",
            published=date(2015, 6, 27),
        )
    )
    assert incident["killed"] == 38 and incident["country"] == "TN"


def test_a_foreigner_killed_with_no_accident_told_is_a_killing() -> None:
    incident = only(
        run(
            "A Chinese national was mysteriously killed in Afghanistan's Takhar province on "
            "Tuesday night, police said.",
            published=date(2025, 1, 22),
        )
    )
    assert (incident["province"], incident["country"]) == ("Takhar", "AF")
    assert incident["killed"] == 1  # an adverb between 'was' and 'killed' keeps the count
    assert incident["nationals"] == {"CN": {"killed": 1, "injured": None}}


def test_foreigners_killed_in_an_accident_are_not_an_attack() -> None:
    result = run(
        "Three Chinese workers were killed in Balochistan on Monday. The tunnel they were "
        "digging collapsed after heavy rain.",
        published=date(2025, 1, 22),
    )
    assert not result["relevant"], result["incidents"]


def test_stabbed_to_death_in_a_city_places_the_attack_there_and_counts_the_dead() -> None:
    incident = only(
        run(
            "A French tourist was stabbed to death in Istanbul on Saturday night.",
            published=date(2025, 3, 17),
        )
    )
    # 'to death in Istanbul' is not a journey's end
    assert (incident["place"], incident["country"]) == ("Istanbul", "TR")
    assert incident["killed"] == 1
    assert incident["nationals"] == {"FR": {"killed": 1, "injured": None}}


def test_a_list_of_what_a_group_does_and_a_hostage_still_missing_are_no_new_attacks() -> None:
    result = run(
        "Troops found an Indonesian national who was abducted by Abu Sayyaf militants on "
        "September 11 in Sulu. The group has carried out kidnappings, bombings, and other "
        "violent acts in the provinces of Basilan and Sulu. The whereabouts of the second "
        "abductee are unknown as of early December.",
        published=date(2018, 12, 7),
    )
    assert [i["date"] for i in result["incidents"]] == ["2018-09-11"], result["incidents"]


def test_violence_told_in_the_sentence_after_the_foreigners_is_read_with_them() -> None:
    result = run(
        "On Monday a quarrel began between villagers and employees of the Chinese company at "
        "the gold mine near Naryn, Kyrgyzstan. Both sides began to throw stones at each other, "
        "and 20 people were injured.",
        published=date(2019, 8, 6),
    )
    assert result["relevant"], result
    assert [(i["country"], i["injured"]) for i in result["incidents"]] == [("KG", 20)]


def test_a_targeted_hotel_is_the_place_and_the_town_beside_it_gives_the_division() -> None:
    incident = only(
        run(
            "At least 20 tourists, including Britons, were killed on Friday in a shooting at "
            "a beach hotel near Sousse, Tunisia. Officials said the gunman was targeting the "
            "Imperial Hotel in the Port El Kantaoui district.",
            published=date(2015, 6, 27),
        )
    )
    # the hotel is more specific than the town; GeoNames spells the division 'Susah'
    assert incident["place"] == "Imperial Hotel, Port el Kantaoui"
    assert (incident["province"], incident["evidence"]["province"]) == ("Sousse", "Sousse")


def test_a_hotel_named_after_its_town_is_placed_in_that_town() -> None:
    result = run(
        "Gunmen attack Kabul Longan Hotel, popular with Chinese visitors. The Kabul Longan "
        "Hotel was attacked by armed men on Monday, and three Chinese guests were injured, "
        "Afghanistan's interior ministry said.",
        published=date(2022, 12, 13),
    )
    assert [(i["place"], i["province"], i["date"]) for i in result["incidents"]] == [
        ("Kabul Longan Hotel", "Kabul", "2022-12-12")
    ], result["incidents"]


def test_a_nightclub_named_like_a_town_elsewhere_is_still_the_site() -> None:
    incident = only(
        run(
            "A gunman killed 39 people, among them seven Saudis, at the Reina nightclub in "
            "Istanbul, Turkey, early on Sunday.",
            published=date(2017, 1, 1),
        )
    )
    # 'Reina' is a town in Spain: not in the article's country, so the words name the club
    assert incident["place"] == "Reina nightclub, Istanbul"
    assert (incident["province"], incident["country"]) == ("Istanbul", "TR")


def test_a_mountain_is_a_place() -> None:
    incident = only(
        run(
            "Two Scandinavian hikers, a Norwegian and a Dane, were murdered near Mount Toubkal "
            "in Morocco on 17 December.",
            published=date(2018, 12, 20),
        )
    )
    assert (incident["place"], incident["country"]) == ("Mount Toubkal", "MA")


def test_a_site_and_its_town_told_in_two_sentences_are_put_together() -> None:
    incident = only(
        run(
            "A car bomb exploded in Quetta on Wednesday night, killing four people and wounding "
            "eleven, hours before the Chinese ambassador was due to arrive. The attack targeted "
            "the Serena hotel, where the ambassador was to stay.",
            published=date(2021, 4, 22),
        )
    )
    assert (incident["place"], incident["province"]) == ("Serena hotel, Quetta", "Balochistan")
    assert incident["evidence"]["place"] == "Serena hotel"


def test_a_country_speaking_through_its_envoy_is_not_where_it_happened() -> None:
    result = run(
        "Mourners met yesterday in Kuta, on Indonesia's resort island of Bali, to remember "
        'the 202 people killed in the bombing of 12 October 2002. "We remember those who '
        "died here,\" Australia's ambassador said. Some 88 Australians were killed by the "
        "bombs.",
        published=date(2004, 10, 13),
    )
    places = [(i["place"], i["country"]) for i in result["incidents"]]
    assert places == [("Kuta", "ID")], result["incidents"]
    assert result["incidents"][0]["nationals"] == {"AU": {"killed": 88, "injured": None}}


def test_the_town_after_an_attack_word_is_where_it_happened_not_a_route_end() -> None:
    incident = only(
        run(
            "The death toll from Sunday's bombing in Quetta, which targeted Chinese workers, "
            "rose to 14.",
            published=date(2025, 3, 18),
        )
    )
    assert (incident["place"], incident["killed"], incident["date"]) == ("Quetta", 14, "2025-03-16")


def test_a_division_that_bears_a_countrys_name_is_the_division() -> None:
    for where in ("in Nigeria's Niger state", "in Niger State, Nigeria"):
        incident = only(run(f"Gunmen killed two Chinese miners {where} on Tuesday."))
        assert (incident["province"], incident["country"]) == ("Niger", "NG"), where


def test_a_division_named_with_its_kind_word_is_the_division_not_a_town() -> None:
    incident = only(run("Gunmen killed two Chinese miners in the Gao Region of Mali on Tuesday."))
    assert (incident["place"], incident["province"], incident["country"]) == (None, "Gao", "ML")


def test_a_capital_named_without_in_is_a_place_when_no_country_is_named() -> None:
    incident = only(run("Gunmen killed two Chinese traders outside the capital, Bamako."))
    assert (incident["place"], incident["country"]) == ("Bamako", "ML")


def test_a_capital_named_as_an_actor_is_not_a_place() -> None:
    result = run(
        "Gunmen killed two Chinese engineers in Gwadar on Tuesday, an attack that worried Beijing.",
        published=date(2025, 3, 21),
    )
    assert [(i["place"], i["province"]) for i in result["incidents"]] == [("Gwadar", "Balochistan")]


def test_a_wire_story_places_the_attack_at_the_site_not_the_town_it_is_measured_from() -> None:
    result = run(
        "Two Chinese nationals killed in attack on gold mine in eastern DR Congo\n\n"
        "KINSHASA, March 18 (Reuters) - Armed men attacked a Chinese-run gold mine in the "
        "eastern Democratic Republic of Congo's South Kivu province on Sunday, killing two "
        "Chinese nationals and a Congolese soldier, local officials said on Monday.\n\n"
        "The attack took place at the Shabunda site, about 300 km west of the provincial "
        "capital Bukavu, said an administrator in the territory.\n\n"
        "Three other Chinese workers were wounded and taken to hospital in Bukavu, he said.",
        published=date(2024, 3, 18),
    )
    incident = result["incidents"][0]
    assert (incident["place"], incident["province"], incident["country"]) == (
        "Shabunda",
        "South Kivu",
        "CD",
    )
    assert incident["nationals"] == {"CN": {"killed": 2, "injured": 3}}


def test_abducted_from_a_camp_in_a_town_is_an_abduction_in_that_town() -> None:
    incident = only(
        run("Gunmen abducted two Chinese workers from their camp in Kitwe, Zambia, on Tuesday.")
    )
    assert (incident["place"], incident["country"], incident["kidnapped"]) == ("Kitwe", "ZM", 2)


def test_a_town_whose_name_has_a_lower_case_particle_is_read_whole() -> None:
    incident = only(
        run("Gunmen shot dead two Canadian tourists in Playa del Carmen, Mexico, on Thursday.")
    )
    # not 'Carmen' alone, which GeoNames knows as Ciudad del Carmen, 300 km away
    assert (incident["place"], incident["country"]) == ("Playa del Carmen", "MX")


def test_a_kidnapping_told_with_seized_and_a_past_wave_of_kidnappings() -> None:
    result = run(
        "BAGHDAD - A Turkish engineer who was abducted by unknown gunmen in Baghdad has been "
        "released unharmed, officials said on Sunday.\n\n"
        "The engineer was seized on Tuesday as he left his hotel, the officials said.\n\n"
        "Kidnappings of foreigners were common in Iraq after the 2003 US-led invasion.",
        published=date(2024, 3, 10),
    )
    assert [(i["role"], i["date"], i["kidnapped"]) for i in result["incidents"]] == [
        ("primary", "2024-03-05", 1)
    ], result["incidents"]
    assert result["incidents"][0]["nationals"] == {
        "TR": {"killed": None, "injured": None, "kidnapped": 1}
    }


def test_an_accented_name_with_a_particle_is_one_place_not_a_capital_abroad() -> None:
    result = run(
        "Insurgents attacked a camp of Chinese contractors in Mocímboa da Praia, Mozambique, on "
        "Thursday night, killing two Chinese workers.",
        published=date(2024, 3, 10),
    )
    # 'Praia' alone is Cape Verde's capital; 'Moc' is nothing
    assert [(i["country"], i["killed"]) for i in result["incidents"]] == [("MZ", 2)]
    assert result["incidents"][0]["place"] in (None, "Mocímboa da Praia")


def test_a_chinese_restaurant_or_project_is_a_foreign_target() -> None:
    for text in (
        "A hand grenade was hurled at a Chinese restaurant in Quetta on Monday.",
        "Protesters blocked the highway near a Chinese project site in Quetta on Monday.",
    ):
        assert run(text, published=date(2025, 3, 21))["relevant"], text
