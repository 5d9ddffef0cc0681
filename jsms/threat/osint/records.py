"""Building the incident records: every output field of an event with its supporting quote.

Each non-null field comes with ``evidence``, a verbatim substring of the article, so an analyst
can trace every figure back to the text. The role says whether the event is the article's own
news (``primary``), an older attack recalled (``background``) or a national tally
(``aggregate``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from jsms.threat.osint.events import attributed_to, claimed_by
from jsms.threat.osint.known import PastIncident, refine_with_known_incident
from jsms.threat.osint.lexicon import load_lexicon
from jsms.threat.osint.mentions import Article, Event
from jsms.threat.osint.places import (
    HOME_COUNTRY,
    PlaceMention,
    division_named,
    find_places,
    named_in,
)
from jsms.threat.osint.text import Span
from jsms.threat.osint.types import choose_attack_type

__all__ = ["PRIMARY_MAX_AGE_DAYS", "ROLES", "incident_record", "merge_twins"]

ROLES = ("primary", "background", "aggregate")
PRIMARY_MAX_AGE_DAYS = 31
"""A lead attack older than this at publication is recalled, not reported."""

_ADDED_VERBS = {
    "killed": r"killed|died|martyred|shot\s+dead",
    "injured": r"wounded|injured|hurt",
    "kidnapped": r"kidnapped|abducted|seized|taken\s+hostage",
}
_ADDED = {
    status: re.compile(
        rf"(?i)(?:\balso\s+(?:been\s+)?|\bmore\s+(?:[\w-]+\s+){{0,2}}(?:were|was|have\s+been|"
        rf"had\s+been)\s+)(?:{verbs})\b"
    )
    for status, verbs in _ADDED_VERBS.items()
}
"""'Two guards were also killed', 'two more soldiers were kidnapped': added to the toll."""

Field = tuple[Any, str | None]
"""A field's value and the verbatim quote that supports it."""


def _max_status(event: Event, status: str) -> Field:
    """The largest total one sentence states (reports update upwards), plus 'also killed'
    and 'two more were kidnapped'."""
    best: Field = (None, None)
    best_who: set[str] = set()
    extra = 0
    for m in sorted(event.mentions, key=lambda x: x.clause.start):
        value = m.casualties.totals.get(status)
        if value is None:
            continue
        added = _ADDED.get(status)
        adds = added and added.search(m.clause.text) and m.casualties.lists.get(status) == 1
        who = {iso for iso, per in m.casualties.nationals.items() if per.get(status)}
        restated = value == best[0] and who and who == best_who  # 'also kidnapped seven Chinese'
        if adds and best[0] is not None and not restated:
            extra += value
        elif best[0] is None or value > best[0]:
            best = (value, m.casualties.total_spans[status].text)
            best_who = who
    if best[0] is None:
        return (extra, None) if extra else best
    return best[0] + extra, best[1]


def _nationals(event: Event) -> tuple[dict[str, dict[str, int | None]], str | None]:
    """Per-country killed/injured, the largest each sentence states; and a quote."""
    out: dict[str, dict[str, int | None]] = {}
    quote_span: Span | None = None
    for m in event.mentions:
        for iso, per in m.casualties.nationals.items():
            slot = out.setdefault(iso, {"killed": None, "injured": None, "kidnapped": None})
            for status, value in per.items():
                if slot[status] is None or value > slot[status]:  # type: ignore[operator]
                    slot[status] = value
                    span = m.casualties.national_spans[iso]
                    quote_span = span if quote_span is None else quote_span
    for slot in out.values():
        if slot["kidnapped"] is None:
            del slot["kidnapped"]  # most attacks kidnap no one: keep the record short
    return out, (quote_span.text if quote_span else None)


def _foreign(
    nationals: dict[str, dict[str, int | None]], quote: str | None, host: str | None
) -> Field:
    """Victims per foreign country: the host's own people count in the totals, not here."""
    foreign = {iso: per for iso, per in nationals.items() if iso != host}
    return (foreign, quote) if foreign else ({}, None)


def _killed_total(
    event: Event, nationals: dict[str, dict[str, int | None]], nat_quote: str | None, status: str
) -> Field:
    """A stated total, or the sum of national counts when that is larger.

    Zeros from 'the Japanese were unhurt' say nothing about everyone else, so they never
    make a total of their own.
    """
    total, quote = _max_status(event, status)
    summed = sum(v.get(status) or 0 for v in nationals.values())
    if summed > 0 and (total is None or summed > total):
        return summed, quote if total is not None and quote else nat_quote
    return total, quote


def _province(
    event: Event, place: PlaceMention | None, sentences: Sequence[Span]
) -> tuple[str | None, str | None]:
    """The place's province, quoting the province's own name when the text gives it.

    Abroad, a town's division comes from GeoNames' tables, which are older than some
    reorganisations and spelt otherwise than the press: it is reported only when the article
    names it too, so the value can be checked against the text."""
    named = [p for m in event.mentions for p in m.places if p.rank == 1 and p.role != "route"]
    if place is not None:
        same = [p for p in named if p.province == place.province]
        if place.province is None and named and not same:  # a site no gazetteer lists
            return named[0].province, named[0].span.text
        if same or place.rank == 1 or place.country == HOME_COUNTRY or place.province is None:
            return place.province, (same[0].span.text if same else place.span.text)
        said = named_in(sentences, place.province)
        if said:
            return place.province, said
        beside = [p for p in named if p.country == place.country and p.country is not None]
        if beside:  # 'Pahalgam in Jammu and Kashmir' (GeoNames' older table says 'Kashmir')
            return beside[0].province, beside[0].span.text
        # 'Baghdad', 'Bamyan'; or a town beside a site in it ('the Marhaba Hotel ... Sousse')
        towns = [place, *(p for m in event.mentions for p in m.places if p.rank >= 3)]
        for town in towns:
            if town.province == place.province and town.country == place.country:
                same_name = division_named(town.name, town.country)
                if same_name:
                    return same_name, town.span.text
        return None, None
    if named:
        return named[0].province, named[0].span.text
    return None, None


def _country(event: Event, place: PlaceMention | None, doc: Article) -> Field:
    """ISO code of the country: the place's, else a country the event's sentences name, one
    it happened 'in' or the article's host country first."""
    if place is not None and place.country:
        return place.country, place.span.text
    named = [p for m in event.mentions for p in m.places if p.rank == 0 and p.usable]
    inside = [p for p in named if p.role == "at"]  # 'in Nigeria', not 'Norwegian ... Norway'
    hosts = [p for p in named if p.country == doc.host]
    for found in (inside, hosts, named):
        if found:
            return found[0].country, found[0].span.text
    return _host_named(doc)


def _host_named(doc: Article) -> Field:
    """The article's host country, quoted where the article names it or a place in it: an
    attack told with no place of its own happened where the article's events are."""
    if doc.host is None:
        return None, None
    in_host = [
        p
        for sentence in doc.sentences
        for p in find_places(sentence, doc.countries)
        if p.country == doc.host and p.role not in {"org", "route"}
    ]
    if not in_host:
        return None, None
    best = min(in_host, key=lambda p: p.rank)  # the country's own name first
    return doc.host, best.span.text


def _role(event: Event, doc: Article) -> str:
    """Primary when the article reports it (lead, recent); background when it recalls it."""
    if event.aggregate:
        return "aggregate"
    first = event.mentions[0]
    stated = event.date
    day = stated.as_date if stated else None
    age = (doc.published - day).days if (doc.published and day) else None
    if stated is not None and stated.grain in {"month", "year"}:
        return "background"
    if age is not None and age > PRIMARY_MAX_AGE_DAYS:
        return "background"
    if first.lead:
        return "primary"
    if age is not None and age >= -1 and stated is not None and stated.grain == "day":
        return "primary"  # a day within the window: the article's news, wherever it tells it
    if stated is not None and stated.kind == "same_day" and stated.year is None:
        return "primary"  # 'hours after' an attack reported today
    relative = stated is not None and stated.kind in {"weekday", "relative_day", "same_day"}
    return "primary" if relative and age is not None and age <= 7 else "background"


def _known(
    event: Event, place: PlaceMention | None, history: Sequence[PastIncident]
) -> PastIncident | None:
    """The attack of the history a partly dated mention names, if any.

    An article's lead news dated without a year ('on Sunday', 'Nov 30') is never pinned to
    an attack of years ago: that would turn a new attack into an old one.
    """
    stated = event.date
    if event.mentions[0].lead and stated is not None and stated.year is None:
        return None
    text = " ".join(m.clause.text for m in event.mentions)
    return refine_with_known_incident(stated, place, text, _iso_set(event), history)


def _place_named(doc: Article, name: str) -> PlaceMention | None:
    """Where the article itself names a known attack's place ('Dasu is the site of ...')."""
    for sentence in doc.sentences:
        for hit in find_places(sentence, doc.countries):
            if hit.name == name:
                return hit
    return None


def _date_field(event: Event, known: PastIncident | None) -> Field:
    """ISO date: the stated day; a month pinned to a known attack's day, else its 1st. A year
    alone ('the 2021 attack') is not pinned: the text does not say which day it means."""
    stated = event.date
    quote = stated.span.text if stated else None
    if known is not None and (stated is None or stated.precision != "year"):
        return known.day.isoformat(), quote
    if stated is None or stated.precision in {None, "year"}:
        return None, None
    if stated.precision == "day" and stated.as_date:
        return stated.as_date.isoformat(), quote
    return date(stated.year, stated.month, 1).isoformat(), quote  # type: ignore[arg-type]


def _date_precision(event: Event, known: PastIncident | None, dated: Field) -> Field:
    """How far the date is known: 'day', 'month', 'year', 'no_year' (a day or month without
    its year, e.g. 'Nov 30' in an undated article) or None when the text states no date.

    The ingest step merges a report into a known incident only on a 'day' date, so a date it
    cannot place within the dedup window goes to review instead.
    """
    stated = event.date
    quote = stated.span.text if stated else None
    if known is not None and (stated is None or stated.precision != "year"):
        return "day", quote
    if stated is None:
        return None, None
    if dated[0] is not None:
        return ("day" if stated.precision == "day" and stated.as_date else "month"), quote
    if stated.precision == "year":
        return "year", quote
    if stated.year is None and (
        stated.month is not None or stated.day is not None or stated.kind == "weekday"
    ):
        return "no_year", quote
    return None, None


def _dateline_date(doc: Article) -> Field:
    """An undated lead attack is dated by the article's own dateline, when it has one.

    Only a date printed in the text counts (it can be quoted as evidence); a publication
    date passed in from metadata alone leaves the attack undated.
    """
    if doc.published is None or doc.published_quote is None:
        return None, None
    return doc.published.isoformat(), doc.published_quote


def _iso_set(event: Event) -> set[str]:
    lex = load_lexicon()
    found = set()
    for m in event.mentions:
        found |= set(m.casualties.nationals)
        found |= {lex.nationality_of[x.group()] for x in lex.nationality_re.finditer(m.clause.text)}
    return found


def _attack_type(event: Event) -> Field:
    """The decisive attack word; else an armed assault when armed men ('militia fighters',
    'bandits') killed or wounded people with no word of a bomb, a blast or a kidnapping."""
    cue = choose_attack_type([c for m in event.mentions for c in m.cues])
    if cue is not None:
        return cue.kind, cue.span.text
    for m in event.mentions:
        if not (m.casualties.totals.get("killed") or m.casualties.totals.get("injured")):
            continue
        armed = _ARMED_MEN.search(m.clause.text)
        if armed is not None:
            return "armed_assault", armed.group()
    return None, None


_ARMED_MEN = re.compile(
    r"(?i)\b(?:militia(?:men)?|fighters|gunmen|bandits|insurgents|rebels|militants|attackers|"
    r"assailants|raiders|jihadists)\b"
)


def _place_fields(place: PlaceMention | None) -> dict[str, Field]:
    if place is None:
        return {"place": (None, None), "lat": (None, None), "lon": (None, None)}
    lat = round(place.lat, 4) if place.lat is not None else None
    lon = round(place.lon, 4) if place.lon is not None else None
    return {
        "place": (place.name, place.span.text),
        "lat": (lat, place.span.text),
        "lon": (lon, place.span.text),
    }


def _fields(event: Event, doc: Article, history: Sequence[PastIncident]) -> dict[str, Field]:
    """Every output field of an event with its supporting quote."""
    aggregate = event.aggregate
    place = None if aggregate else event.place
    known = None if aggregate else _known(event, place, history)
    place_for_province = place
    if place is not None and place.rank <= 1:
        place = None  # a province or a country alone is not a place
    if place is None and known is not None and known.place:
        place = _place_named(doc, known.place)
    nationals, nat_quote = _nationals(event)
    role = _role(event, doc)
    date_field = (None, None) if aggregate else _date_field(event, known)
    precision = (None, None) if aggregate else _date_precision(event, known, date_field)
    if date_field[0] is None and role == "primary" and doc.published_quote is not None:
        date_field = _dateline_date(doc)
        precision = ("day", date_field[1])
    claimed = None if aggregate else claimed_by(event, doc.text)
    attributed = None if aggregate or claimed else attributed_to(event, doc.text)
    return {
        "role": (role, event.mentions[0].clause.text),
        "date": date_field,
        "date_precision": precision,
        **_place_fields(place),
        "province": _province(event, place or place_for_province, doc.sentences),
        "country": (
            (None, None) if aggregate else _country(event, place or place_for_province, doc)
        ),
        "attack_type": (None, None) if aggregate else _attack_type(event),
        "killed": _killed_total(event, nationals, nat_quote, "killed"),
        "injured": _killed_total(event, nationals, nat_quote, "injured"),
        "kidnapped": _killed_total(event, nationals, nat_quote, "kidnapped"),
        "attackers_killed": _max_status(event, "attackers_killed"),
        "nationals": _foreign(nationals, nat_quote, doc.host),
        "perpetrator_claimed": claimed if claimed else (None, None),
        "perpetrator_attributed": attributed if attributed else (None, None),
    }


def incident_record(
    event: Event, doc: Article, history: Sequence[PastIncident] = ()
) -> dict[str, Any] | None:
    """The JSON record of one event, or None when it says nothing usable.

    ``history`` is the attacks already known (see :mod:`jsms.threat.osint.known`); a
    month-level mention of one of them is dated to its day. Without it nothing is pinned.
    """
    fields = _fields(event, doc, history)
    facts = ("place", "province", "date", "killed", "injured", "nationals")
    if all(fields[k][0] in (None, {}) for k in facts):
        return None
    record: dict[str, Any] = {key: fields[key][0] for key in _FIELD_ORDER}
    record["evidence"] = {
        key: quote
        for key in _FIELD_ORDER
        if (quote := fields[key][1]) and fields[key][0] not in (None, {})
    }
    return record


_FIELD_ORDER = (
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
)


def _same_site(a: str | None, b: str | None) -> bool:
    """Two names of one named site, however cased or placed ('Serena Hotel' and 'Serena
    hotel, Quetta'); towns are compared by the grouping step, not here."""
    if a is None or b is None:
        return False
    first_a, first_b = a.split(",")[0].strip().casefold(), b.split(",")[0].strip().casefold()
    if len(first_a.split()) < 2 or len(first_b.split()) < 2:
        return False  # a town's name alone: 'Karachi' twice may be two attacks
    return SequenceMatcher(None, first_a, first_b).ratio() >= 0.85


def _twins(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """One attack told twice: same date and place; or, for the article's own news, a second
    account with no place of its own and no other date ('the attack', 'the blast on Tuesday'):
    a news report carries one new attack far more often than two."""
    if "aggregate" in (a["role"], b["role"]):
        return False
    if a["date"] is not None and a["date"] == b["date"] and a["place"] == b["place"]:
        return True
    if (a["date"] is None or b["date"] is None) and _same_site(a["place"], b["place"]):
        return True  # 'the Serena Hotel' recalled undated is the attack at 'Serena hotel, Quetta'
    return (
        a["role"] == b["role"] == "primary"
        and (b["place"] is None or a["place"] is None)
        and (a["date"] is None or b["date"] is None or a["date"] == b["date"])
    )


def _vague(record: dict[str, Any]) -> bool:
    """An older attack recalled with neither place nor date ('previous attacks') names no
    event an analyst could find."""
    return record["role"] == "background" and record["place"] is None and record["date"] is None


def merge_twins(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Twins (see :func:`_twins`) are one attack; vague recollections are dropped."""
    out: list[dict[str, Any]] = []
    for record in records:
        if _vague(record) and len(records) > 1:
            continue
        twin = next((r for r in out if _twins(r, record)), None)
        if twin is None:
            out.append(record)
            continue
        for key, value in record.items():
            if twin.get(key) in (None, {}) and value not in (None, {}):
                twin[key] = value
        twin["evidence"] = {**record["evidence"], **twin["evidence"]}
    return out
