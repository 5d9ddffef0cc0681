"""Matching reports to known incidents across outlets and follow-ups."""

from __future__ import annotations

from datetime import date

from jsms.threat.osint.dedupe import KnownIncident, Report, best_match

BESHAM = KnownIncident("besham", date(2024, 3, 26), 34.93, 72.87, "Khyber Pakhtunkhwa", "vbied")
DASU = KnownIncident("dasu", date(2021, 7, 14), 35.29, 73.29, "Khyber Pakhtunkhwa", "vbied")
AIRPORT = KnownIncident("airport", date(2024, 10, 6), 24.91, 67.16, "Sindh", "vbied")
KNOWN = [BESHAM, DASU, AIRPORT]


def test_another_outlet_with_a_nearby_place_name_and_next_day_date_matches() -> None:
    shangla = Report(date(2024, 3, 27), 34.89, 72.85, "Khyber Pakhtunkhwa", "suicide_attack")
    assert best_match(shangla, KNOWN) is BESHAM


def test_same_place_but_another_year_is_a_new_incident() -> None:
    later = Report(date(2025, 3, 26), 34.93, 72.87, "Khyber Pakhtunkhwa", "vbied")
    assert best_match(later, KNOWN) is None


def test_different_kind_of_attack_is_not_merged() -> None:
    protest = Report(date(2024, 10, 6), 24.91, 67.16, "Sindh", "protest")
    assert best_match(protest, KNOWN) is None


def test_undated_background_mention_links_to_the_nearest_event_before_publication() -> None:
    at_dasu = Report(None, 35.29, 73.29, "Khyber Pakhtunkhwa", "vbied", published=date(2025, 9, 2))
    assert best_match(at_dasu, KNOWN) is DASU
    at_besham = Report(
        None, 34.93, 72.87, "Khyber Pakhtunkhwa", "vbied", published=date(2025, 9, 2)
    )
    assert best_match(at_besham, KNOWN) is BESHAM
    before_it_happened = Report(
        None, 34.93, 72.87, "Khyber Pakhtunkhwa", "vbied", published=date(2023, 1, 1)
    )
    assert best_match(before_it_happened, KNOWN) is DASU


def test_province_only_reports_match_within_the_province() -> None:
    vague = Report(date(2024, 10, 7), None, None, "Sindh", "vbied")
    assert best_match(vague, KNOWN) is AIRPORT
    elsewhere = Report(date(2024, 10, 7), None, None, "Punjab", "vbied")
    assert best_match(elsewhere, KNOWN) is None


def test_undated_mention_without_a_publication_date_takes_the_nearest_place() -> None:
    mention = Report(None, 35.29, 73.29, "Khyber Pakhtunkhwa", "vbied")
    assert best_match(mention, KNOWN) is DASU
