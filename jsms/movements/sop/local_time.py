"""Local time as a person reads it: every time shown names its zone.

SOP explanations and movement orders write times as ``"06:27\u201307:24 PKT (UTC+5)"``. Which zone
is the jurisdiction's: each SOP policy file names it (``timezone = "Asia/Karachi"``), and a
file without one is in :data:`DEFAULT_ZONE`, so a jurisdiction in another zone needs a policy
file, not new code.

>>> from datetime import datetime, UTC
>>> LocalZone("Asia/Karachi").clock(datetime(2024, 3, 25, 14, 40, tzinfo=UTC))
'19:40 PKT (UTC+5)'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsms.config import get_settings

__all__ = ["DEFAULT_ZONE", "LocalZone", "parse_zone"]


@lru_cache(maxsize=64)
def _zoneinfo(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class LocalZone:
    """An IANA time zone (``"Asia/Karachi"``) and how times in it are written."""

    name: str

    @property
    def tz(self) -> ZoneInfo:
        return _zoneinfo(self.name)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def offset(self, moment: datetime | None = None) -> str:
        """``"UTC+5"``, ``"UTC+5:30"``, ``"UTC-3"``."""
        delta = self.local(moment or datetime.now(UTC)).utcoffset() or timedelta(0)
        minutes = round(delta.total_seconds() / 60)
        sign = "-" if minutes < 0 else "+"
        hours, rest = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")

    def abbreviation(self, moment: datetime | None = None) -> str:
        """``"PKT"``; the offset where the zone has no letters of its own (``"+04"``)."""
        name = self.local(moment or datetime.now(UTC)).tzname() or ""
        return name if name.isalpha() else self.offset(moment)

    def label(self, moment: datetime | None = None) -> str:
        """``"PKT (UTC+5)"``: the zone as it follows a time."""
        abbreviation = self.abbreviation(moment)
        offset = self.offset(moment)
        return offset if abbreviation == offset else f"{abbreviation} ({offset})"

    def _day(self, local: datetime, on: date | None) -> str:
        return "" if on is None or local.date() == on else f" on {local.day} {local:%b}"

    def clock(self, moment: datetime, on: date | None = None) -> str:
        """``"19:40 PKT (UTC+5)"``, with the day added when it is not ``on``."""
        local = self.local(moment)
        return f"{local:%H:%M} {self.label(moment)}{self._day(local, on)}"

    def window(self, start: datetime, end: datetime, on: date | None = None) -> str:
        """``"06:27\u201307:24 PKT (UTC+5)"``; days added where they are not ``on``."""
        a, b = self.local(start), self.local(end)
        first, second = f"{a:%H:%M}{self._day(a, on)}", f"{b:%H:%M}{self._day(b, on)}"
        return f"{first}\u2013{second} {self.label(end)}"

    def stamp(self, moment: datetime) -> str:
        """``"25 Mar 2024 08:00 PKT (UTC+5)"``."""
        local = self.local(moment)
        return f"{local.day} {local:%b %Y %H:%M} {self.label(moment)}"

    def daily(self, start: time, end: time, on: date) -> str:
        """A daily period such as a curfew, ``"22:00\u201305:00 PKT (UTC+5)"`` (as on ``on``)."""
        begins = datetime.combine(on, start, self.tz)
        return f"{start:%H:%M}\u2013{end:%H:%M} {self.label(begins)}"


def parse_zone(name: object) -> LocalZone:
    """A :class:`LocalZone` from an IANA name; ``ValueError`` for anything else."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a time zone must be an IANA name such as Asia/Karachi, got {name!r}")
    try:
        _zoneinfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return LocalZone(name.strip())


DEFAULT_ZONE = LocalZone(get_settings().timezone)
"""The instance's zone (JSMS_TIMEZONE, read at start-up; Pakistan's by default: UTC+5, no
daylight saving since 2009): the zone of a policy file that names none, of every time the
engine computes with before a policy is chosen, and of the days reports cover."""
