"""Places in news text, resolved with the project gazetteer and the lexicon's districts.

Articles name several places per sentence: where it happened ('in Bisham'), where the victims
came from or were going ('from Islamabad to their camp in Dasu'), where officials spoke ('the
Chinese Embassy in Islamabad'). Each mention therefore carries a *role* so the incident gets
the place of the attack, not of the route or the press conference.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from jsms.geo.gazetteer import Gazetteer, Place, load_gazetteer, normalize_name
from jsms.geo.world import World, WorldPlace, load_world
from jsms.threat.osint.lexicon import Lexicon, load_lexicon
from jsms.threat.osint.text import Span

__all__ = [
    "HOME_COUNTRY",
    "PlaceMention",
    "article_countries",
    "distance_km",
    "division_named",
    "find_places",
    "named_in",
    "province_mentions",
    "resolve_place_name",
]

T = TypeVar("T")
_EARTH_RADIUS_KM = 6371.0088

HOME_COUNTRY = "PK"
"""The country of the detailed gazetteer (districts, CPEC sites); others come from GeoNames."""
WORLD_TOWN_ANYWHERE = 1_000_000
"""A town this large is taken by its name alone; a smaller one needs 'in'/'at'/'near' before
it, and a country the article names, so that surnames ('Ali', 'Khan') are not places."""
WORLD_TOWN_PLAIN = 100_000
"""A town this large in a country the article names needs no 'in' before it ('entered
Matamoros')."""
_CALENDAR = re.compile(
    r"(?i)^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?$|"
    r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day$"
)
"""'in March' is a month before it is a town in Cambridgeshire."""
_SITE_SPEAKS = re.compile(
    r"^\s*(?:(?:has|have|had|also|on\s+\w+)\s+)*(?:said|says|told|added|stated|wrote|"
    r"condemn\w*|urg\w*|warn\w*|call\w*|issu\w*|express\w*|confirm\w*|ask\w*|advis\w*|"
    r"demand\w*|announc\w*|remind\w*|releas\w*|post\w*|spokes\w*|statement)\b|^\s*,\s*who\b"
)
"""'The Chinese embassy urged ...', 'the U.S. Embassy has warned': a mission speaking."""
_IN_PLACE = re.compile(r"^\s+in\s+(?:[A-Z][\w'’.-]*\s?)+")
_SPEAKING = re.compile(r"^\s*(?:said|says|told|added|stated|wrote|,\s*who)\b")

_LANDMARK_KINDS = frozenset({"airport", "port", "dam", "project_site", "bridge", "checkpoint"})
_FACILITY_WORDS = frozenset(
    [
        "tehsil",
        "district",
        "hospital",
        "city",
        "town",
        "dam",
        "airport",
        "port",
        "road",
        "bazaar",
        "area",
        "bypass",
        "police",
        "station",
        "cantt",
        "cantonment",
        "division",
        "hydropower",
        "project",
        "camp",
        "bridge",
        "highway",
        "expressway",
        "chowk",
        "press",
        "club",
        "sho",
        "ssp",
        "dig",
        "commissioner",
        "deputy",
        "region",
        "valley",
        "sector",
    ]
)
_DIRECTION_WORDS = frozenset(
    ["upper", "lower", "north", "south", "east", "west", "central", "greater", "old"]
)
_KIND_WORDS = ("airport", "port")
_TOKEN = re.compile(r"#?[A-ZÀ-ÖØ-ÞĀ-Ž](?:[^\W\d_]|['’.-])*")
"""A capitalised word, accents included ('Mocímboa', 'Pétionville', 'São')."""
_ROUTE = re.compile(
    r"(?i)\b(?:from|to(?!\s+death\b)|towards?|"
    r"(?:km|kms|kilomet(?:re|er)s|miles)\s+(?:\(\d+\s+\w+\)\s+)?(?:north|south|east|west)\w*\s+of|"
    r"into\s+the\s+(?:river|gorge)|bound\s+for|heading\s+for|visiting|"
    r"working\s+(?:on|at|in)|employed\s+(?:at|on|in)|based\s+in|stationed\s+in|living\s+in|"
    r"residing\s+in)\s+"
    r"(?:(?!(?:bombing|attack|blast|explosion|shooting|assault|ambush|raid|violence)\b)"
    r"[#\w'’.-]+\s+){0,5}?(?:(?:camp|site|base|project|residence|office|home|hospital)s?\s+"
    r"(?:in|at|near|of)\s+)?(?:the\s+|their\s+|its\s+)?#?$"
)
"""'on their way to the camp in Dasu' is a route's end; 'stabbed to death in Istanbul' and
'abducted from his parish in Bomoanga' are not."""
_TAKEN_FROM = re.compile(
    r"(?i)\b(?:abducted|kidnapped|seized|snatched|taken)\b[^.;]{0,60}?\bfrom\s+"
    r"(?:[#\w'’.-]+\s+){0,5}?(?:in\s+|at\s+|near\s+)?#?$"
)
"""'abducted two workers from their camp in Kitwe': where the kidnapping happened."""
_AT = re.compile(
    r"(?i)\b(?:in|at|near|outside|inside|on|into|across|around|within|off|close\s+to|"
    r"(?:city|town|district|area|village|tehsil|region|province)\s+of)\s+"
    r"(?:the\s+)?(?:[#\w'’.-]+\s+){0,3}?(?:(?:capital|city|town),\s+)?#?$"
)
"""'in Quetta', 'near the Dasu dam site in', 'outside the capital, Bamako'."""
_ORG = re.compile(
    r"(?i)\b(?:embassy|foreign\s+office|ministry|statement|briefing|press\s+conference|hospitals?|"
    r"meeting|summit|court|assembly)\s+(?:\w+\s+){0,2}(?:in|at)\s+#?$|"
    r"\b(?:group|groups|militants|separatists|insurgents|outfit)\s+(?:\w+\s+){0,2}(?:in|of|from)\s+"
    r"(?:the\s+)?$|\b(?:which|who)\s+(?:is|are|was|were|has|have|had)\b[^.;,]*\b(?:in|of)\s+(?:the\s+)?$"
)
_DATELINE = re.compile(r"^\s*(?P<city>[A-Z][A-Z .-]{2,}?)\s*(?:,\s*[A-Za-z]+\s*)?(?::|--|—|\(|,)")


@dataclass(frozen=True)
class PlaceMention:
    """One place named in the text, with what it resolved to and its role in the sentence."""

    span: Span
    name: str
    province: str | None
    lat: float | None
    lon: float | None
    rank: int
    role: str
    country: str | None = HOME_COUNTRY

    @property
    def usable(self) -> bool:
        """False for route ends, press venues and datelines: not where the attack was."""
        return self.role in {"at", "plain"}

    @property
    def score(self) -> int:
        """How strongly this mention says 'the attack was here'."""
        bonus = {"at": 3, "plain": 1, "dateline": 0}.get(self.role, -10)
        return self.rank * 2 + bonus


def _from_place(span: Span, place: Place) -> PlaceMention:
    rank = 4 if place.kind in _LANDMARK_KINDS else 3
    return PlaceMention(span, place.name, place.province, place.lat, place.lon, rank, "plain")


def _lookup(gaz: Gazetteer, lex: Lexicon, words: str) -> Place | None:
    """The best gazetteer place for a name, ignoring stop-words and bare all-caps codes."""
    clean = words.strip("#").strip()
    if not clean or clean in lex.place_stopwords or (clean.isupper() and len(clean) <= 4):
        return None
    found = gaz.lookup(clean)
    return found[0] if found else None


@functools.lru_cache(maxsize=4096)
def _runs(sentence: Span) -> tuple[Span, ...]:
    """Runs of capitalised words ('Jinnah International Airport'); a possessive ends a run.

    Cached: the article's countries, its places and its sites all walk the same runs."""
    runs: list[Span] = []
    current: list[re.Match[str]] = []
    for m in _TOKEN.finditer(sentence.text):
        gap = sentence.text[current[-1].end() : m.start()] if current else ""
        possessive = bool(current) and current[-1].group().endswith(("'s", "’s"))
        if current and (gap != " " or possessive):
            runs.append(_run_span(sentence, current))
            current = []
        current.append(m)
    if current:
        runs.append(_run_span(sentence, current))
    return tuple(_joined_countries(sentence, runs))


_JOINER = re.compile(r"^\s+(?:of|and)\s+(?:the\s+)?$")
_PARTICLE = re.compile(r"^\s+(?:del|de|de\s+la|de\s+los|da|do|dos|das|di|du|des|la|el|al)\s+$")
"""'Playa del Carmen', 'Rio de Janeiro': a town's name goes on after a lower-case particle."""


def _joined_countries(sentence: Span, runs: list[Span]) -> list[Span]:
    """'Democratic Republic' + 'of' + 'Congo' is one name when the whole names a country or a
    division ('Bosnia and Herzegovina', 'Jammu and Kashmir'); names joined by a lower-case
    particle are always one ('Playa del Carmen'); otherwise the runs stay apart ('Bank of
    China')."""
    world = load_world()
    out: list[Span] = []
    for run in runs:
        if out:
            gap = sentence.text[out[-1].end - sentence.start : run.start - sentence.start]
            particle = _PARTICLE.match(gap)
            if _JOINER.match(gap) or particle:
                joined = sentence.sub(out[-1].start - sentence.start, run.end - sentence.start)
                key = normalize_name(joined.text)
                # 'Mocímboa da Praia' is one name even when no gazetteer lists it: 'Praia'
                # alone would be Cape Verde's capital
                if particle or key in world.countries or key in world.admin1:
                    out[-1] = joined
                    continue
        out.append(run)
    return out


def _run_span(sentence: Span, tokens: list[re.Match[str]]) -> Span:
    end = tokens[-1].end()
    last = tokens[-1].group()
    if last.endswith(("'s", "’s")):
        end -= 2
    end -= len(last) - len(last.rstrip(".,'’"))
    return sentence.sub(tokens[0].start(), max(end, tokens[0].start() + 1))


def _resolve_run(find: Callable[[str], T | None], run: Span) -> tuple[Span, T] | None:
    """The place a capitalised run names: the whole run, or a part beside a facility word."""
    words = run.text.split(" ")
    whole = find(run.text)
    if whole is not None:
        return run, whole
    offsets = [m.start() for m in re.finditer(r"\S+", run.text)]
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), words[cut:]
        if tail[0].lower().strip("#") in _FACILITY_WORDS:
            place = find(head)
            if place is not None:
                return run.sub(0, len(head)), place
    for cut in range(1, len(words)):
        if all(w.lower() in _DIRECTION_WORDS for w in words[:cut]):
            place = find(" ".join(words[cut:]))
            if place is not None:
                return run.sub(offsets[cut], len(run.text)), place
    return None


def _with_kind_word(gaz: Gazetteer, sentence: Span, hit: PlaceMention) -> PlaceMention:
    """'Karachi airport', "Karachi's airport", 'airport in Karachi' -> the airport itself."""
    if hit.rank >= 4:
        return hit
    rel_start, rel_end = hit.span.start - sentence.start, hit.span.end - sentence.start
    for kind in _KIND_WORDS:
        after = re.match(
            rf"(?:['’]s)?\s+(?:international\s+)?{kind}\b(?!\s+(?:city|town))",
            sentence.text[rel_end:],
            re.I,
        )
        before = re.search(
            rf"\b{kind}\s+(?!city|town|of)(?:\w+\s+){{0,6}}?(?:in|of|near)\s+(?:\w+\s+){{0,3}}?$",
            sentence.text[:rel_start],
            re.I,
        )
        if not (after or before):
            continue
        found = [p for p in gaz.lookup(f"{hit.name} {kind}") if p.kind in _LANDMARK_KINDS]
        if found:
            start = rel_start if after else before.start()  # type: ignore[union-attr]
            end = rel_end + after.end() if after else rel_end
            return replace(_from_place(sentence.sub(start, end), found[0]), role=hit.role)
    return hit


_AFTER_DATELINE = re.compile(r"^\s*(?::|--|—|\(|,\s*(?:Pakistan\b|[A-Z][a-z]{2,8}\.?\s+\d{1,2}\b))")


_OUTLET_AFTER = re.compile(
    r"^\s+(?:Post|Times|Tribune|News|Express|Herald|Observer|Today|Daily|Voice|Chronicle|Mail)\b|"
    r"^['’]s\s+(?:\w+\s+)?(?:ambassador|envoy|government|ministry|minister|"
    r"president|prime\s+minister|foreign)\b|"
    r"^\s+(?:police\s+(?:chief|spokes\w+|officials?|said|says)|(?:district\s+)?administration|"
    r"authorities|officials)\b"
)
"""'the Dawn News', "Australia's ambassador", 'Karachi police chief': who speaks, not where
it happened."""


def _role(sentence: Span, span: Span) -> str:
    """'route' (from/to), 'org' (embassy in X), 'at' (in/near X), 'dateline' or 'plain'."""
    before = sentence.text[: span.start - sentence.start]
    after = sentence.text[span.end - sentence.start :]
    if _OUTLET_AFTER.match(after):
        return "org"
    if not before.strip() and (_DATELINE.match(sentence.text) or _AFTER_DATELINE.match(after)):
        return "dateline"
    if _ORG.search(before):
        return "org"
    if _ROUTE.search(before):
        return "at" if _TAKEN_FROM.search(before) else "route"
    if _AT.search(before):
        return "at"
    return "plain"


def _gazetteer_hits(gaz: Gazetteer, lex: Lexicon, sentence: Span) -> list[PlaceMention]:
    hits = []
    for run in _runs(sentence):
        resolved = _resolve_run(lambda words: _lookup(gaz, lex, words), run)
        if resolved is not None:
            span, place = resolved
            hit = replace(_from_place(span, place), role=_role(sentence, span))
            hits.append(_with_kind_word(gaz, sentence, hit))
    return hits


def _region_hits(gaz: Gazetteer, lex: Lexicon, sentence: Span) -> list[PlaceMention]:
    hits = []
    for m in lex.region_re.finditer(sentence.text):
        region = lex.regions[re.sub(r"\s+", " ", m.group()).casefold()]
        anchor = _lookup(gaz, lex, region.anchor) if region.anchor else None
        span = sentence.sub(m.start(), m.end())
        name = anchor.name if (region.report_as_anchor and anchor) else region.name
        rank = 3 if region.report_as_anchor else 2
        lat, lon = (anchor.lat, anchor.lon) if anchor else (None, None)
        hits.append(
            PlaceMention(span, name, region.province, lat, lon, rank, _role(sentence, span))
        )
    return hits


def province_mentions(sentence: Span) -> list[PlaceMention]:
    """Province names in a sentence, as low-rank place mentions."""
    lex = load_lexicon()
    out = []
    for m in lex.province_re.finditer(sentence.text):
        province = lex.province_of[re.sub(r"\s+", " ", m.group()).casefold()]
        span = sentence.sub(m.start(), m.end())
        out.append(PlaceMention(span, province, province, None, None, 1, _role(sentence, span)))
    return out


def _overlapping(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _world_lookup(lex: Lexicon, words: str, countries: frozenset[str]) -> WorldPlace | None:
    clean = words.strip("#").strip()
    if len(clean) < 4 or clean in lex.place_stopwords or clean.isupper() or _CALENDAR.match(clean):
        return None
    named = _NAMED_DIVISION.match(clean)
    division = _division_called(named["name"], countries) if named else None
    return division or load_world().lookup(clean, countries)  # 'Niger State' is no town


_DIVISION_KINDS = r"(?:state|province|region|governorate|prefecture|department)"
_NAMED_DIVISION = re.compile(rf"^(?P<name>.{{3,}}?)\s+(?i:{_DIVISION_KINDS})$")
_DIVISION_AFTER = re.compile(rf"(?i)^\s+{_DIVISION_KINDS}\b")


def _division_called(name: str, countries: frozenset[str]) -> WorldPlace | None:
    """The first-level division of that name, one in the article's countries first."""
    divisions = load_world().admin1.get(normalize_name(name), ())
    local = [d for d in divisions if d.country in countries] or list(divisions)
    return local[0] if local else None


def _world_place_plausible(
    place: WorldPlace, role: str, countries: frozenset[str], after: str
) -> bool:
    """A country always; a division or town of a country the article names, or one that
    'in'/'at'/'near' introduces; never a name followed by 'said' (a person)."""
    if place.kind == "country":
        return True
    if _SPEAKING.match(after):
        return False
    in_named_country = not countries or place.country in countries
    if place.kind == "admin1":
        return in_named_country or role == "at"
    if _placed_in_its_own(place, after):
        return True  # 'Pahalgam in Jammu and Kashmir': a town the text puts in its division
    if role == "plain":
        return bool(countries) and in_named_country and place.population >= WORLD_TOWN_PLAIN
    return in_named_country or place.population >= WORLD_TOWN_ANYWHERE


_IN_NAME = re.compile(
    r"^,?\s+in\s+(?:the\s+)?(?P<name>[A-Z][\w'’.-]*(?:\s+(?:and\s+|of\s+)?[A-Z][\w'’.-]*){0,3})"
)


def _placed_in_its_own(place: WorldPlace, after: str) -> bool:
    """The words after a town name its own division or country ('Bambari in Ouaka')."""
    m = _IN_NAME.match(after)
    if m is None:
        return False
    world = load_world()
    found = world.lookup(re.sub(r"['’]s$", "", m.group("name")))
    return (
        found is not None and found.kind in {"admin1", "country"} and found.country == place.country
    )


def _world_hits(lex: Lexicon, sentence: Span, countries: frozenset[str]) -> list[PlaceMention]:
    """Places anywhere in the world: countries (rank 0), divisions (1) and towns (3)."""
    hits = []
    for run in _runs(sentence):
        resolved = _resolve_run(lambda words: _world_lookup(lex, words, countries), run)
        if resolved is None:
            continue
        span, place = resolved
        after = sentence.text[span.end - sentence.start :]
        if place.kind == "country" and _DIVISION_AFTER.match(after):
            # "Nigeria's Niger state": the division that bears the country's name
            place = _division_called(place.name, countries) or place
        role = _role(sentence, span)
        if not _world_place_plausible(place, role, countries, after):
            continue
        rank = {"country": 0, "admin1": 1}.get(place.kind, 3)
        hits.append(
            PlaceMention(
                span, place.name, place.admin1, place.lat, place.lon, rank, role, place.country
            )
        )
    return hits


_STATE_BODIES = frozenset(
    {"police", "army", "armed", "defence", "defense", "forces", "government", "ministry"}
    | {"navy", "military", "embassy", "consulate", "federal", "security", "border", "rangers"}
)
"""'Zambia Police' names the country; 'India Today' and 'Niger Delta' do not."""
_DIVISION_WORDS = frozenset(["province", "state", "region", "district", "county", "governorate"])


def _country_named(world: World, run: Span) -> str | None:
    """The country a run names, whole or before a state body ('the Zambia Police Service')."""
    words = run.text.split(" ")
    if len(words) > 1 and words[0] in {"The", "A", "An"}:
        words = words[1:]
    for cut in range(len(words), 0, -1):
        country = world.countries.get(normalize_name(" ".join(words[:cut])))
        if country is not None:
            whole = cut == len(words)
            return country.country if whole or words[cut].lower() in _STATE_BODIES else None
    return None


def _country_placed(world: World, sentence: Span, run: Span) -> str | None:
    """The country of a division or large town the sentence puts the events in ('in the
    Copperbelt province', 'in Kitwe'), when only one country has a place of that name."""
    words = run.text.split(" ")
    if len(words) > 1 and words[-1].lower() in _DIVISION_WORDS:
        words = words[:-1]
    key = normalize_name(" ".join(words))
    if len(key) < 4:
        return None
    divisions = world.admin1.get(key, ())
    towns = [t for t in world.towns.get(key, ()) if t.population >= WORLD_TOWN_PLAIN]
    countries = {p.country for p in (*divisions, *towns)}
    if len(countries) != 1 or _role(sentence, run) != "at":
        return None
    return countries.pop()


def named_in(sentences: Iterable[Span], name: str) -> str | None:
    """The words naming a place in the text, however accented or hyphenated ('Bāmyān' is
    'Bamyan'), or None."""
    key = normalize_name(name)
    for sentence in sentences:
        for run in _runs(sentence):
            words = run.text.split(" ")
            first = 1 if len(words) > 1 and words[0] in _DETERMINERS else 0  # 'The Kabul Hotel'
            for cut in range(len(words), first, -1):
                if normalize_name(" ".join(words[first:cut])) == key:
                    return " ".join(words[first:cut])
    return None


def division_named(name: str, country: str | None) -> str | None:
    """The first-level division of a country that bears a town's name ('Baghdad', 'Kabul')."""
    found = [d for d in load_world().admin1.get(normalize_name(name), ()) if d.country == country]
    return found[0].name if found else None


def article_countries(sentences: Iterable[Span]) -> frozenset[str]:
    """The countries an article names, or places events in by a division or a large town only
    one country has, and the home country when it names a home province.

    They decide which gazetteer reads its places: 'Hyderabad' is Pakistan's in an article
    about Sindh and India's in one about Telangana."""
    lex, world = load_lexicon(), load_world()
    found: set[str] = set()
    for sentence in sentences:
        if lex.province_re.search(sentence.text) or lex.region_re.search(sentence.text):
            found.add(HOME_COUNTRY)
        for run in _runs(sentence):
            country = _country_named(world, run) or _country_placed(world, sentence, run)
            if country is not None:
                found.add(country)
    return frozenset(found)


def find_places(sentence: Span, countries: frozenset[str] = frozenset()) -> list[PlaceMention]:
    """Every place named in a sentence, most specific first where two overlap.

    ``countries`` are those the article names (:func:`article_countries`); the home
    gazetteer is read only when they include the home country or are unknown. Relevance,
    reading and the records each ask about the same sentences: answers are remembered."""
    return list(_places_in(sentence, countries))


@functools.lru_cache(maxsize=4096)
def _places_in(sentence: Span, countries: frozenset[str]) -> tuple[PlaceMention, ...]:
    gaz, lex = load_gazetteer(), load_lexicon()
    home = not countries or HOME_COUNTRY in countries
    candidates = [
        *(_gazetteer_hits(gaz, lex, sentence) if home else ()),
        *(_region_hits(gaz, lex, sentence) if home else ()),
        *(province_mentions(sentence) if home else ()),
        *_world_hits(lex, sentence, countries),
    ]
    chosen = _without_overlaps(candidates)
    chosen = _without_overlaps([*_site_hits(sentence, chosen, countries), *chosen])
    chosen = _without_overlaps([*chosen, *_locality_hits(lex, sentence, chosen)])
    return tuple(sorted(chosen, key=lambda h: h.span.start))


def _without_overlaps(candidates: Sequence[PlaceMention]) -> list[PlaceMention]:
    """Most specific first where two mentions overlap (stable for equal rank and length)."""
    chosen: list[PlaceMention] = []
    for hit in sorted(candidates, key=lambda h: (-h.rank, -len(h.span.text))):
        if not any(_overlapping(hit.span, c.span) for c in chosen):
            chosen.append(hit)
    return chosen


_SITE_WORDS = frozenset(
    [
        "hotel",
        "club",
        "nightclub",
        "institute",
        "university",
        "consulate",
        "embassy",
        "mine",
        "camp",
        "restaurant",
        "bakery",
        "temple",
        "mosque",
        "church",
        "market",
        "mall",
        "school",
        "hospital",
        "resort",
        "stadium",
        "plaza",
        "bazaar",
        "base",
        "factory",
        "plant",
        "compound",
        "office",
        "museum",
        "island",
    ]
)
_SITE_FIRST = frozenset({"hotel", "camp", "mount", "temple"})


_MISSION = re.compile(r"\b[A-Z][\w-]+\s+(?:embassy|consulate)\b")


def _missions(sentence: Span) -> list[Span]:
    """'the Turkish embassy', 'the Chinese consulate': a country's mission written in lower
    case, which the capitalised runs do not catch."""
    lex = load_lexicon()
    out = []
    for m in _MISSION.finditer(sentence.text):
        owner = m.group().split()[0]
        if owner in lex.nationality_of or normalize_name(owner) in load_world().countries:
            out.append(sentence.sub(m.start(), m.end()))
    return out


_LOWER_SITE = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s+){1,3}(?:(?:gold|copper|coal|oil|mining|diamond|tourist|beach)\s+)?"
    r"(?:mine|resort|nightclub|hotel|camp|oilfield|museum|temple|restaurant|island)\b"
)
_DETERMINERS = frozenset({"The", "A", "An", "This", "That", "Its", "Their", "His", "Her"})


def _lower_sites(sentence: Span, countries: frozenset[str]) -> list[Span]:
    """'the Chimbolo gold mine', 'the Dos Palmas resort': a named site whose kind is written
    in lower case; not 'a Chinese mine' (a nationality is no name)."""
    lex = load_lexicon()
    out = []
    for m in _LOWER_SITE.finditer(sentence.text):
        words = m.group().split()
        while words and words[0] in _DETERMINERS:
            words = words[1:]
        name = [w for w in words if w[0].isupper()]
        if not name or any(_no_site_name(lex, w) for w in name):
            continue
        town = load_world().lookup(" ".join(name), countries)
        if town is not None and (not countries or town.country in countries):
            continue  # 'a Kabul hotel' is a hotel in Kabul, not a site's name ('Reina nightclub')
        if len(name) == 1 and _first_word(sentence, m.start() + m.group().index(name[0])):
            continue  # 'Hotel staff ...' at the start of a sentence
        start = m.end() - len(" ".join(words))
        out.append(sentence.sub(start, m.end()))
    return out


def _no_site_name(lex: Lexicon, word: str) -> bool:
    """'Chinese', 'Pakistan', 'DRC', 'Canadian-owned': who runs it or where, not its name."""
    word = re.sub(r"['’]s$", "", word)  # "Indonesia's resort island"
    if word in lex.nationality_of or normalize_name(word) in load_world().countries:
        return True
    return word.isupper() or bool(re.search(r"-(?:owned|run|operated|based|linked)$", word))


def _first_word(sentence: Span, offset: int) -> bool:
    return not sentence.text[:offset].strip()


def _site_hits(
    sentence: Span, known: Sequence[PlaceMention], countries: frozenset[str] = frozenset()
) -> list[PlaceMention]:
    """Named sites ('Serena Hotel', 'Hotel Amarula', 'Chinese Consulate'): where attacks on
    foreigners happen. Written with the town the sentence names ('Serena Hotel, Quetta')
    and placed there, so an analyst sees both and the map has a point."""
    towns = [k for k in known if k.rank >= 3]
    hits = []
    for run in [*_runs(sentence), *_missions(sentence), *_lower_sites(sentence, countries)]:
        words = run.text.split(" ")
        if len(words) > 2 and words[0] in _DETERMINERS:  # 'The Kabul Longan Hotel was attacked'
            run, words = run.sub(len(words[0]) + 1, len(run.text)), words[1:]
        if len(words) < 2:
            continue
        if words[-1].lower() not in _SITE_WORDS and words[0].lower() not in _SITE_FIRST:
            continue
        if any(_overlapping(run, t.span) and t.rank >= 4 for t in towns):
            continue  # a curated landmark already names it
        town = _town_in_name(run, words, countries) or min(
            towns, key=lambda t: abs(t.span.start - run.start), default=None
        )
        inside = town is not None and _overlapping(run, town.span)
        name = run.text if town is None or inside else f"{run.text}, {town.name}"
        after = sentence.text[run.end - sentence.start :]
        speaks = _SITE_SPEAKS.match(_IN_PLACE.sub("", after, count=1))
        role = "org" if speaks else _role(sentence, run)  # 'the Chinese Embassy (in X) said
        hits.append(
            PlaceMention(
                run,
                name,
                town.province if town else None,
                town.lat if town else None,
                town.lon if town else None,
                4,
                role,
                town.country if town else None,
            )
        )
    return hits


def _town_in_name(run: Span, words: list[str], countries: frozenset[str]) -> PlaceMention | None:
    """'Kabul Longan Hotel': a site named after the town it stands in, a town of a country
    the article names."""
    if not countries:
        return None
    place = load_world().lookup(words[0], countries)
    if place is None or place.kind == "country" or place.country not in countries:
        return None
    span = run.sub(0, len(words[0]))
    return PlaceMention(
        span, place.name, place.admin1, place.lat, place.lon, 3, "plain", place.country
    )


_LOCALITY = re.compile(
    r"\b(?:in|at|near|outside)\s+(?:the\s+)?(?P<name>[A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+)?)\s+"
    r"(?:village|town|area|district|territory|locality|settlement|county|municipality|site)\b|"
    r"\b(?:village|town|locality|hamlet)\s+of\s+(?P<of>[A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+)?)"
)
_THEN_PLACE = re.compile(r"^,\s+(?:in\s+)?")


def _locality_hits(
    lex: Lexicon, sentence: Span, known: Sequence[PlaceMention]
) -> list[PlaceMention]:
    """Villages no gazetteer lists, named the way reports name them: 'in Mukera village',
    'the village of Abole', or 'in Mukera, South Kivu' (a known division or country after)."""
    spans = []
    for m in _LOCALITY.finditer(sentence.text):
        group = "name" if m.group("name") else "of"
        spans.append(sentence.sub(m.start(group), m.end(group)))
    for run in _runs(sentence):
        after = sentence.text[run.end - sentence.start :]
        comma = _THEN_PLACE.match(after)
        if comma is None or _role(sentence, run) != "at":
            continue
        start = run.end + comma.end()
        if any(k.span.start == start and k.rank <= 3 and k.country for k in known):
            spans.append(run)
    hits = []
    for span in spans:
        if (
            span.text in lex.place_stopwords
            or _CALENDAR.match(span.text)
            or any(_overlapping(span, k.span) for k in known)
        ):
            continue
        region = next((k for k in known if k.span.start > span.start and k.rank <= 3), None)
        hits.append(
            PlaceMention(
                span,
                span.text,
                region.province if region else None,
                None,
                None,
                2,
                _role(sentence, span),
                region.country if region else None,
            )
        )
    return hits


def resolve_place_name(name: str) -> tuple[str, float | None, float | None] | None:
    """(canonical name, lat, lon) for a place name a person typed, via gazetteer or lexicon."""
    gaz, lex = load_gazetteer(), load_lexicon()
    place = _lookup(gaz, lex, name)
    if place is not None:
        return place.name, place.lat, place.lon
    region = lex.regions.get(name.casefold())
    if region is None:
        found = _world_lookup(lex, name, frozenset())
        if found is None or found.kind == "country":
            return None
        return found.name, found.lat, found.lon
    anchor = _lookup(gaz, lex, region.anchor) if region.anchor else None
    shown = anchor.name if (region.report_as_anchor and anchor) else region.name
    return shown, (anchor.lat if anchor else None), (anchor.lon if anchor else None)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in degrees, in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))
