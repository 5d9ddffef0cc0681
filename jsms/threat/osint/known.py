"""Pinning month-level mentions to the day of a well-documented attack.

Background mentions rarely give a day ('the Karachi airport bombing last October'). When the
place, the month (or year) and the victims' nationality all agree with exactly one attack in
the lexicon's ``known_incidents`` list, that attack's day is the honest reading of the text.
Nothing is pinned without some date in the text: a bare 'the Dasu bus bombing' stays undated.
"""

from __future__ import annotations

from jsms.geo.gazetteer import load_gazetteer
from jsms.threat.osint.dates import DateMention
from jsms.threat.osint.lexicon import KnownIncident, load_lexicon
from jsms.threat.osint.places import PlaceMention, distance_km

__all__ = ["refine_with_known_incident"]

MATCH_RADIUS_KM = 30.0


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


def _date_fits(stated: DateMention, known: KnownIncident) -> bool:
    day = known.day
    if stated.kind == "weekday" and stated.year is None:
        named = next((w for w in _WEEKDAYS if w in stated.span.text.lower()), None)
        return named is not None and _WEEKDAYS.index(named) == day.weekday()
    return (
        (stated.year is None or stated.year == day.year)
        and (stated.month is None or stated.month == day.month)
        and (stated.day is None or stated.day == day.day)
    )


def _place_fits(place: PlaceMention | None, known: KnownIncident) -> bool | None:
    """True/False when the places can be compared, None when the mention gives no point."""
    if place is None or place.lat is None or place.lon is None:
        return None
    found = load_gazetteer().lookup(known.place)
    if not found:
        return None
    return distance_km(place.lat, place.lon, found[0].lat, found[0].lon) <= MATCH_RADIUS_KM


def _same_province(place: PlaceMention | None, known: KnownIncident) -> bool:
    found = load_gazetteer().lookup(known.place)
    return place is not None and bool(found) and place.province == found[0].province


def _keyword_hit(known: KnownIncident, text: str) -> bool:
    return any(k in text for k in known.keywords)


def refine_with_known_incident(
    stated: DateMention | None, place: PlaceMention | None, event_text: str, isos: set[str]
) -> KnownIncident | None:
    """The one known attack this partly dated event must be, else None.

    Candidates agree with the stated month/year and the victims' nationality and do not lie
    elsewhere. Among them, one named by place or keyword wins; failing that, the only one
    in the stated province ('in July ... in an attack in Khyber-Pakhtunkhwa').
    """
    if stated is None or stated.precision == "day" or not _says_when(stated):
        return None
    lowered = event_text.casefold()
    fitting = [
        k
        for k in load_lexicon().known_incidents
        if _date_fits(stated, k)
        and not (k.nationals and isos and not set(k.nationals) & isos)
        and _place_fits(place, k) is not False
    ]
    strong = [k for k in fitting if _place_fits(place, k) or _keyword_hit(k, lowered)]
    if len(strong) > 1:
        strong = [k for k in strong if _keyword_hit(k, lowered)]
    if len(strong) == 1:
        return strong[0]
    if not strong and (stated.year is not None or stated.month is not None):
        in_province = [k for k in fitting if _same_province(place, k)]
        return in_province[0] if len(in_province) == 1 else None
    return None
