"""Rule-based OSINT extraction: one news article in, the attacks it reports out.

Deterministic and offline (regexes, the lexicon in ``data/osint_lexicon.json`` and the
project gazetteer), so an analyst can trace every figure back to a quote: each non-null
field of an incident comes with ``evidence``, a verbatim substring of the article.

The pipeline: split the text into sentences; read each sentence (or, when it names two
events, each clause) for attack words, places, dates, casualty counts and claims; group
those mentions into events (same place and compatible dates, or 'the attack' pointing back);
then decide each event's role: ``primary`` (the article's own news), ``background`` (an
older attack recalled) or ``aggregate`` (national totals such as '20 Chinese killed since
2021', which are never incidents of their own).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from jsms.threat.extract_casualties import SentenceCasualties, find_casualties
from jsms.threat.extract_claims import Claim, GroupMention, find_claim, find_groups
from jsms.threat.extract_dates import (
    DateMention,
    find_dates,
    find_publication_date,
    sentence_year,
    shift_years,
)
from jsms.threat.extract_known import refine_with_known_incident
from jsms.threat.extract_lexicon import KnownIncident, load_lexicon
from jsms.threat.extract_places import PlaceMention, find_places
from jsms.threat.extract_relevance import is_relevant
from jsms.threat.extract_text import Span, is_title_line, split_clauses, split_sentences
from jsms.threat.extract_types import (
    ATTACK_TYPES,
    Cue,
    choose_attack_type,
    find_cues,
    is_anaphoric,
    is_generic,
)

__all__ = ["ATTACK_TYPES", "ROLES", "extract_article"]

ROLES = ("primary", "background", "aggregate")
NEAR_KM = 20.0
"""Two place mentions this close are the same place for one event (city vs. its airport)."""
PRIMARY_MAX_AGE_DAYS = 31
"""A lead attack older than this at publication is recalled, not reported."""
_META_LINE = re.compile(
    r"(?i)^\s*(?:published|updated|created|posted|last\s+updated|date)\b|"
    r"^(?=.{0,160}$).*\b(?:published|updated|posted)\b.*\b(?:19|20)\d\d\b"
)


@dataclass
class Mention:
    """What one sentence (or clause) says that bears on an attack."""

    index: int
    clause: Span
    cues: list[Cue]
    places: list[PlaceMention]
    dates: list[DateMention]
    casualties: SentenceCasualties
    lead: bool
    anaphoric: bool
    generic: bool

    @property
    def attack(self) -> bool:
        return bool(self.cues)

    @property
    def place(self) -> PlaceMention | None:
        usable = [p for p in self.places if p.usable]
        return max(usable, key=lambda p: p.score) if usable else None

    @property
    def date(self) -> DateMention | None:
        return _best_date(self.dates)


@dataclass
class Event:
    """Mentions grouped as one attack, plus what was said about responsibility."""

    mentions: list[Mention]
    aggregate: bool = False
    claims: list[tuple[Claim, GroupMention | None]] = field(default_factory=list)

    @property
    def place(self) -> PlaceMention | None:
        places = [m.place for m in self.mentions if m.place is not None]
        return max(places, key=lambda p: p.score) if places else None

    @property
    def date(self) -> DateMention | None:
        return _best_date([d for m in self.mentions for d in m.dates])


def _best_date(dates: list[DateMention]) -> DateMention | None:
    """The most precise stated date, strong before 'officials said on Tuesday' ones.

    Unresolved expressions ('last month' with no publication date) still count: they say
    the attack is not today's news, and a known attack may still pin them.
    """
    usable = [d for d in dates if not d.since and (d.relative_years is None or d.year)]
    if not usable:
        return None
    order = {"day": 0, "month": 1, "year": 2}
    return min(
        usable,
        key=lambda d: (d.weak, d.precision is None, order[d.grain], d.span.start),
    )


# ------------------------------------------------------------------------------------------
# Reading sentences
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    """The article as the grouping steps need it."""

    text: str
    sentences: list[Span]
    published: date | None
    published_quote: str | None
    lead: frozenset[int]


def _publication(text: str, published: date | datetime | None) -> tuple[date | None, str | None]:
    """The publication date and its quote: as given, else as the text states it."""
    found = find_publication_date(text)
    quote = found[1].text if found else None
    if isinstance(published, datetime):
        published = published.date()
    if isinstance(published, date):
        return published, quote if found and found[0] == published else None
    return (found[0], quote) if found else (None, None)


def _lead_indices(text: str, sentences: list[Span]) -> frozenset[int]:
    """Headlines at the top plus the first body sentence: where an article's news is.

    An attack first named in the second sentence, after a first sentence about something
    else (talks, a visit), is context for that other news.
    """
    lead: set[int] = set()
    for i, sentence in enumerate(sentences):
        if _META_LINE.match(sentence.text) or len(sentence.text.split()) < 4:
            continue
        lead.add(i)
        if not is_title_line(sentence, text) and len(sentence.text.split()) >= 6:
            break
    return frozenset(lead)


def _without_groups(places: list[PlaceMention], groups: list[GroupMention]) -> list[PlaceMention]:
    """'Balochistan' inside 'Balochistan Liberation Army' is a name, not a place."""
    return [p for p in places if not any(g.span.start <= p.span.start < g.span.end for g in groups)]


def _distance_km(a: PlaceMention, b: PlaceMention) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))  # type: ignore[arg-type]
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _same_place(a: PlaceMention, b: PlaceMention) -> bool:
    """Close enough to be one event's place; a province contains its towns."""
    if a.name == b.name:
        return True
    km = _distance_km(a, b)
    if km is not None:
        return km <= NEAR_KM
    return a.province is not None and a.province == b.province and min(a.rank, b.rank) <= 2


def _needs_split(places: list[PlaceMention], dates: list[DateMention]) -> bool:
    """A sentence naming two far-apart places or two different dates tells of two events."""
    usable = [p for p in places if p.usable and p.rank >= 2]
    far = any(not _same_place(a, b) for a in usable for b in usable)
    strong = {(d.year, d.month) for d in dates if not d.weak and not d.since and d.month}
    return far or len(strong) > 1


def _clause_dates(doc: _Doc, index: int, clause: Span) -> list[DateMention]:
    """Dates of a clause; a bare month takes the year its sentence states ('this year')."""
    year = sentence_year(doc.sentences[index], doc.published)
    return [
        replace(d, year=year) if d.year is None and d.month is not None and year else d
        for d in find_dates(clause, doc.published)
    ]


def _read_clause(doc: _Doc, index: int, clause: Span, groups: list[GroupMention]) -> Mention:
    """Everything one clause says: attack words, places, dates, casualties."""
    return Mention(
        index=index,
        clause=clause,
        cues=find_cues(clause),
        places=_without_groups(find_places(clause), groups),
        dates=_clause_dates(doc, index, clause),
        casualties=find_casualties(clause),
        lead=index in doc.lead,
        anaphoric=is_anaphoric(clause),
        generic=is_generic(clause),
    )


def _read(doc: _Doc) -> list[Mention]:
    """Mentions of every sentence, split into clauses where one sentence tells two events."""
    mentions = []
    for i, sentence in enumerate(doc.sentences):
        if _META_LINE.match(sentence.text):
            continue
        groups = find_groups(sentence)
        whole = _read_clause(doc, i, sentence, groups)
        clauses = split_clauses(sentence) if _needs_split(whole.places, whole.dates) else []
        if len(clauses) > 1:
            mentions.extend(_enumerated(doc, i, clauses, groups, whole))
        else:
            mentions.append(whole)
    return mentions


def _enumerated(
    doc: _Doc, index: int, clauses: list[Span], groups: list[GroupMention], whole: Mention
) -> list[Mention]:
    """Clauses of 'two attacks - one in Bisham ..., the other near Karachi ...'.

    A clause that names no attack word of its own inherits the sentence's generic ones.
    """
    out = []
    generic = [c for c in whole.cues if c.kind is None]
    for clause in clauses:
        m = _read_clause(doc, index, clause, groups)
        if not m.cues and (m.place or m.date or not m.casualties.empty):
            m.cues = generic
        out.append(m)
    return out


# ------------------------------------------------------------------------------------------
# Grouping mentions into events
# ------------------------------------------------------------------------------------------

IMPLICIT = "implicit"
NEWS_WINDOW_DAYS = 7
"""An undated lead attack is taken to be within this many days of publication."""
_ALSO = re.compile(r"(?i)\balso\s+(?:been\s+)?(?:killed|wounded|injured|died|shot|martyred)\b")


def _dates_conflict(a: DateMention | None, b: DateMention | None) -> bool:
    """Two dates that cannot be the same attack (an implicit news date allows a week)."""
    if a is None or b is None or a.weak or b.weak:
        return False
    da, db = a.as_date, b.as_date
    if da is not None and db is not None:
        tolerance = NEWS_WINDOW_DAYS if IMPLICIT in (a.kind, b.kind) else 1
        return abs((da - db).days) > tolerance
    if a.year is not None and b.year is not None and a.year != b.year:
        return True
    return a.month is not None and b.month is not None and a.month != b.month


def _weak_anchor(m: Mention) -> bool:
    """Only a province and no date: too vague to make a separate event of."""
    return m.date is None and m.place is not None and m.place.rank == 1


def _is_event_mention(m: Mention) -> bool:
    """An attack word plus something specific: a place, a date or a casualty count."""
    if not m.attack or m.casualties.aggregate:
        return False
    threat = any(c.kind == "threat" for c in m.cues)
    specific = m.place is not None or m.date is not None or (threat and m.lead)
    counted = not m.casualties.empty
    if m.generic and not threat and not (counted or (m.date is not None and m.place is not None)):
        return False
    if _weak_anchor(m) and not counted:
        return False
    return specific or counted


def _national_counts(event: Event) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for m in event.mentions:
        for iso, per in m.casualties.nationals.items():
            for status, value in per.items():
                out[(iso, status)] = max(value, out.get((iso, status), value))
    return out


def _counts_fit(event: Event, m: Mention) -> bool:
    """An unplaced mention can't join an event whose victims it contradicts (5 vs 9 Chinese)."""
    known = _national_counts(event)
    return all(
        known.get((iso, status), value) == value
        for iso, per in m.casualties.nationals.items()
        for status, value in per.items()
    )


def _event_type(mentions: list[Mention]) -> str | None:
    cue = choose_attack_type([c for m in mentions for c in m.cues])
    return cue.kind if cue else None


def _contradicts(event: Event, m: Mention) -> bool:
    """Another attack in the same town: different method and a different death toll."""
    killed = m.casualties.totals.get("killed")
    known = [
        x.casualties.totals["killed"] for x in event.mentions if "killed" in x.casualties.totals
    ]
    kinds = _event_type(event.mentions), _event_type([m])
    different_kind = None not in kinds and kinds[0] != kinds[1]
    return different_kind and killed is not None and bool(known) and killed not in known


class _Grouper:
    """Walks the mentions in order and gathers them into events."""

    def __init__(self, doc: _Doc) -> None:
        self.doc = doc
        self.events: list[Event] = []
        self.focus: Event | None = None
        self.aggregate: Event | None = None

    def when(self, event: Event) -> DateMention | None:
        """The stated date, or for an undated lead attack the publication date (implicit)."""
        stated = event.date
        pub = self.doc.published
        if stated is not None or pub is None or not event.mentions[0].lead:
            return stated
        return DateMention(Span(0, 0, ""), pub.year, pub.month, pub.day, IMPLICIT)

    def fits(self, event: Event, m: Mention) -> bool:
        """No contradiction between the event so far and the mention."""
        ep, mp = event.place, m.place
        if ep is not None and mp is not None and not _same_place(ep, mp) and not _weak_anchor(m):
            return False
        when = self.when(event)
        both_lead = m.lead and event.mentions[0].lead
        if _dates_conflict(when, m.date) and not (both_lead and when and when.kind == IMPLICIT):
            return False
        return not _contradicts(event, m)

    @staticmethod
    def linked(event: Event, m: Mention) -> bool:
        """Positive evidence that the mention is about this event: same place or same day."""
        ep, mp = event.place, m.place
        if ep is not None and mp is not None and _same_place(ep, mp):
            return True
        ed, md = event.date, m.date
        if ed is not None and md is not None and ed.precision == md.precision == "day":
            return not _dates_conflict(ed, md)
        return m.anaphoric

    def _elaborates_focus(self, m: Mention) -> bool:
        """A sentence right after an event that adds a place or a date usually goes on about it.

        That holds for a dated but unplaced sentence, and for any sentence after an event that
        has neither place nor date yet (a headline: 'Gunmen storm hotel, killing one').
        """
        focus = self.focus
        if focus is None or m.index - focus.mentions[-1].index > 3:
            return False
        vague = focus.place is None and (focus.date is None or focus.date.precision is None)
        if m.place is not None and not vague:
            return False
        return self.fits(focus, m) and _counts_fit(focus, m)

    def target(self, m: Mention) -> Event | None:
        """The event a mention belongs to, or None when it starts a new one."""
        live = [e for e in self.events if not e.aggregate]
        if m.place is not None or m.date is not None:
            linked = [e for e in live if self.fits(e, m) and self.linked(e, m)]
            if linked:
                return linked[-1]
            if self._elaborates_focus(m):
                return self.focus
            if not (m.anaphoric or _weak_anchor(m)):
                return None
        ordered = ([self.focus] if self.focus is not None else []) + list(reversed(live))
        return next((e for e in ordered if self.fits(e, m) and _counts_fit(e, m)), None)

    def continues(self, m: Mention) -> bool:
        """An unanchored sentence right after an event that goes on about it ('the blast ...')."""
        focus = self.focus
        if focus is None or not self.fits(focus, m) or not _counts_fit(focus, m):
            return False
        gap = m.index - focus.mentions[-1].index
        counted = not m.casualties.empty and gap <= 3
        return m.anaphoric or counted or (gap <= 2 and m.attack and not m.generic)

    def resolve_relative(self, m: Mention) -> None:
        """'A year earlier', 'hours after' count from the attack mentioned just before."""
        previous = next((e.date for e in reversed(self.events) if not e.aggregate), None)
        m.dates = [shift_years(d, previous) for d in m.dates]

    def add(self, m: Mention) -> None:
        self.resolve_relative(m)
        if _foreign_aggregate(m):
            if self.aggregate is None:
                self.aggregate = Event([], aggregate=True)
                self.events.append(self.aggregate)
            self.aggregate.mentions.append(m)
        elif _is_event_mention(m):
            target = self.target(m)
            if target is None:
                target = Event([])
                self.events.append(target)
            target.mentions.append(m)
            self.focus = target
        elif self.continues(m):
            self.focus.mentions.append(m)  # type: ignore[union-attr]


def _foreign_aggregate(m: Mention) -> bool:
    """A national tally ('20 Chinese nationals killed since 2021') rather than an attack."""
    c = m.casualties
    return c.aggregate and not c.empty and any(iso != "PK" for iso in c.nationals)


def _group(doc: _Doc, mentions: list[Mention]) -> list[Event]:
    grouper = _Grouper(doc)
    for m in mentions:
        grouper.add(m)
    return grouper.events


# ------------------------------------------------------------------------------------------
# Claims of responsibility
# ------------------------------------------------------------------------------------------


def _nearby_group(doc: _Doc, index: int) -> GroupMention | None:
    """A claim without a name ('a spokesman for the group said') names it next door."""
    for j in (index + 1, index - 1, index + 2):
        if 0 <= j < len(doc.sentences):
            groups = find_groups(doc.sentences[j])
            if groups:
                return groups[0]
    return None


def _attach_claims(doc: _Doc, events: list[Event], mentions: list[Mention]) -> None:
    """Each claim goes to the event of its sentence, else to the one last spoken of."""
    owner: dict[int, Event] = {}
    for event in events:
        for m in event.mentions:
            owner.setdefault(m.index, event)
    last: Event | None = None
    for i, sentence in enumerate(doc.sentences):
        if i in owner and not owner[i].aggregate:
            last = owner[i]
        claim = find_claim(sentence)
        if claim is None or last is None:
            continue
        group = claim.group or (_nearby_group(doc, i) if claim.claimed else None)
        last.claims.append((claim, group))


def _claimed(event: Event, text: str) -> tuple[str, str] | None:
    """(group name, evidence quote) of the first explicit claim with a named group."""
    for claim, group in event.claims:
        if claim.claimed and group is not None:
            a, b = claim.phrase, group.span
            if abs(a.start - b.start) < 200:
                return group.name, text[min(a.start, b.start) : max(a.end, b.end)]
            return group.name, group.span.text
    return None


# ------------------------------------------------------------------------------------------
# Building the incident records
# ------------------------------------------------------------------------------------------

Field = tuple[Any, str | None]
"""A field's value and the verbatim quote that supports it."""


def _max_status(event: Event, status: str) -> Field:
    """The largest total one sentence states (reports update upwards), plus 'also killed'."""
    best: Field = (None, None)
    extra = 0
    for m in sorted(event.mentions, key=lambda x: x.clause.start):
        value = m.casualties.totals.get(status)
        if value is None:
            continue
        adds = _ALSO.search(m.clause.text) and m.casualties.lists.get(status) == 1
        if adds and best[0] is not None:
            extra += value
        elif best[0] is None or value > best[0]:
            best = (value, m.casualties.total_spans[status].text)
    if best[0] is None:
        return (extra, None) if extra else best
    return best[0] + extra, best[1]


def _nationals(event: Event) -> tuple[dict[str, dict[str, int | None]], str | None]:
    """Per-country killed/injured, the largest each sentence states; and a quote."""
    out: dict[str, dict[str, int | None]] = {}
    quote_span: Span | None = None
    for m in event.mentions:
        for iso, per in m.casualties.nationals.items():
            slot = out.setdefault(iso, {"killed": None, "injured": None})
            for status, value in per.items():
                if slot[status] is None or value > slot[status]:  # type: ignore[operator]
                    slot[status] = value
                    span = m.casualties.national_spans[iso]
                    quote_span = span if quote_span is None else quote_span
    return out, (quote_span.text if quote_span else None)


def _killed_total(
    event: Event, nationals: dict[str, dict[str, int | None]], nat_quote: str | None, status: str
) -> Field:
    """A stated total, or the sum of national counts when that is larger.

    Zeros from 'the Japanese were unhurt' say nothing about everyone else, so they never
    make a total of their own.
    """
    total, quote = _max_status(event, status)
    summed = sum(v[status] or 0 for v in nationals.values())
    if summed > 0 and (total is None or summed > total):
        return summed, quote if total is not None and quote else nat_quote
    return total, quote


def _province(event: Event, place: PlaceMention | None) -> tuple[str | None, str | None]:
    """The place's province, quoting the province's own name when the text gives it."""
    named = [p for m in event.mentions for p in m.places if p.rank == 1 and p.role != "route"]
    if place is not None:
        same = [p for p in named if p.province == place.province]
        return place.province, (same[0].span.text if same else place.span.text)
    if named:
        return named[0].province, named[0].span.text
    return None, None


def _role(event: Event, doc: _Doc) -> str:
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
    if stated is not None and stated.kind == "same_day" and stated.year is None:
        return "primary"  # 'hours after' an attack reported today
    relative = stated is not None and stated.kind in {"weekday", "relative_day", "same_day"}
    return "primary" if relative and age is not None and age <= 7 else "background"


def _known(event: Event, place: PlaceMention | None) -> KnownIncident | None:
    text = " ".join(m.clause.text for m in event.mentions)
    return refine_with_known_incident(event.date, place, text, _iso_set(event))


def _place_named(doc: _Doc, name: str) -> PlaceMention | None:
    """Where the article itself names a known attack's place ('Dasu is the site of ...')."""
    for sentence in doc.sentences:
        for hit in find_places(sentence):
            if hit.name == name:
                return hit
    return None


def _date_field(event: Event, known: KnownIncident | None) -> Field:
    """ISO date: the stated day; a month pinned to a known attack's day, else its 1st."""
    stated = event.date
    quote = stated.span.text if stated else None
    if known is not None:
        return known.day.isoformat(), quote
    if stated is None or stated.precision in {None, "year"}:
        return None, None
    if stated.precision == "day" and stated.as_date:
        return stated.as_date.isoformat(), quote
    return date(stated.year, stated.month, 1).isoformat(), quote  # type: ignore[arg-type]


def _dateline_date(doc: _Doc) -> Field:
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
    cue = choose_attack_type([c for m in event.mentions for c in m.cues])
    return (cue.kind, cue.span.text) if cue else (None, None)


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


def _fields(event: Event, doc: _Doc) -> dict[str, Field]:
    """Every output field of an event with its supporting quote."""
    aggregate = event.aggregate
    place = None if aggregate else event.place
    known = None if aggregate else _known(event, place)
    place_for_province = place
    if place is not None and place.rank == 1:
        place = None  # a province alone is not a place
    if place is None and known is not None:
        place = _place_named(doc, known.place)
    nationals, nat_quote = _nationals(event)
    role = _role(event, doc)
    date_field = (None, None) if aggregate else _date_field(event, known)
    if date_field[0] is None and role == "primary":
        date_field = _dateline_date(doc)
    claimed = None if aggregate else _claimed(event, doc.text)
    return {
        "role": (role, event.mentions[0].clause.text),
        "date": date_field,
        **_place_fields(place),
        "province": _province(event, place or place_for_province),
        "attack_type": (None, None) if aggregate else _attack_type(event),
        "killed": _killed_total(event, nationals, nat_quote, "killed"),
        "injured": _killed_total(event, nationals, nat_quote, "injured"),
        "nationals": (nationals, nat_quote),
        "perpetrator_claimed": claimed if claimed else (None, None),
    }


def _incident(event: Event, doc: _Doc) -> dict[str, Any] | None:
    """The JSON record of one event, or None when it says nothing usable."""
    fields = _fields(event, doc)
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
    "place",
    "province",
    "lat",
    "lon",
    "attack_type",
    "killed",
    "injured",
    "nationals",
    "perpetrator_claimed",
)


def _dedupe(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two events with the same role-independent date and place are one attack."""
    out: list[dict[str, Any]] = []
    for record in records:
        twin = next(
            (
                r
                for r in out
                if r["role"] != "aggregate"
                and record["role"] != "aggregate"
                and r["date"] is not None
                and r["date"] == record["date"]
                and r["place"] == record["place"]
            ),
            None,
        )
        if twin is None:
            out.append(record)
            continue
        for key, value in record.items():
            if twin.get(key) in (None, {}) and value not in (None, {}):
                twin[key] = value
        twin["evidence"] = {**record["evidence"], **twin["evidence"]}
    return out


def extract_article(
    text: str,
    *,
    name: str,
    title: str | None = None,
    url: str | None = None,
    published: date | datetime | None = None,
) -> dict[str, Any]:
    """The relevance and incidents of one article, as a JSON-able dict.

    ``title`` helps judge relevance; ``url`` is accepted for callers that have one (it
    carries no facts the rules use). ``published`` anchors relative dates; when missing,
    a date stated in the text ('Updated: 02-09-2025') is used.
    """
    del url
    relevant = is_relevant(text, title)
    if not relevant:
        return {"article": name, "relevant": False, "incidents": []}
    sentences = split_sentences(text)
    pub, pub_quote = _publication(text, published)
    doc = _Doc(text, sentences, pub, pub_quote, _lead_indices(text, sentences))
    mentions = _read(doc)
    events = _group(doc, mentions)
    _attach_claims(doc, events, mentions)
    records = [r for e in events if (r := _incident(e, doc)) is not None]
    return {"article": name, "relevant": True, "incidents": _dedupe(records)}
