"""The rule-based OSINT extractor on short hand-written articles, and on the real seeds.

The snippets are written for these tests (not copied from the press) and each targets one
rule from the issue: relative dates, citizenship traps, national totals vs. incidents,
background mentions, number words, totals vs. nationals, claims vs. suspicion, verbatim
evidence and irrelevant articles.

Pinning a month-level mention to an attack's day needs a history of known attacks; the tests
that need one take it the way a real instance has it: from an incident store (the ``db``
fixture's database) holding the curated history ``jsms threat load-history`` loads, or
incidents the test records itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.threat.osint.extract import ATTACK_TYPES, ROLES, extract_article
from jsms.threat.osint.known import PastIncident, load_history
from jsms.threat.osint.text import parse_number
from jsms.threat.service import create_incident, load_curated_incidents

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"
KEY = Path(__file__).resolve().parents[3] / "benchmarks" / "osint_answer_key.json"
PROVINCES = {
    "Punjab",
    "Sindh",
    "Balochistan",
    "Khyber Pakhtunkhwa",
    "Islamabad",
    "Gilgit-Baltistan",
    "Azad Kashmir",
}
INCIDENT_KEYS = {
    "role",
    "date",
    "date_precision",
    "place",
    "province",
    "country",
    "lat",
    "lon",
    "attack_type",
    "killed",
    "injured",
    "kidnapped",
    "attackers_killed",
    "nationals",
    "perpetrator_claimed",
    "perpetrator_attributed",
    "evidence",
}


def _check_shape(text: str, result: dict[str, Any]) -> None:
    """Every result keeps the schema, the closed vocabularies and verbatim evidence."""
    assert set(result) == {"article", "relevant", "incidents"}
    json.dumps(result)  # JSON-able
    for incident in result["incidents"]:
        assert set(incident) == INCIDENT_KEYS
        assert incident["role"] in ROLES
        assert incident["attack_type"] in (*ATTACK_TYPES, None)
        assert incident["province"] in (*PROVINCES, None)
        if incident["date"] is not None:
            date.fromisoformat(incident["date"])
        for field, quote in incident["evidence"].items():
            assert quote in text, (field, quote)
        for field, value in incident.items():
            if field != "evidence" and value not in (None, {}):
                assert field in incident["evidence"], field


@pytest.fixture
def history(db: Session) -> tuple[PastIncident, ...]:
    """The store's history after `jsms threat load-history`."""
    load_curated_incidents(db)
    db.commit()
    return load_history(db)


def run(
    text: str,
    published: date | None = None,
    title: str | None = None,
    history: Sequence[PastIncident] = (),
) -> dict[str, Any]:
    result = extract_article(text, name="t", title=title, published=published, history=history)
    _check_shape(text, result)
    return result


def only(result: dict[str, Any], role: str | None = None) -> dict[str, Any]:
    """The single incident (of a role) the article should yield."""
    found = [i for i in result["incidents"] if role is None or i["role"] == role]
    assert len(found) == 1, result["incidents"]
    return found[0]


# --- relative dates ---------------------------------------------------------------------


def test_last_night_is_the_day_before_publication() -> None:
    text = (
        "Gunmen opened fire on a van carrying Chinese engineers near Thatta last night, "
        "wounding two of them, police said."
    )
    incident = only(run(text, published=date(2024, 5, 15)))
    assert incident["date"] == "2024-05-14"
    assert incident["evidence"]["date"] == "last night"
    assert incident["role"] == "primary"
    assert incident["place"] == "Thatta" and incident["province"] == "Sindh"
    assert incident["attack_type"] == "armed_assault"
    assert incident["injured"] == 2
    assert incident["nationals"] == {"CN": {"killed": None, "injured": 2}}


def test_on_tuesday_is_the_last_tuesday_before_publication() -> None:
    text = (
        "A roadside bomb struck a vehicle of a Chinese company in Hub on Tuesday, "
        "killing three Pakistani guards, officials said on Thursday."
    )
    incident = only(run(text, published=date(2024, 5, 16)))  # a Thursday
    assert incident["date"] == "2024-05-14"
    assert incident["evidence"]["date"] == "Tuesday"
    assert incident["killed"] == 3
    assert incident["nationals"] == {}  # the host's own guards count in the total only
    assert incident["attack_type"] == "ied"


AIRPORT_LAST_OCTOBER = (
    "Talks on security for Chinese workers began after two Chinese engineers were killed "
    "in a bombing at Karachi airport last October."
)


def test_last_october_pins_a_known_attack_to_its_day(history: tuple[PastIncident, ...]) -> None:
    incident = only(run(AIRPORT_LAST_OCTOBER, published=date(2025, 3, 1), history=history))
    assert incident["date"] == "2024-10-06"
    assert incident["date_precision"] == "day"
    assert incident["evidence"]["date"] == "last October"
    assert incident["role"] == "background"
    assert incident["place"] == "Jinnah International Airport"


def test_without_a_history_nothing_is_pinned() -> None:
    incident = only(run(AIRPORT_LAST_OCTOBER, published=date(2025, 3, 1)))
    assert incident["date"] == "2024-10-01" and incident["date_precision"] == "month"


def _record(db: Session, review_status: str = "accepted", **fields: Any) -> None:
    values: dict[str, Any] = {
        "title": "Rocket attack on the Qandeel Bridge camp of Chinese surveyors, Hyderabad",
        "occurred_at": datetime(2023, 2, 17, tzinfo=UTC),
        "place_name": "Hyderabad",
        "lat": 25.396,
        "lon": 68.3578,
        "province": "Sindh",
        "attack_type": "rocket_grenade",
        "injured": 3,
        "nationals": {"CN": {"killed": 0, "injured": 3}},
        "verification": "probable",
    }
    create_incident(db, sources=[], review_status=review_status, **(values | fields))
    db.commit()


QANDEEL_LAST_FEBRUARY = (
    "Chinese surveyors have not returned to the Qandeel Bridge camp near Hyderabad since a "
    "rocket attack wounded three Chinese nationals there last February, officials said."
)


def test_an_attack_nobody_wrote_into_code_pins_its_mention(db: Session) -> None:
    """A made-up attack recorded in the store dates a month-level mention to its day."""
    _record(db)
    incident = only(
        run(QANDEEL_LAST_FEBRUARY, published=date(2024, 1, 10), history=load_history(db))
    )
    assert incident["date"] == "2023-02-17" and incident["date_precision"] == "day"
    assert incident["evidence"]["date"] == "last February"


def test_an_attack_named_only_by_its_distinctive_word_is_pinned(db: Session) -> None:
    """No place the gazetteer knows in the text: the title's own word names the attack."""
    _record(db)
    _record(
        db,
        title="Gunmen fire on a car of Chinese engineers on the Indus Highway",
        occurred_at=datetime(2023, 2, 3, tzinfo=UTC),
        lat=None,
        lon=None,
        place_name=None,
        province=None,
    )
    text = (
        "Work on a bridge in Pakistan stopped after the Qandeel camp of Chinese surveyors came "
        "under rocket fire in February 2023, wounding three Chinese nationals."
    )
    incident = only(run(text, published=date(2024, 1, 10), history=load_history(db)))
    assert incident["date"] == "2023-02-17"


def test_an_incident_waiting_for_review_does_not_pin(db: Session) -> None:
    _record(db, review_status="pending")
    _record(db, review_status="rejected", external_key="rejected-one")
    history = load_history(db)
    assert history == ()
    incident = only(run(QANDEEL_LAST_FEBRUARY, published=date(2024, 1, 10), history=history))
    assert incident["date"] == "2023-02-01" and incident["date_precision"] == "month"


def test_the_history_keeps_attacks_on_foreigners_with_distinctive_words(db: Session) -> None:
    _record(db)
    _record(
        db,
        title="Bomb kills four policemen in Bannu",
        nationals={"PK": {"killed": 4, "injured": 0}},
        external_key="domestic",
    )
    (known,) = load_history(db)
    assert known.day == date(2023, 2, 17) and known.nationals == {"CN"}
    assert {"qandeel", "bridge", "camp", "hyderabad"} <= known.keywords
    # person words ('surveyor') name who was hit in many attacks, not which attack
    assert not {"rocket", "attack", "chinese", "the", "sindh", "surveyor"} & known.keywords


def test_last_october_of_an_unknown_attack_keeps_month_precision() -> None:
    text = (
        "Security for Chinese nationals was raised after two Chinese technicians were injured "
        "in a grenade attack in Hyderabad last October."
    )
    incident = only(run(text, published=date(2025, 3, 1)))
    assert incident["date"] == "2024-10-01"
    assert incident["role"] == "background"
    assert incident["attack_type"] == "rocket_grenade"


def test_publication_date_is_read_from_the_text() -> None:
    text = (
        "Desk Report | Updated: 16-05-2024 10:00 IST\n"
        "Two Chinese nationals were wounded when gunmen fired on their car in Quetta on "
        "Tuesday."
    )
    incident = only(run(text))
    assert incident["date"] == "2024-05-14"


# --- nationality --------------------------------------------------------------------------


def test_chinese_origin_canadian_is_a_canadian_national() -> None:
    text = (
        "A Chinese-origin Canadian engineer was killed and two ethnic Chinese Malaysian "
        "contractors were injured when a bomb exploded near their camp in Gwadar on Monday."
    )
    incident = only(run(text, published=date(2024, 6, 4)))
    assert incident["nationals"] == {
        "CA": {"killed": 1, "injured": None},
        "MY": {"killed": None, "injured": 2},
    }
    assert "CN" not in incident["nationals"]


def test_unhurt_foreigners_are_recorded_with_zero_casualties() -> None:
    text = (
        "Five Japanese nationals were unhurt when a suicide bomber struck their van in "
        "Karachi on Friday, but their Pakistani guard was killed."
    )
    incident = only(run(text, published=date(2024, 4, 19)))
    assert incident["nationals"]["JP"] == {"killed": 0, "injured": 0}
    assert incident["attack_type"] == "suicide_attack"


# --- roles: aggregate, background, primary ------------------------------------------------


def test_national_totals_alone_are_statistics_not_a_relevant_article() -> None:
    text = (
        "At least 20 Chinese nationals have been killed in attacks across Pakistan since "
        "2021, officials told lawmakers on Tuesday."
    )
    assert run(text, published=date(2024, 12, 10)) == {
        "article": "t",
        "relevant": False,
        "incidents": [],
    }


def test_aggregate_and_a_real_attack_in_one_article() -> None:
    text = (
        "A suicide bomber rammed a car into a bus of Chinese engineers in Besham on Tuesday, "
        "killing five Chinese nationals and their Pakistani driver.\n"
        "Twenty Chinese have been killed in attacks in Pakistan since 2021."
    )
    result = run(text, published=date(2024, 3, 26))
    primary = only(result, "primary")
    aggregate = only(result, "aggregate")
    assert primary["killed"] == 6
    assert aggregate["nationals"]["CN"]["killed"] == 20


def test_older_attack_in_an_article_about_talks_is_background() -> None:
    text = (
        "Pakistan and China held talks in Islamabad on Monday on protecting Chinese workers.\n"
        "The talks follow a bus bombing in Dasu in which nine Chinese engineers were killed."
    )
    incident = only(run(text, published=date(2024, 6, 3)))
    assert incident["role"] == "background"
    assert incident["place"] == "Dasu"
    assert incident["date"] is None  # the text says nothing about when
    assert incident["nationals"] == {"CN": {"killed": 9, "injured": None}}


def test_two_attacks_in_one_sentence_are_two_incidents(
    history: tuple[PastIncident, ...],
) -> None:
    text = (
        "Two deadly attacks this year - one in March in Bisham, killing five Chinese "
        "citizens, and the other near Karachi Airport, which took two lives - worried Beijing."
    )
    result = run(text, published=date(2024, 11, 8), history=history)
    places = sorted(i["place"] for i in result["incidents"])
    assert places == ["Besham", "Jinnah International Airport"]
    bisham = next(i for i in result["incidents"] if i["place"] == "Besham")
    assert bisham["date"] == "2024-03-26"
    assert bisham["killed"] == 5


def test_repeated_mentions_of_one_attack_are_one_incident() -> None:
    text = (
        "A car bomb exploded outside Karachi airport on Sunday night, killing two Chinese "
        "engineers.\nThe blast also wounded ten people.\n"
        "The Baloch Liberation Army claimed responsibility for the attack at the airport."
    )
    incident = only(run(text, published=date(2024, 10, 7)))
    assert incident["killed"] == 2
    assert incident["injured"] == 10
    assert incident["attack_type"] == "vbied"
    assert incident["perpetrator_claimed"] == "Baloch Liberation Army"


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "value"),
    [("two", 2), ("Five", 5), ("a dozen", 12), ("twenty-five", 25), ("1,545", 1545), ("13", 13)],
)
def test_number_words(words: str, value: int) -> None:
    assert parse_number(words) == value


def test_number_words_in_casualty_counts() -> None:
    text = (
        "Gunmen attacked a convoy of Chinese workers in Turbat on Saturday, killing two "
        "Chinese engineers and wounding a dozen others."
    )
    incident = only(run(text, published=date(2024, 8, 10)))
    assert incident["killed"] == 2
    assert incident["injured"] == 12
    assert incident["nationals"]["CN"]["killed"] == 2


def test_total_killed_counts_every_victim_not_only_foreigners() -> None:
    text = (
        "Five Chinese nationals and their Pakistani driver were killed when a suicide bomber "
        "hit their vehicle in Shangla on Tuesday."
    )
    incident = only(run(text, published=date(2024, 3, 27)))
    assert incident["killed"] == 6
    assert incident["nationals"] == {"CN": {"killed": 5, "injured": None}}  # foreigners only


def test_including_gives_a_part_of_the_total() -> None:
    text = (
        "At least four people, including three Chinese teachers, were killed when a "
        "suicide bomber struck a van in Karachi on Tuesday."
    )
    incident = only(run(text, published=date(2022, 4, 26)))
    assert incident["killed"] == 4
    assert incident["nationals"]["CN"]["killed"] == 3


def test_attackers_are_not_victims() -> None:
    text = (
        "Three gunmen stormed a hotel used by Chinese engineers in Gwadar on Saturday, "
        "killing a guard; all three attackers were killed by security forces."
    )
    incident = only(run(text, published=date(2019, 5, 11)))
    assert incident["killed"] == 1
    assert incident["attack_type"] == "armed_assault"


# --- claims --------------------------------------------------------------------------------


def test_suspicion_is_not_a_claim() -> None:
    text = (
        "A bomb hit a convoy of Chinese engineers in Dadu on Monday. Police suspect the BLA, "
        "which has attacked Chinese projects before."
    )
    incident = only(run(text, published=date(2024, 7, 2)))
    assert incident["perpetrator_claimed"] is None


def test_explicit_claim_is_recorded_as_the_text_names_the_group() -> None:
    text = (
        "A bomb hit a convoy of Chinese engineers in Dadu on Monday. The banned Tehreek-e-"
        "Taliban Pakistan (TTP) claimed responsibility for the blast."
    )
    incident = only(run(text, published=date(2024, 7, 2)))
    assert incident["perpetrator_claimed"] == "Tehreek-e-Taliban Pakistan (TTP)"
    assert "claimed responsibility" in incident["evidence"]["perpetrator_claimed"]


def test_no_group_has_claimed() -> None:
    text = (
        "Gunmen killed a Chinese engineer in Sukkur on Friday. No group has claimed "
        "responsibility for the attack."
    )
    incident = only(run(text, published=date(2024, 9, 6)))
    assert incident["perpetrator_claimed"] is None


def test_figures_someone_merely_claimed_are_left_out() -> None:
    text = (
        "Two children were killed when a suicide bomber struck a van of Chinese engineers in "
        "Gwadar on Friday. A militant website, however, claimed that nine Chinese nationals "
        "had been killed in the blast."
    )
    incident = only(run(text, published=date(2021, 8, 21)))
    assert incident["killed"] == 2
    assert "CN" not in incident["nationals"]


def test_the_deceased_include() -> None:
    text = (
        "Thirteen people were killed when gunmen ambushed a convoy of Chinese engineers in "
        "Turbat on Sunday. The deceased include 4 Chinese nationals and 9 Pakistani soldiers."
    )
    incident = only(run(text, published=date(2023, 8, 14)))
    assert incident["killed"] == 13
    assert incident["nationals"] == {"CN": {"killed": 4, "injured": None}}  # foreigners only


def test_where_the_victims_worked_is_not_where_they_were_attacked() -> None:
    text = (
        "A suicide attack killed five Chinese engineers visiting a project site in Dasu. "
        "Their convoy was struck by an explosives-laden vehicle near the town of Besham."
    )
    incident = only(run(text, published=date(2024, 3, 26)))
    assert incident["place"] == "Besham"


def test_threat_warning_is_a_threat_incident() -> None:
    text = (
        "Chinese citizens in Pakistan warned of attacks\n"
        "ISLAMABAD: China's embassy warned its citizens in Pakistan on Friday about possible "
        "attacks targeting Chinese nationals and urged them to avoid crowded places."
    )
    incident = only(run(text, published=date(2017, 12, 8)))
    assert incident["attack_type"] == "threat"
    assert incident["role"] == "primary"
    assert incident["date"] == "2017-12-08"


def test_a_newspaper_called_today_is_not_a_date() -> None:
    text = (
        "Gunmen attacked a convoy of Chinese engineers in Gwadar on Sunday, India Today "
        "reported, and two Pakistani soldiers were wounded."
    )
    incident = only(run(text, published=date(2023, 8, 16)))
    assert incident["date"] == "2023-08-13"


def test_lead_news_dated_only_by_a_weekday_is_not_pinned_to_an_old_attack(
    history: tuple[PastIncident, ...],
) -> None:
    """'On Sunday' with no publication date is this week's news, not the Sunday of 2023."""
    text = (
        "Blast targets convoy near Gwadar port\n"
        "A suicide bomber rammed a car into a convoy carrying Chinese engineers in Gwadar on "
        "Sunday, killing two security guards and wounding three Chinese nationals, officials said."
    )
    incident = only(run(text, history=history))
    assert incident["role"] == "primary"
    assert incident["date"] is None and incident["date_precision"] == "no_year"
    assert incident["evidence"]["date_precision"] == "Sunday"


def test_a_month_without_a_day_is_dated_to_the_month() -> None:
    text = (
        "Chinese engineers escape attack\n"
        "Gunmen fired on a van carrying Chinese engineers in Thatta in March 2025, wounding "
        "their driver, police said."
    )
    incident = only(run(text, published=date(2025, 6, 2)))
    assert incident["date"] == "2025-03-01" and incident["date_precision"] == "month"


# --- relevance --------------------------------------------------------------------------------


def test_cricket_report_is_not_relevant() -> None:
    text = (
        "Babar Azam hit a century as Pakistan drew the Karachi Test against Australia on "
        "Wednesday. The Australian bowling attack toiled for two days on a flat pitch, and "
        "the visiting players praised the crowd at the National Stadium."
    )
    result = run(text, published=date(2022, 3, 16))
    assert result["relevant"] is False
    assert result["incidents"] == []


def test_domestic_attack_without_foreigners_is_not_relevant() -> None:
    text = "A bomb killed four policemen in Bannu on Monday. The TTP claimed the attack."
    result = run(text, published=date(2024, 7, 15))
    assert result["relevant"] is False


def test_security_talks_that_name_no_attack_are_not_relevant() -> None:
    text = (
        "Punjab police met the Chinese consul general in Lahore on Wednesday to review "
        "security arrangements for Chinese nationals working on CPEC projects."
    )
    result = run(text, published=date(2025, 6, 4))
    assert result == {"article": "t", "relevant": False, "incidents": []}


# --- robustness ------------------------------------------------------------------------------

_VOCABULARY = (
    "Chinese nationals killed injured bomb blast in Karachi Quetta Besham on Tuesday last "
    "October two five a dozen including and their Pakistani driver BLA claimed responsibility "
    "since 2021 attack the were , . – \n"
)
_WORDS = st.sampled_from(_VOCABULARY.split(" "))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=0, max_size=40), st.dates(date(2015, 1, 1), date(2030, 1, 1)))
def test_never_crashes_and_quotes_stay_verbatim(words: list[str], published: date) -> None:
    text = " ".join(words)
    run(text, published=published)


# --- the real seed articles against the hand-written answer key ------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not present")
def test_seed_articles_score_at_least_0_9_on_every_field(
    history: tuple[PastIncident, ...],
) -> None:
    from benchmarks.osint_eval import evaluate, load_articles

    key = json.loads(KEY.read_text(encoding="utf-8"))
    report = evaluate(load_articles(SEEDS), key, history)
    assert report.articles == len(key["articles"])
    low = {
        name: (round(t.precision, 2), round(t.recall, 2))
        for name, t in report.tallies.items()
        if t.precision < 0.9 or t.recall < 0.9
    }
    assert not low, (low, report.misses)
    assert report.valid_quotes == report.quotes
    assert report.missing_quotes == 0


def test_the_history_follows_the_store_as_reviews_change_it(db: Session) -> None:
    """Read once per article ingested, the history is kept between reads, but an incident
    accepted or withdrawn since the last read is in or out of the next one."""
    from jsms.threat.models import Incident

    _record(db, review_status="pending")
    assert load_history(db) == ()
    pending = db.scalars(select(Incident)).one()
    pending.review_status = "accepted"
    db.commit()
    assert [k.day for k in load_history(db)] == [date(2023, 2, 17)]
    pending.review_status = "rejected"
    db.commit()
    assert load_history(db) == ()


def test_a_headline_town_and_the_leads_exact_place_are_one_attack() -> None:
    text = (
        "Suicide bomber targets convoy of Chinese engineers in Karachi\n\n"
        "KARACHI: A suicide bomber rammed an explosives-laden car into a convoy carrying "
        "Chinese engineers near Port Qasim on Sunday night, killing two Chinese nationals and "
        "injuring 10 people, officials said.\n\n"
        "The attack happened on the main road leading to the port, Karachi police chief Javed "
        "Odho told reporters.\n\n"
        "The banned Balochistan Liberation Army (BLA) claimed responsibility for the bombing.\n\n"
        "In April, a suicide bomber targeted a van carrying Japanese workers in the Landhi "
        "area, injuring five."
    )
    result = run(text, published=date(2024, 10, 7))
    primary = [i for i in result["incidents"] if i["role"] == "primary"]
    assert [(i["place"], i["date"]) for i in primary] == [("Port Qasim", "2024-10-06")]
    assert primary[0]["perpetrator_claimed"] == "Balochistan Liberation Army (BLA)"
    assert {i["date"] for i in result["incidents"] if i["role"] == "background"} == {"2024-04-01"}


def test_a_site_recalled_undated_is_the_attack_already_told_there() -> None:
    text = (
        "A car bomb exploded at the Serena hotel in Quetta on Wednesday night, killing four "
        "people, hours before the Chinese ambassador was due to arrive.\n\n"
        "In recent months militants have stepped up attacks in tribal areas near Afghanistan.\n\n"
        "Footage showed flames during the explosion at the Serena Hotel."
    )
    result = run(text, published=date(2021, 4, 22))
    assert [(i["role"], i["date"]) for i in result["incidents"]] == [("primary", "2021-04-21")]
