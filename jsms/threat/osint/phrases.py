"""Counted noun phrases: who a sentence counts ('five Chinese nationals', 'their driver', '34').

Each :class:`Phrase` carries its count, its nationality (citizenship, not origin: 'Chinese-origin
Canadian' is Canadian), whether it names attackers, and whether it is the object of a
preposition ('accompanying the Japanese'), in which case it has no casualty status of its own.
:mod:`jsms.threat.osint.casualties` then ties phrases to casualty words.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from jsms.geo.gazetteer import normalize_name
from jsms.geo.world import load_world
from jsms.threat.osint.lexicon import alternation, load_lexicon
from jsms.threat.osint.text import NUMBER, Span, parse_number

__all__ = ["LIVES_VERB", "Phrase", "find_phrases", "named_nationalities"]

_QUANT = (
    r"(?P<pre>(?:(?:at\s+least|more\s+than|over|nearly|almost|about|around|some|up\s+to|"
    r"a\s+total\s+of|as\s+many\s+as|all|all\s+the|the|their|these|those|another)\s+)*)"
    rf"(?P<num>{NUMBER}|no|one|another|a|an|the|their|his|her|its)"
    r"(?P<part>\s+of\s+(?:the|its|their|his|her|our|these|those))?"
)
_BAD_MODS = frozenset(
    [
        "and",
        "or",
        "were",
        "was",
        "is",
        "are",
        "have",
        "has",
        "had",
        "been",
        "in",
        "at",
        "on",
        "to",
        "from",
        "by",
        "with",
        "for",
        "who",
        "which",
        "that",
        "including",
        "among",
        "of",
        "after",
        "when",
        "while",
        "as",
        "than",
        "said",
        "the",
        "a",
        "an",
        "killed",
        "injured",
        "wounded",
        "dead",
        "it",
        "they",
        "he",
        "she",
        "we",
        "you",
        "also",
        "both",
        "all",
    ]
)
_DETERMINERS = frozenset({"a", "an", "the", "their", "his", "her", "its", "one", "another"})
_OBJECT_BEFORE = re.compile(
    r"(?i)\b(?:accompanying|escorting|guarding|carrying|transporting|protecting|with|for|of|by|"
    r"targeting|near|against|on|at|to|from|between|alongside|behind|involving|hosting|"
    r"attacked|targeted|ambushed|evacuated|rescued|identified)\s+$"
)
_DEATHS_OF = re.compile(
    r"(?i)\b(?:deaths?|lives|killings?|murders?|slayings?|kidnappings?|abductions?|bod(?:y|ies))"
    r"\s+of\s+$"
)
LIVES_VERB = re.compile(r"(?i)\b(?:took|claimed|cost|claiming|taking|lost|loss\s+of)\s+$")


@dataclass(frozen=True)
class Phrase:
    """A counted noun phrase and what the sentence says happened to it."""

    span: Span
    count: int | None
    nationality: str | None
    perpetrator: bool
    bare: bool
    singular_definite: bool
    object_start: int | None = None
    """Set when the phrase is an object ('accompanying the Japanese'): it has no status."""
    subordinate: bool = False
    status: str | None = None
    marker: int | None = None
    adjective: str | None = None
    """What an adjective before the noun says happened ('two kidnapped Chinese nationals')."""
    named: bool = False
    """A person named ('British tourist Grace Millane', 'Maren Ueland of Norway')."""

    @property
    def is_object(self) -> bool:
        return self.object_start is not None


def _heads() -> str:
    lex = load_lexicon()
    nouns = sorted(lex.person_nouns | lex.perpetrator_nouns)
    demonyms = [d for d in lex.nationality_of if d not in {"US", "U.S.", "UK"}]
    return f"(?:{alternation(nouns)}|{alternation(demonyms, case_sensitive=True)})"


@functools.cache
def _phrase_re() -> re.Pattern[str]:
    """Quantity, up to four modifiers, then a person noun or demonym ('at least five Chinese')."""
    mods = r"(?P<mods>(?:[\w'’.#-]+\s+|\([\w-]+\)\s+){0,4}?)"
    return re.compile(rf"(?i)\b{_QUANT}\s+{mods}(?P<head>{_heads()})")


_ADJECTIVE_STATUS = {
    "kidnapped": "kidnapped",
    "abducted": "kidnapped",
    "injured": "injured",
    "wounded": "injured",
    "slain": "killed",
    "murdered": "killed",
    "dead": "killed",
}


@functools.cache
def _adjectival_re() -> re.Pattern[str]:
    """A quantity, a casualty adjective, then the phrase ('two injured Chinese workers')."""
    mods = r"(?P<mods>(?:[\w'’.#-]+\s+){0,3}?)"
    adjectives = "|".join(_ADJECTIVE_STATUS)
    return re.compile(rf"(?i){_QUANT}\s+(?P<adj>{adjectives})\s+{mods}(?P<head>{_heads()})")


def _nationality(words: str) -> str | None:
    """The citizenship a phrase states: the head-most demonym that is not an origin.

    'Chinese-origin Canadian' -> CA, 'ethnic Chinese Malaysian' -> MY, 'Chinese-American' -> US.
    """
    lex = load_lexicon()
    found = None
    for m in lex.nationality_re.finditer(words):
        after, before = words[m.end() :], words[: m.start()]
        if re.match(r"(?i)[- ](?:origin|born|descent|heritage|ancestry|rooted)\b", after):
            continue
        if re.search(r"(?i)\bethnic(?:ally)?\s+$", before):
            continue
        if re.match(r"-[A-Z]", after):
            continue
        found = lex.nationality_of[m.group()]
    return found


def _extend_head(text: str, end: int) -> int:
    """'five Chinese' + ' nationals' -> the phrase ends after the person noun.

    Demonyms chain ('two ethnic Chinese Malaysian contractors'), so extend step by step.
    """
    lex = load_lexicon()
    nouns = lex.person_nouns - {"dead", "killed", "injured", "wounded", "lives"}
    for _ in range(3):
        m = re.match(r"\s+([\w-]+)(?:\s+([\w-]+))?", text[end:])
        if m is None:
            return end
        if m.group(1) in lex.nationality_of:
            end += m.end(1)
            continue
        if m.group(1).lower() in nouns:
            return end + m.end(1)
        if m.group(2) and m.group(2).lower() in nouns and m.group(1).lower() not in _BAD_MODS:
            return end + m.end(2)
        return end
    return end


_PLURAL_WORDS = frozenset(
    {"people", "personnel", "staff", "police", "children", "women", "men", "chinese"}
    | {"japanese", "crew", "dead", "killed", "injured", "wounded"}
)
_STATUS_HEADS = frozenset({"dead", "killed", "injured", "wounded"})


def _is_plural(head_word: str) -> bool:
    """'nationals', 'people', 'Chinese' count as plural (so 'the Chinese' has no count)."""
    return (head_word.endswith("s") and head_word != "his") or head_word in _PLURAL_WORDS


def _phrase_from(clause: Span, m: re.Match[str]) -> Phrase | None:
    """Validate one regex match and build its phrase (None for 'the Chinese nationals')."""
    lex = load_lexicon()
    mods = m.group("mods").split()
    if any(w.lower() in _BAD_MODS or re.fullmatch(NUMBER, w, re.I) for w in mods):
        return None  # 'two days ago three people': the count is the one nearest the noun
    end = m.end()
    head = m.group("head")
    if head in lex.nationality_of:
        end = _extend_head(clause.text, end)
    elif head.lower() in lex.perpetrator_nouns and _ATTRIBUTIVE.match(clause.text, end):
        return None  # 'a terrorist attack' names no terrorist
    if re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
        return None  # 'in Oct 2011 al-Shabab killed': a year, not a count
    words = clause.text[m.start() : end]
    head_word = words.split()[-1].lower()
    count = _count(m.group("num").lower(), head_word, partitive=m.group("part") is not None)
    if count is None:
        return None
    return Phrase(
        span=clause.sub(m.start(), end),
        count=count,
        nationality=(
            _nationality(words)
            or _citizenship_after(clause.text[end:])
            or _country_after(clause.text[end:])
        ),
        perpetrator=head_word in lex.perpetrator_nouns,
        bare=head_word in _STATUS_HEADS,
        singular_definite=m.group("num").lower() in {"the", "their", "his", "her", "its"},
        object_start=_governed_from(clause, m.start()),
    )


def _citizenship_after(text: str) -> str | None:
    """'three employees of the company of Chinese citizenship': a nationality stated after."""
    m = re.match(
        r"[^.,;]{0,60}?\bof\s+(?P<nat>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)\s+"
        r"(?:citizenship|nationality)\b",
        text,
    )
    return load_lexicon().nationality_of.get(m.group("nat")) if m else None


_FROM_COUNTRY = re.compile(
    r"\s+from\s+(?:the\s+)?(?P<name>[A-Z][\w-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w-]*){0,3})"
)


def _country_after(text: str) -> str | None:
    """'three tourists from Spain's Catalunya region': the country they come from."""
    m = _FROM_COUNTRY.match(text)
    if m is None:
        return None
    words = re.sub(r"['’]s\b.*", "", m.group("name")).split()
    countries = load_world().countries
    for n in range(len(words), 0, -1):
        country = countries.get(normalize_name(" ".join(words[:n])))
        if country is not None:
            return country.country
    return None


_ATTRIBUTIVE = re.compile(
    r"(?i)[\s-]+(?:attacks?|groups?|organi[sz]ations?|outfits?|networks?|cells?|hideouts?|"
    r"camps?|bombings?|violence|acts?|plots?|threats?|incidents?|activit(?:y|ies)|strikes?|"
    r"assaults?|raids?|commanders?|leaders?|factions?|movements?|links?|financing|funding|"
    r"hotspots?|outrages?|atrocit(?:y|ies)|suspects?|fire|ambush(?:es)?|operations?)\b"
)


def _count(num: str, head_word: str, *, partitive: bool) -> int | None:
    """How many a quantity word counts: '12' -> 12, 'a guard' -> 1, 'the guards' -> None.

    'one of the workers' counts one; 'another wounded' and 'one dead' count one person; a
    couple is two.
    """
    plural = _is_plural(head_word)
    if partitive:
        return None if num in _DETERMINERS - {"one"} else parse_number(num)
    if num in _DETERMINERS:
        if head_word in _STATUS_HEADS and num in {"one", "another"}:
            return 1
        if plural:
            return None
        return 2 if head_word == "couple" and num != "one" else 1
    return parse_number(num)


def _governed_from(clause: Span, start: int) -> int | None:
    """Where the preposition or participle governing the phrase starts, if it is an object.

    'a guard accompanying the Japanese national died': the Japanese national did not.
    """
    before = clause.text[:start]
    governed = _OBJECT_BEFORE.search(before)
    if governed is None or LIVES_VERB.search(before) or _DEATHS_OF.search(before):
        return None
    return clause.start + governed.start()


_BARE_AFTER_VERB = re.compile(
    rf"(?i)\b(?:killed|killing|wounded|wounding|injured|injuring)\s+(?:at\s+least\s+|another\s+|"
    rf"over\s+|more\s+than\s+|nearly\s+|some\s+)?(?P<num>{NUMBER})(?=\s*(?:[,.;)]|and\b|in\b|"
    rf"when\b|as\b|after\b|before\b|others\b|more\b|$))"
)


_BARE_SUBJECT = re.compile(
    rf"(?i)(?<![\w,.-])(?P<num>{NUMBER})(?=\s+(?:were|was|have\s+been|has\s+been|had\s+been|"
    rf"others\s+were)\s+"
    rf"(?:also\s+)?(?:killed|injured|wounded|hurt|martyred)\b)"
)


_OF_THEM = re.compile(rf"(?i)\b(?P<num>{NUMBER})\s+of\s+(?:them|those|whom)\b")


def _last_nationality(text: str) -> str | None:
    """The nationality last named before a point: 'Chinese engineers ... two of them'."""
    lex = load_lexicon()
    found = [lex.nationality_of[m.group()] for m in lex.nationality_re.finditer(text)]
    return found[-1] if found else None


def _bare_counts(clause: Span, taken: list[Phrase]) -> list[Phrase]:
    """'wounded four', 'two were killed', 'two of them': a count with no noun of its own."""
    out: list[Phrase] = []
    matches = [
        *_BARE_AFTER_VERB.finditer(clause.text),
        *_BARE_SUBJECT.finditer(clause.text),
        *_OF_THEM.finditer(clause.text),
    ]
    for m in matches:
        span = clause.sub(m.start("num"), m.end() if m.re is _OF_THEM else m.end("num"))
        count = parse_number(m.group("num"))
        year_like = re.fullmatch(r"(?:19|20)\d\d", m.group("num")) is not None
        if (
            count is None
            or year_like
            or any(p.span.start <= span.start < p.span.end for p in [*taken, *out])
        ):
            continue
        nationality = _last_nationality(clause.text[: m.start()]) if m.re is _OF_THEM else None
        out.append(Phrase(span, count, nationality, False, nationality is None, False))
    return out


_HEADLINE_VICTIM = re.compile(
    r"^(?P<who>[A-Z][\w-]+)(?=\s+(?:kidnapped|abducted|killed|shot|murdered|injured|wounded|"
    r"stabbed|dies|died|beheaded)\b)"
)


def _headline_victim(clause: Span) -> list[Phrase]:
    """'Canadian kidnapped in Kaduna': a headline's singular demonym is one person ('Chinese',
    'Swiss' or 'British' could be many, so they count nobody)."""
    m = _HEADLINE_VICTIM.match(clause.text)
    lex = load_lexicon()
    if m is None or m["who"] not in lex.nationality_of:
        return []
    if m["who"].endswith(("ese", "ss", "ch", "sh", "s")):
        return []
    span = clause.sub(0, m.end())
    return [Phrase(span, 1, lex.nationality_of[m["who"]], False, False, False)]


_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{1,2}}"
"""'Grace Millane', 'José Pérez': two or three capitalised words, accents included."""
_NAME_LIST = rf"{_NAME}(?:\s*,\s*{_NAME})*(?:,?\s+and\s+{_NAME})?"
_NOT_A_NAME = frozenset(
    {"Minister", "President", "Prime", "Foreign", "General", "Governor", "Secretary", "Army"}
    | {"Police", "Embassy", "Ministry", "Council", "Company", "Group", "Corporation", "Province"}
    | {"State", "University", "Republic", "Government", "Forces", "Liberation", "Front", "Taliban"}
    | {"National", "International", "Airport", "Hotel", "Street", "Road", "District", "City"}
)


@functools.cache
def _demonym_then_names_re() -> re.Pattern[str]:
    lex = load_lexicon()
    demonyms = alternation([d for d in lex.nationality_of if d[0].isupper()], case_sensitive=True)
    nouns = alternation(sorted(lex.person_nouns))
    return re.compile(
        rf"(?<![\w-])(?P<nat>{demonyms})(?:\s+(?i:{nouns}))?\s+(?P<names>{_NAME_LIST})"
    )


_NAME_OF_COUNTRY = re.compile(
    rf"(?P<name>{_NAME})(?:,\s+\d+,)?\s+(?:of|from)\s+(?:the\s+)?"
    r"(?P<country>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)"
)


def _is_name(words: str) -> bool:
    return not any(w in _NOT_A_NAME for w in words.split())


def _named_victims(clause: Span, taken: list[Phrase]) -> list[Phrase]:
    """People named with their nationality: 'Canadians Robert Hall and John Ridsdel' (two),
    'British tourist Grace Millane', 'Maren Ueland of Norway', 'Jane Doe, 28, from Norway'."""
    lex, countries = load_lexicon(), load_world().countries
    found: list[Phrase] = []

    def add(start: int, end: int, count: int, nationality: str) -> None:
        span = clause.sub(start, end)
        if not any(p.span.start < span.end and span.start < p.span.end for p in [*taken, *found]):
            found.append(Phrase(span, count, nationality, False, False, False, named=True))

    if any(d in clause.text for d in ("of ", "from ")):
        for m in _NAME_OF_COUNTRY.finditer(clause.text):
            country = countries.get(normalize_name(m["country"]))
            if country is not None and _is_name(m["name"]):
                add(m.start(), m.end(), 1, country.country)
    for m in _demonym_then_names_re().finditer(clause.text):
        names = re.split(r"\s*,\s*(?:and\s+)?|,?\s+and\s+", m["names"])
        if all(_is_name(n) for n in names):
            add(m.start(), m.end(), len(names), lex.nationality_of[m["nat"]])
    return found


_MAY_NAME = re.compile(r"(?:^|[a-z,]\s+)[A-ZÀ-ÖØ-ÞĀ-Ž]\w+\s+[A-ZÀ-ÖØ-ÞĀ-Ž]")
"""Two capitalised words in a row: a person may be named there (a cheap test before the scan)."""


@functools.lru_cache(maxsize=4096)
def named_nationalities(text: str) -> frozenset[str]:
    """The nationalities of the people a text names ('British tourist Grace Millane').
    Remembered: relevance asks it of the same sentences for every event beside them."""
    if not _MAY_NAME.search(text):
        return frozenset()
    found = _named_victims(Span(0, len(text), text), [])
    return frozenset(p.nationality for p in found if p.nationality)


def find_phrases(clause: Span) -> list[Phrase]:
    """Counted phrases left to right, people named with their nationality, and bare counts
    after a casualty verb."""
    found = _noun_phrases(clause) or _headline_victim(clause)
    if _MAY_NAME.search(clause.text):
        found = [*found, *_named_victims(clause, found)]
    return sorted([*found, *_bare_counts(clause, found)], key=lambda p: p.span.start)


def _noun_phrases(clause: Span) -> list[Phrase]:
    """Counted noun phrases left to right; a rejected match retries from its next word."""
    out: list[Phrase] = []
    pos = 0
    while (m := _phrase_re().search(clause.text, pos)) is not None:
        adjectival = _adjectival_re().match(clause.text, m.start())
        phrase = _phrase_from(clause, adjectival) if adjectival else None
        if adjectival and phrase is not None:
            phrase = replace(phrase, adjective=_ADJECTIVE_STATUS[adjectival["adj"].lower()])
        else:
            phrase = _phrase_from(clause, m)
        if phrase is None:
            nxt = re.search(r"\s\S", clause.text[m.start() :])
            pos = m.start() + (nxt.start() + 1 if nxt else len(clause.text))
            continue
        out.append(phrase)
        pos = phrase.span.end - clause.start
    return out
