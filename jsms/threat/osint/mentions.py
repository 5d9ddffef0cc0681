"""Reading an article: what each sentence (or clause) says that bears on an attack.

A :class:`Mention` holds one sentence's attack words, places, dates and casualty counts; the
grouping step (:mod:`jsms.threat.osint.events`) gathers mentions into :class:`Event` objects.
A sentence that names two far-apart places or two different dates is read clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from difflib import SequenceMatcher

from jsms.threat.osint.casualties import SentenceCasualties, find_casualties
from jsms.threat.osint.claims import Claim, GroupMention, find_groups
from jsms.threat.osint.dates import (
    DateMention,
    find_dateline,
    find_dates,
    find_publication_date,
    sentence_year,
)
from jsms.threat.osint.places import HOME_COUNTRY, PlaceMention, distance_km, find_places
from jsms.threat.osint.text import ATTACK_NOUNS, Span, is_title_line, split_clauses
from jsms.threat.osint.types import Cue, find_cues, is_anaphoric, is_generic

__all__ = [
    "NEAR_KM",
    "Article",
    "Event",
    "Mention",
    "lead_indices",
    "publication",
    "read_mentions",
    "same_place",
]

NEAR_KM = 20.0
"""Two place mentions this close are the same place for one event (city vs. its airport)."""
_META_LINE = re.compile(
    r"(?i)^(?=(?:\S+\s+){0,9}\S*$)\s*(?:published|updated|created|posted|last\s+updated|date)\b|"
    r"^(?=.{0,160}$).*\b(?:published|updated|posted)\b.*\b(?:19|20)\d\d\b"
)


_CAPTION = re.compile(
    r"(?i)\b(?:photo(?:graph)?|image|picture|credit|file\s+photo)\s*:\s*\S+[^.!?]{0,40}$"
)


_CREDIT = re.compile(r"(?i)^\s*(?:photo(?:graph)?|image|picture|credit|file\s+photo)\s*:")


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
        """The strongest place; a site also named where it was found ('Serena Hotel, Quetta')
        beats the same site spelt otherwise and found nowhere ('Serene Hotel')."""
        places = [m.place for m in self.mentions if m.place is not None]
        located = [p for p in places if p.lat is not None or p.province is not None]
        places = [
            p
            for p in places
            if p in located or not any(same_place(p, q) for q in located if q.name != p.name)
        ]
        if not places:
            return None
        # of two places said as strongly, the more specific: a hotel in the town named
        best = max(places, key=lambda p: (p.score, p.rank))
        if best.rank >= 4 and best.lat is None and best.province is None:
            # a site no gazetteer lists, its town named in another sentence of the attack
            towns = [p for p in located if p.rank == 3 and p.usable]
            if towns:
                town = max(towns, key=lambda p: p.score)
                return replace(
                    town, span=best.span, name=f"{best.name}, {town.name}", rank=best.rank
                )
        return best

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


@dataclass(frozen=True)
class Article:
    """The article as the grouping steps need it."""

    text: str
    sentences: list[Span]
    published: date | None
    published_quote: str | None
    lead: frozenset[int]
    countries: frozenset[str] = frozenset()
    host: str | None = HOME_COUNTRY


def publication(text: str, published: date | datetime | None) -> tuple[date | None, str | None]:
    """The date relative words count from, and a quote when the text's own dateline gives it.

    The date given (else one the text states: 'Updated: 16-05-2024') anchors 'on Tuesday'; a
    wire dateline ('KABUL, Jan 19 (Reuters) -') within two days of it anchors them instead,
    being when the story was filed. Only a dateline is quoted: a page's 'Published' stamp
    says when the page went up, never when an attack happened.
    """
    if isinstance(published, datetime):
        published = published.date()
    if not isinstance(published, date):
        found = find_publication_date(text)
        published = found[0] if found else None
    line = find_dateline(text, published)
    if line is not None and (published is None or abs((line[0] - published).days) <= 2):
        return line[0], line[1].text
    return published, None


def lead_indices(text: str, sentences: list[Span]) -> frozenset[int]:
    """Headlines at the top plus the first body sentence: where an article's news is.

    An attack first named in the second sentence, after a first sentence about something
    else (talks, a visit), is context for that other news.
    """
    lead: set[int] = set()
    for i, sentence in enumerate(sentences):
        if _META_LINE.match(sentence.text) or len(sentence.text.split()) < 4:
            continue
        credit = i + 1 < len(sentences) and _CREDIT.match(sentences[i + 1].text)
        if _CAPTION.search(sentence.text) or _CREDIT.match(sentence.text) or credit:
            continue  # a photo's caption above the headline is not the news
        lead.add(i)
        if not is_title_line(sentence, text) and len(sentence.text.split()) >= 6:
            break
    return frozenset(lead)


def _without_groups(places: list[PlaceMention], groups: list[GroupMention]) -> list[PlaceMention]:
    """'Balochistan' inside 'Balochistan Liberation Army' is a name, not a place."""
    return [p for p in places if not any(g.span.start <= p.span.start < g.span.end for g in groups)]


def _distance_km(a: PlaceMention, b: PlaceMention) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return distance_km(a.lat, a.lon, b.lat, b.lon)


def _site_name(place: PlaceMention) -> str:
    """'Serena Hotel, Quetta' -> 'serena hotel': a named site without the town it was placed in."""
    return place.name.split(",")[0].strip().casefold()


def same_place(a: PlaceMention, b: PlaceMention) -> bool:
    """Close enough to be one event's place; a country or province contains its towns; a site
    spelt a letter differently ('Serene Hotel') is the same site."""
    if a.name == b.name:
        return True
    if min(a.rank, b.rank) == 0:  # a country contains its towns and provinces
        return a.country is not None and a.country == b.country
    division = a if a.rank == 1 else b if b.rank == 1 else None
    if division is not None and division.lat is None and a.country is not None:
        # a division known only by name (ISO 3166-2) cannot be shown not to hold the town
        return a.country == b.country
    sites = min(a.rank, b.rank) >= 4
    if sites and SequenceMatcher(None, _site_name(a), _site_name(b)).ratio() >= 0.85:
        return True
    km = _distance_km(a, b)
    if km is not None:
        return km <= NEAR_KM
    return a.province is not None and a.province == b.province and min(a.rank, b.rank) <= 2


def _needs_split(places: list[PlaceMention], dates: list[DateMention]) -> bool:
    """A sentence naming two far-apart places or two different dates tells of two events."""
    usable = [p for p in places if p.usable and p.rank >= 2]
    far = any(not same_place(a, b) for a in usable for b in usable)
    strong = {(d.year, d.month) for d in dates if not d.weak and not d.since and d.month}
    return far or len(strong) > 1


_YEAR_OF_ATTACK = re.compile(rf"(?i)\b(?:19|20)\d\d\s+(?:[\w-]+\s+){{0,2}}{ATTACK_NOUNS}\b")
"""'the 2021 bus bombing in Dasu': the year names the attack's date, whatever else the clause
dates (a verdict 'on Monday')."""


def _clause_dates(doc: Article, index: int, clause: Span) -> list[DateMention]:
    """Dates of a clause; a bare month takes the year its sentence states ('this year')."""
    year = sentence_year(doc.sentences[index], doc.published)
    dates = [
        replace(d, year=year) if d.year is None and d.month is not None and year else d
        for d in find_dates(clause, doc.published)
    ]
    back = [d for d in dates if d.kind == "ago" and " after" in d.span.text.lower()]
    before = clause.text[: back[0].span.start - clause.start] if back else ""
    if back and not find_cues(Span(clause.start, back[0].span.start, before)):
        return back  # 'work resumed on Monday, a year after a bombing there': the bombing's date
    named = _YEAR_OF_ATTACK.search(clause.text) if len(dates) > 1 else None
    if named is not None:
        attack_year = int(named.group()[:4])
        start = clause.start + named.start()
        dates = [d for d in dates if d.year == attack_year or d.span.start == start] or dates
    return dates


def _read_clause(doc: Article, index: int, clause: Span, groups: list[GroupMention]) -> Mention:
    """Everything one clause says: attack words, places, dates, casualties."""
    return Mention(
        index=index,
        clause=clause,
        cues=find_cues(clause),
        places=_without_groups(find_places(clause, doc.countries), groups),
        dates=_clause_dates(doc, index, clause),
        casualties=find_casualties(clause),
        lead=index in doc.lead,
        anaphoric=is_anaphoric(clause),
        generic=is_generic(clause),
    )


def read_mentions(doc: Article) -> list[Mention]:
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
    doc: Article, index: int, clauses: list[Span], groups: list[GroupMention], whole: Mention
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
