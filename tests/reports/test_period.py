"""The report's period and where in it an incident known only to the day belongs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from jsms.movements.sop.local_time import LocalZone
from jsms.reports.period import period_for, placed_at, summary_dates, trend_periods

PKT = LocalZone("Asia/Karachi")


def test_midnight_cut_off_covers_the_local_calendar_day() -> None:
    period = period_for(date(2024, 3, 26), time(0, 0), PKT)
    assert period.start == datetime(2024, 3, 24, 19, 0, tzinfo=UTC)
    assert period.end == datetime(2024, 3, 25, 19, 0, tzinfo=UTC)
    assert period.label == "25 Mar 2024 00:00 to 26 Mar 2024 00:00 PKT (UTC+5)"


def test_a_day_dated_incident_counts_at_local_noon_and_a_month_dated_one_nowhere() -> None:
    midnight = datetime(2024, 3, 26, tzinfo=UTC)
    assert placed_at(midnight, "day", PKT) == datetime(2024, 3, 26, 7, 0, tzinfo=UTC)
    assert placed_at(midnight, "exact", PKT) == midnight
    assert placed_at(midnight, "month", PKT) is None


def test_trend_periods_end_with_the_report_and_summary_dates_cover_it() -> None:
    period = period_for(date(2024, 3, 27), time(6, 0), PKT)
    periods = trend_periods(period, 30)
    assert len(periods) == 30
    assert periods[-1] == (period.day, period.start, period.end)
    assert periods[0][0] == date(2024, 2, 27)
    assert summary_dates(period) == [date(2024, 3, 26), date(2024, 3, 27)]
