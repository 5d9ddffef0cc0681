"""Dates of attacks: weekday words, 'last night', datelines and page stamps, with precision.

The sentences are written for these tests. Each checks what an analyst reading the record
cares about: the day the attack happened, not the day it was reported or the page was put up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jsms.threat.osint.dates import DateMention, find_dateline, find_dates
from jsms.threat.osint.extract import extract_article
from jsms.threat.osint.mentions import publication
from jsms.threat.osint.text import Span


def _dates(text: str, published: date | None) -> list[DateMention]:
    return find_dates(Span(0, len(text), text), published)


def _incident(text: str, published: date | None) -> dict[str, Any]:
    result = extract_article(text, name="t", published=published)
    assert result["relevant"], result
    assert len(result["incidents"]) == 1, result["incidents"]
    incident: dict[str, Any] = result["incidents"][0]
    return incident


# --- datelines ------------------------------------------------------------------------------


def test_a_wire_dateline_is_found_with_the_year_of_publication() -> None:
    text = "Clinic attacked\nLAGOS, Nov 3 (Reuters) - Gunmen fired on a clinic run by Italian nuns."
    found = find_dateline(text, date(2024, 11, 4))
    assert found is not None
    assert found[0] == date(2024, 11, 3)
    assert found[1].text == "Nov 3" and text[found[1].start : found[1].end] == "Nov 3"


def test_a_dateline_near_new_year_takes_the_nearer_year() -> None:
    found = find_dateline("ACCRA, Dec 31 - A bus was stopped.", date(2025, 1, 1))
    assert found is not None and found[0] == date(2024, 12, 31)


def test_a_dateline_with_its_own_year_needs_no_publication_date() -> None:
    found = find_dateline("Tunis, 4 May 2019 (AFP) - Police arrested two men.", None)
    assert found is not None and found[0] == date(2019, 5, 4)


def test_a_town_and_dash_without_a_date_is_no_dateline() -> None:
    assert find_dateline("KARACHI -- A bomb went off near a hotel.", date(2024, 5, 1)) is None


def test_relative_words_count_from_the_dateline_not_the_page_date() -> None:
    """Filed on the 20th, put up on the 21st: 'yesterday' is the 19th."""
    text = (
        "BANGUI, March 20 (Reuters) - Gunmen killed nine Chinese workers at a gold mine near "
        "Bambari yesterday, the mayor said."
    )
    incident = _incident(text, date(2023, 3, 21))
    assert incident["date"] == "2023-03-19"
    assert incident["date_precision"] == "day"


def test_a_dateline_is_when_the_story_was_filed_not_the_attack() -> None:
    text = (
        "BANGUI, March 20 (Reuters) - Gunmen killed nine Chinese workers at a gold mine near "
        "Bambari on Sunday, the mayor said."
    )
    incident = _incident(text, date(2023, 3, 20))
    assert incident["date"] == "2023-03-19"
    assert incident["evidence"]["date"] == "Sunday"


def test_a_dateline_dates_lead_news_that_names_no_day() -> None:
    text = (
        "KABUL, Jan 19 - A bomb tore through a Chinese-run restaurant in Kabul, killing a "
        "Chinese national and wounding four Afghans, police said."
    )
    incident = _incident(text, date(2026, 1, 20))
    assert incident["date"] == "2026-01-19" and incident["date_precision"] == "day"
    assert incident["evidence"]["date"] == "Jan 19"


def test_a_page_stamp_never_dates_the_attack() -> None:
    """'Published: ...' says when the page went up; the text gives no day of the attack."""
    text = (
        "Published: 2024-05-16\n"
        "Gunmen attacked a camp of Chinese engineers in Thatta, wounding two Chinese nationals, "
        "police said."
    )
    incident = _incident(text, None)
    assert incident["date"] is None
    assert "date" not in incident["evidence"]


def test_a_page_stamp_still_anchors_weekdays() -> None:
    pub, quote = publication("Updated: 16-05-2024 10:00\nGunmen fired on Tuesday.", None)
    assert pub == date(2024, 5, 16) and quote is None


def test_a_dateline_far_from_the_given_date_is_ignored() -> None:
    pub, quote = publication("LAGOS, Nov 3 - Gunmen fired on a clinic.", date(2024, 6, 1))
    assert pub == date(2024, 6, 1) and quote is None


# --- relative days --------------------------------------------------------------------------


def test_overnight_on_a_weekday_is_that_weekday() -> None:
    (mention,) = _dates("Militiamen raided the mine overnight on Wednesday.", date(2022, 8, 12))
    assert mention.as_date == date(2022, 8, 10)


def test_last_night_is_the_day_before_publication() -> None:
    (mention,) = _dates("Two Chinese guards were shot last night.", date(2024, 2, 8))
    assert mention.as_date == date(2024, 2, 7) and mention.precision == "day"


def test_the_day_someone_spoke_is_weaker_than_the_day_of_the_attack() -> None:
    text = "On Sunday, the FBI said it was searching for four Americans abducted on Friday."
    sunday, friday = _dates(text, date(2023, 3, 7))
    assert sunday.weak and not friday.weak
    assert friday.as_date == date(2023, 3, 3)


def test_a_killing_reported_by_someone_keeps_its_day() -> None:
    """'The embassy says a Turkish engineer was killed Sunday': Sunday is the killing's."""
    (mention,) = _dates("The embassy says a Turkish engineer was killed Sunday.", date(2019, 5, 13))
    assert not mention.weak and mention.as_date == date(2019, 5, 12)


def test_police_said_on_tuesday_stays_weak() -> None:
    (mention,) = _dates("Two were wounded, police said on Tuesday.", date(2024, 5, 16))
    assert mention.weak


def test_a_page_stamp_inside_a_sentence_is_not_an_event_date() -> None:
    text = "date 2021-04-22 A bomb went off at the hotel on Wednesday night."
    (mention,) = _dates(text, date(2021, 4, 22))
    assert mention.kind == "weekday" and mention.as_date == date(2021, 4, 21)


def test_lead_attack_on_a_weekday_is_dated_to_that_day() -> None:
    text = (
        "Chinese engineers attacked in Gwadar\n"
        "Gunmen fired on a convoy carrying Chinese engineers in Gwadar on Saturday night, "
        "wounding two Chinese nationals, police said."
    )
    incident = _incident(text, date(2024, 6, 10))  # a Monday
    assert incident["date"] == "2024-06-08" and incident["date_precision"] == "day"


# --- months ---------------------------------------------------------------------------------


def test_a_month_named_with_an_article_is_month_precise() -> None:
    (mention,) = _dates("It came months after a March attack on tourists.", date(2015, 6, 26))
    assert (mention.year, mention.month, mention.precision) == (2015, 3, "month")


def test_early_this_month_is_this_month() -> None:
    (mention,) = _dates("Early this month gunmen fired on the embassy.", date(2022, 12, 12))
    assert (mention.year, mention.month, mention.precision) == (2022, 12, "month")


def test_late_last_month_is_last_month() -> None:
    (mention,) = _dates("Late last month a convoy was ambushed.", date(2023, 1, 9))
    assert (mention.year, mention.month) == (2022, 12)


def test_year_before_month_is_month_precise() -> None:
    (mention,) = _dates("He recalled a 2013 July attack on the consulate.", date(2016, 1, 1))
    assert (mention.year, mention.month, mention.precision) == (2013, 7, "month")


def test_the_day_a_warning_was_issued_is_not_the_attack_day() -> None:
    (mention,) = _dates(
        "The embassy on Saturday warned its citizens to stay home.", date(2023, 5, 20)
    )
    assert mention.weak


def test_a_minister_confirming_on_sunday_is_the_telling_day() -> None:
    text = "On Sunday, interior minister Ali Khan confirmed a Briton was among the dead."
    (mention,) = _dates(text, date(2017, 1, 2))
    assert mention.weak


def test_gunmen_on_sunday_is_the_attack_day() -> None:
    (mention,) = _dates("Gunmen on Sunday stormed a hotel used by Chinese staff.", date(2024, 3, 5))
    assert not mention.weak and mention.as_date == date(2024, 3, 3)


def test_a_name_that_starts_like_a_month_is_no_date() -> None:
    """'the Marhaba hotel' is not 'the Mar(ch)'."""
    assert _dates("Tourists fled the Marhaba hotel in Sousse.", date(2015, 6, 26)) == []


def test_a_dateline_date_is_not_read_again_as_a_month() -> None:
    """'Rabat, 18 July 2019 (dpa) -' dates the story; 'July 2019' inside it is no attack date."""
    text = (
        "Rabat, 18 July 2019 (dpa) \u2013 A court sentenced three men to death for last year's "
        "murder of two Scandinavian tourists."
    )
    found = _dates(text, date(2019, 7, 19))
    assert all(d.month != 7 for d in found), [(d.span.text, d.kind) for d in found]


def test_days_ago_is_a_day_and_months_ago_a_month() -> None:
    text = "Gunmen killed two Chinese engineers in Gwadar, Balochistan, {}."
    friday = date(2025, 3, 21)
    days = _incident(text.format("two days ago"), friday)
    assert (days["date"], days["date_precision"]) == ("2025-03-19", "day")
    months = _incident(text.format("three months ago"), friday)
    assert (months["date"], months["date_precision"]) == ("2024-12-01", "month")


def test_last_week_is_the_month_it_fell_in() -> None:
    text = "Gunmen killed two Chinese engineers in Gwadar, Balochistan, last week."
    incident = _incident(text, date(2025, 3, 3))
    assert (incident["date"], incident["date_precision"]) == ("2025-02-01", "month")


def test_a_year_before_the_attack_word_dates_the_attack_not_the_verdict() -> None:
    text = (
        "A court in Islamabad sentenced two men to death on Monday for the 2021 bus bombing "
        "in Dasu that killed nine Chinese engineers."
    )
    incident = _incident(text, date(2025, 3, 21))
    assert incident["role"] == "background"
    assert (incident["date"], incident["date_precision"]) == (None, "year")
    assert incident["evidence"]["date_precision"] == "2021"


def test_a_year_after_an_attack_dates_the_attack_a_year_back() -> None:
    text = (
        "Chinese engineers resumed work at the Dasu dam on Monday, a year after a bombing there "
        "killed nine Chinese workers."
    )
    incident = _incident(text, date(2025, 3, 21))
    assert incident["role"] == "background"
    assert incident["date_precision"] == "year"
    assert incident["evidence"]["date_precision"] == "a year after"
