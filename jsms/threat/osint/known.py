"""Pinning month-level mentions to the day of an attack the incident store already knows.

Background mentions rarely give a day ('the Karachi airport bombing last October'). When the
place, the month (or year) and the victims' nationality all agree with exactly one attack of
the history, that attack's day is the honest reading of the text. Nothing is pinned without
some date in the text: a bare 'the Dasu bus bombing' stays undated.

The history is not written into code or word lists: :func:`past_incidents` builds it from
incident rows (imported datasets, the curated history ``jsms threat load-history`` loads,
accepted reports) and :func:`load_history` reads it from a database, so it grows with the
store. The extractor itself stays pure: callers pass the history in, and without one
nothing is pinned.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from jsms.geo.gazetteer import load_gazetteer
from jsms.threat.osint.dates import DateMention
from jsms.threat.osint.lexicon import load_lexicon
from jsms.threat.osint.places import HOME_COUNTRY, PlaceMention, distance_km

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "HISTORY_LIMIT",
    "HISTORY_YEARS",
    "IncidentRow",
    "PastIncident",
    "load_history",
    "past_incidents",
    "refine_with_known_incident",
]

MATCH_RADIUS_KM = 30.0
HISTORY_YEARS = 25
"""How far back :func:`load_history` reads: background mentions recall attacks of years ago."""
HISTORY_LIMIT = 5000
"""At most this many (the most recent) incidents are kept as history."""


@dataclass(frozen=True)
class PastIncident:
    """What the matcher needs of one stored attack.

    ``keywords`` are the distinctive words of its title, target and place (normalised as
    :func:`_words` does); ``nationals`` the ISO codes of the nationals it concerns (its
    victim figures and the nationalities its title or target names: 'the Chinese consulate').
    """

    id: str
    day: date
    place: str | None
    lat: float | None
    lon: float | None
    province: str | None
    keywords: frozenset[str]
    nationals: frozenset[str]


class IncidentRow(Protocol):
    """The columns of an incident (:class:`jsms.threat.models.Incident`) the history uses."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def place_name(self) -> str | None: ...
    @property
    def district(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def province(self) -> str | None: ...
    @property
    def target_type(self) -> str | None: ...
    @property
    def nationals(self) -> dict[str, Any]: ...


_WORD = re.compile(r"[^\W\d_]+")


def _norm(word: str) -> str:
    """Casefolded, a plural 's' dropped ('convoys' and 'convoy' are one word)."""
    word = word.casefold()
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> set[str]:
    return {_norm(w) for w in _WORD.findall(text)}


@functools.cache
def _common_words() -> frozenset[str]:
    """Words that tell no attack from another: stop words, attack and victim words,
    nationalities, provinces (the lexicon's lists)."""
    lex = load_lexicon()
    words: set[str] = set()
    lists = (lex.history_common_words, lex.person_nouns, lex.perpetrator_nouns)
    for group in (*lists, lex.nationality_of, lex.province_of):
        for phrase in group:
            words |= _words(phrase)
    return frozenset(words)


def _keywords(*texts: str | None) -> frozenset[str]:
    common = _common_words()
    found: set[str] = set()
    for text in texts:
        if text:
            found |= {w for w in _words(text) if len(w) >= 3 and w not in common}
    return frozenset(found)


def _nationals(incident: IncidentRow) -> frozenset[str]:
    lex = load_lexicon()
    named = {
        lex.nationality_of[m.group()]
        for text in (incident.title, incident.target_type)
        if text
        for m in lex.nationality_re.finditer(text)
    }
    return frozenset({str(iso) for iso in (incident.nationals or {})} | named)


def _concerns_foreigners(incident: IncidentRow, nationals: frozenset[str]) -> bool:
    lex = load_lexicon()
    if nationals - {HOME_COUNTRY}:
        return True
    return any(t and lex.foreign_re.search(t) for t in (incident.title, incident.target_type))


def _record(row: IncidentRow, nationals: frozenset[str]) -> PastIncident:
    return PastIncident(
        id=row.id,
        day=row.occurred_at.date(),
        place=row.place_name,
        lat=row.lat,
        lon=row.lon,
        province=row.province,
        keywords=_keywords(row.title, row.target_type, row.place_name, row.district),
        nationals=nationals,
    )


def past_incidents(rows: Iterable[IncidentRow]) -> tuple[PastIncident, ...]:
    """The history records of incident rows (``Incident`` objects, or rows of its columns),
    every row kept: the caller chooses the rows."""
    return tuple(_record(row, _nationals(row)) for row in rows)


_HISTORY_CACHE: dict[tuple[str, int, int], tuple[tuple[Any, ...], tuple[PastIncident, ...]]] = {}


def load_history(
    db: Session,
    *,
    now: datetime | None = None,
    years: int = HISTORY_YEARS,
    limit: int = HISTORY_LIMIT,
) -> tuple[PastIncident, ...]:
    """The store's history for pinning: accepted attacks on foreign nationals, newest first.

    Only ``accepted`` incidents count: a report waiting for review (or rejected, or merged
    into another) is not yet the store's knowledge, and pinning to it would let one
    unchecked article date the next. Only attacks that concern foreigners (foreign victim
    figures, or a foreign nationality or 'foreign nationals' named in the title or target)
    are kept: the extractor reads only articles about foreigners, and a store holding an
    imported dataset's thousands of domestic attacks would otherwise make every 'last
    October in Karachi' ambiguous (and so never pinned). The window (``years`` back from
    ``now``) and ``limit`` keep the result bounded however large the store grows.

    Reading it means looking at every accepted incident of the window (the foreign test is
    in Python), 0.2-0.4 s with an imported dataset of 14,000; each article ingested asks
    for it, so the last answer is kept per database and read again only when the accepted
    incidents change (their count or newest update) or the day does.
    """
    from sqlalchemy import func, select

    from jsms.threat.models import Incident

    moment = now or datetime.now(UTC)
    since = moment - timedelta(days=365 * years)
    accepted = (Incident.review_status == "accepted", Incident.occurred_at >= since)
    state = db.execute(
        select(func.count(Incident.id), func.max(Incident.updated_at)).where(*accepted)
    ).one()
    key = (str(db.get_bind().engine.url), years, limit)
    fingerprint = (moment.date(), state[0], state[1])
    cached = _HISTORY_CACHE.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    columns = (
        Incident.id,
        Incident.title,
        Incident.occurred_at,
        Incident.place_name,
        Incident.district,
        Incident.lat,
        Incident.lon,
        Incident.province,
        Incident.target_type,
        Incident.nationals,
    )
    stmt = (
        select(*columns)
        .where(*accepted)
        .order_by(Incident.occurred_at.desc(), Incident.id)
        .execution_options(yield_per=500)
    )
    kept: list[PastIncident] = []
    for row in db.execute(stmt):
        nationals = _nationals(row)  # the cheap test first: most rows are domestic attacks
        if _concerns_foreigners(row, nationals):
            kept.append(_record(row, nationals))
            if len(kept) >= limit:
                break
    history = tuple(kept)
    _HISTORY_CACHE[key] = (fingerprint, history)
    return history


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNRESOLVED_OK = frozenset(
    {"relative_period", "last_month_name", "in_month", "month_last_year", "ago"}
)


def _says_when(stated: DateMention) -> bool:
    """Some statement about the date itself ('last month', 'in March', 'on Tuesday')."""
    return (
        stated.year is not None
        or stated.month is not None
        or stated.kind in _UNRESOLVED_OK
        or stated.kind == "weekday"
    )


def _date_fits(stated: DateMention, known: PastIncident) -> bool:
    day = known.day
    if stated.kind == "weekday" and stated.year is None:
        named = next((w for w in _WEEKDAYS if w in stated.span.text.lower()), None)
        return named is not None and _WEEKDAYS.index(named) == day.weekday()
    return (
        (stated.year is None or stated.year == day.year)
        and (stated.month is None or stated.month == day.month)
        and (stated.day is None or stated.day == day.day)
    )


def _point(known: PastIncident) -> tuple[float, float, str | None] | None:
    """The incident's coordinates and province, from the store or else its place name."""
    if known.lat is not None and known.lon is not None:
        return known.lat, known.lon, known.province
    found = load_gazetteer().lookup(known.place) if known.place else []
    if not found:
        return None
    return found[0].lat, found[0].lon, known.province or found[0].province


def _place_fits(place: PlaceMention | None, known: PastIncident) -> bool | None:
    """True/False when the places can be compared, None when the mention gives no point."""
    if place is None or place.lat is None or place.lon is None:
        return None
    point = _point(known)
    if point is None:
        return None
    return distance_km(place.lat, place.lon, point[0], point[1]) <= MATCH_RADIUS_KM


def _same_province(place: PlaceMention | None, known: PastIncident) -> bool:
    point = _point(known)
    return place is not None and point is not None and place.province == point[2]


def _named_alone(candidates: list[PastIncident], words: set[str]) -> list[PastIncident]:
    """The candidates the text names by a word no other candidate shares: 'Karachi' names
    every Karachi attack, 'airport' only the one at the airport."""
    hits = [k.keywords & words for k in candidates]
    return [
        k
        for i, k in enumerate(candidates)
        if hits[i] - set().union(*(h for j, h in enumerate(hits) if j != i))
    ]


def refine_with_known_incident(
    stated: DateMention | None,
    place: PlaceMention | None,
    event_text: str,
    isos: set[str],
    history: Sequence[PastIncident] = (),
) -> PastIncident | None:
    """The one attack of the history this partly dated event must be, else None.

    Candidates agree with the stated month/year and the victims' nationality and do not lie
    elsewhere. Among them, one named by place or a distinctive word wins (several: the one
    named by a word the others lack); failing that, the only one in the stated province
    ('in July ... in an attack in Khyber-Pakhtunkhwa').
    """
    if not history or stated is None or stated.precision == "day" or not _says_when(stated):
        return None
    words = _words(event_text)
    fitting = [
        k
        for k in history
        if _date_fits(stated, k)
        and not (k.nationals and isos and not k.nationals & isos)
        and _place_fits(place, k) is not False
    ]
    strong = [k for k in fitting if _place_fits(place, k) or k.keywords & words]
    if len(strong) > 1:
        strong = _named_alone(strong, words)
    if len(strong) == 1:
        return strong[0]
    if not strong and (stated.year is not None or stated.month is not None):
        in_province = [k for k in fitting if _same_province(place, k)]
        return in_province[0] if len(in_province) == 1 else None
    return None
