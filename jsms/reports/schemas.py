"""The SITREP as data: what was gathered for one period, before it is drawn or printed.

Every time is an aware UTC datetime; the renderers write it in the period's zone. Movement
route and times are None unless the reader may see them (need-to-know is applied while
gathering, never while rendering).
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time

from pydantic import BaseModel, Field, field_validator

DEFAULT_CUTOFF = time(6, 0)
"""The report covers the 24 hours to 06:00 local on its date: the morning brief reads the
night, and the day before, in one piece."""

EARLIEST_DAY = date(2000, 1, 1)


class SitrepRequest(BaseModel):
    """What a person asks for: a date, and optionally another cut-off than 06:00."""

    date: dt.date
    cutoff: time = DEFAULT_CUTOFF

    @field_validator("date", mode="before")
    @classmethod
    def _calendar_date(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            try:
                if len(text) != 10:
                    raise ValueError(text)
                return dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    f"{text[:20]!r} is not a date: write it as YYYY-MM-DD, e.g. 2024-03-27"
                ) from None
        return value

    @field_validator("date")
    @classmethod
    def _not_too_early(cls, value: dt.date) -> dt.date:
        if value < EARLIEST_DAY:
            raise ValueError("a SITREP date must be 2000-01-01 or later")
        return value

    @field_validator("cutoff", mode="before")
    @classmethod
    def _hours_and_minutes(cls, value: object) -> object:
        if isinstance(value, str):
            hours, _, minutes = value.strip().partition(":")
            if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
                raise ValueError("the cut-off is a time of day as HH:MM, e.g. 06:00")
            if int(hours) > 23 or int(minutes) > 59:
                raise ValueError("the cut-off is a time of day between 00:00 and 23:59")
            return time(int(hours), int(minutes))
        return value


class Period(BaseModel):
    """The 24 hours a report covers: [start, end), ending at the cut-off on `day`."""

    day: date
    cutoff: time
    zone: str
    start: datetime
    end: datetime
    label: str
    """E.g. "25 Mar 2024 06:00 to 26 Mar 2024 06:00 PKT (UTC+5)"."""


class IncidentLine(BaseModel):
    """One accepted incident as the report lists it."""

    id: str
    title: str
    when: str
    """Local time with its zone, or the date alone when only the day is known."""
    occurred_at: datetime
    place: str
    province: str | None
    lat: float | None
    lon: float | None
    attack_type: str
    killed: tuple[int | None, int | None]
    injured: tuple[int | None, int | None]
    nationals: str
    """E.g. "CN 5 killed, 1 injured; PK 1 killed" (from the incident's coding)."""
    verification: str
    sources: int
    origin: str
    """Where the record came from: manual, field, osint, curated, gtd, acled."""
    tlp: str
    first_reported: datetime | None = None
    """When the first primary source was published (for incidents reported late)."""

    @property
    def sources_text(self) -> str:
        """The number of sources, or the dataset a record was imported from."""
        return str(self.sources) if self.sources else f"{self.origin.upper()} record"

    @property
    def casualties(self) -> int:
        """Killed and injured, highest figure any source gives (for sizing and trends)."""
        return (self.killed[1] or 0) + (self.injured[1] or 0)


class LevelChange(BaseModel):
    """A province or district whose threat level at the end differs from the start."""

    kind: str
    area: str
    before: int
    after: int
    computed: int
    """The level the incidents alone give at the end (the override may differ)."""
    overridden: bool
    reason: str | None


class OverrideLine(BaseModel):
    kind: str
    area: str
    where: str
    """The area as a reader knows it (a cell is named by its district and province)."""
    level: int
    reason: str
    starts_at: datetime
    expires_at: datetime
    created_by: str
    state: str
    """"new", "ended" or "ends soon"."""


class MovementLine(BaseModel):
    """A movement as the reader may see it: summary always, route and times only if allowed."""

    id: str
    reference: str
    purpose: str
    status: str
    departure_date: date
    jurisdictions: list[str]
    passengers: int
    details: bool
    why: str
    happened: list[str] = Field(default_factory=list)
    """Which of planned, started, completed, aborted, rejected, in progress (full view only)."""
    events: list[str] = Field(default_factory=list)
    """The same, in words with local times."""
    origin: str | None = None
    destination: str | None = None
    departure_at: datetime | None = None
    arrival_at: datetime | None = None
    debrief: str | None = None
    rejection: str | None = None


class MovementSection(BaseModel):
    shown: bool
    """False when the reader's role does not see movements at all."""
    note: str
    counts: dict[str, int] = Field(default_factory=dict)
    """planned, started, completed, aborted, rejected, in progress (movements seen in full)."""
    full: list[MovementLine] = Field(default_factory=list)
    summaries: list[MovementLine] = Field(default_factory=list)
    summary_dates: list[date] = Field(default_factory=list)


class TrendDay(BaseModel):
    """One 24-hour period of the trend, named by the date it ends on."""

    day: date
    incidents: int
    casualties: int


class Sitrep(BaseModel):
    period: Period
    generated_at: datetime
    as_of: datetime
    """The end of the period, or the moment of generation while the period is still running."""
    prepared_for: str
    restricted: bool
    """True for the operator's full report (every movement in full)."""
    highest_tlp: str
    incidents: list[IncidentLine]
    reported_late: list[IncidentLine]
    review_waiting: int
    review_in_period: int
    by_type: list[tuple[str, int]]
    by_province: list[tuple[str, int]]
    trend: list[TrendDay]
    levels_shown: bool
    level_changes: list[LevelChange]
    overrides: list[OverrideLine]
    movements: MovementSection
