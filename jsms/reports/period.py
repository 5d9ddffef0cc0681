"""The report's 24 hours, and where in time an incident known only to the day belongs.

Pure functions of dates, times and a zone: no database.

>>> from datetime import date, time
>>> p = period_for(date(2024, 3, 27), time(6, 0), LocalZone("Asia/Karachi"))
>>> p.label
'26 Mar 2024 06:00 to 27 Mar 2024 06:00 PKT (UTC+5)'
>>> p.start.isoformat(), p.end.isoformat()
('2024-03-26T01:00:00+00:00', '2024-03-27T01:00:00+00:00')
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from jsms.movements.sop.local_time import LocalZone
from jsms.reports.schemas import Period

DAY = timedelta(days=1)
TIMED = ("exact", "hour", "minute")
"""Time precisions that say when in the day an incident happened."""


def period_for(day: date, cutoff: time, zone: LocalZone) -> Period:
    """The 24 hours ending at `cutoff` on `day`, local time in `zone`."""
    end_local = datetime.combine(day, cutoff, zone.tz)
    start_local = datetime.combine(day - DAY, cutoff, zone.tz)
    start, end = start_local.astimezone(UTC), end_local.astimezone(UTC)
    label = f"{_stamp(start_local)} to {_stamp(end_local)} {zone.label(end)}"
    return Period(day=day, cutoff=cutoff, zone=zone.name, start=start, end=end, label=label)


def _stamp(local: datetime) -> str:
    return f"{local.day} {local:%b %Y %H:%M}"


def placed_at(occurred_at: datetime, precision: str | None, zone: LocalZone) -> datetime | None:
    """When an incident counts as having happened, for putting it in a 24-hour period.

    A timed incident counts at its time. One known only to the day (stored at midnight UTC of
    that date) counts at noon local time on that date, so a day-dated attack lands in the
    period that holds most of its day rather than in the one before. An incident known only
    to the month or year belongs to no day: None.
    """
    if precision in TIMED:
        return occurred_at
    if precision in (None, "day"):
        return datetime.combine(occurred_at.astimezone(UTC).date(), time(12), zone.tz).astimezone(
            UTC
        )
    return None


def trend_periods(period: Period, days: int = 30) -> list[tuple[date, datetime, datetime]]:
    """The `days` 24-hour periods ending with this one: (the date it ends on, start, end)."""
    out = []
    for back in range(days - 1, -1, -1):
        out.append((period.day - back * DAY, period.start - back * DAY, period.end - back * DAY))
    return out


def summary_dates(period: Period) -> list[date]:
    """The dates (UTC, as movement summaries give them) that the period touches.

    Someone who sees only a movement's summary knows its date, not its time; listing it by
    date, not by the hour it fell in the period, tells them nothing more.
    """
    first = period.start.astimezone(UTC).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(UTC).date()
    return [first + DAY * n for n in range((last - first).days + 1)]
