"""The OSINT word lists (``data/osint_lexicon.json``) loaded once and compiled to regexes.

Lists live in JSON so analysts can add a group alias or a district without touching code.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Lexicon", "Region", "alternation", "load_lexicon"]


def alternation(words: list[str], *, case_sensitive: bool = False) -> str:
    """A regex alternation of literal words, longest first, with word boundaries.

    The words are laid out as a prefix tree ('Afghan(?:s|istan)?'): Python's regex engine tries
    a flat alternation's branches one by one, so a list of a thousand demonyms or group names
    cost a thousand tries at every word; the tree costs one per letter. Greedy optional tails
    keep 'longest first'."""
    keys = {w if case_sensitive else w.lower() for w in words if w}
    trie: dict[str, Any] = {}
    for word in keys:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    inner = _trie_regex(trie)
    inner = inner if case_sensitive else f"(?i:{inner})"
    return rf"(?<![\w-])(?:{inner})(?![\w-])"


def _trie_regex(node: dict[str, Any]) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{body})?"
    return body


@dataclass(frozen=True)
class Region:
    """A district or city quarter missing from the gazetteer."""

    name: str
    province: str
    anchor: str | None
    report_as_anchor: bool


@dataclass(frozen=True)
class Lexicon:
    """Compiled word lists; see the JSON file for what each list means."""

    nationality_re: re.Pattern[str]
    nationality_of: dict[str, str]
    person_nouns: frozenset[str]
    perpetrator_nouns: frozenset[str]
    foreign_re: re.Pattern[str]
    foreign_heads: frozenset[str]
    security_re: re.Pattern[str]
    group_re: re.Pattern[str]
    group_of: dict[str, str]
    province_re: re.Pattern[str]
    province_of: dict[str, str]
    regions: dict[str, Region]
    region_re: re.Pattern[str]
    place_stopwords: frozenset[str]
    history_common_words: frozenset[str]


def _nationalities(raw: dict[str, list[str]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Demonyms (case-sensitive: 'US' the country, not 'us') mapped to ISO codes: every
    country's from the world gazetteer, the lexicon's own forms winning where they differ."""
    from jsms.geo.world import load_world

    of = dict(load_world().demonyms)
    of.update({form: iso for iso, forms in raw.items() for form in forms})
    return re.compile(alternation(list(of), case_sensitive=True)), of


def _groups(raw: list[dict[str, Any]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Group names (case-insensitive) and acronyms (case-sensitive) mapped to canonical names."""
    of: dict[str, str] = {}
    names, acronyms = [], []
    for group in raw:
        for alias in group["aliases"]:
            of[alias.casefold()] = group["name"]
            names.append(alias)
        for acronym in group["acronyms"]:
            of[acronym.casefold()] = group["name"]
            acronyms.append(acronym)
    pattern = f"{alternation(names)}|{alternation(acronyms, case_sensitive=True)}"
    return re.compile(pattern), of


def _provinces(raw: dict[str, list[str]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Province spellings; short all-caps forms ('KP', 'GB') match only in capitals."""
    of = {alias.casefold(): name for name, aliases in raw.items() for alias in aliases}
    short = [
        a for aliases in raw.values() for a in aliases if a.isupper() or ("-" in a and len(a) <= 4)
    ]
    long = [a for aliases in raw.values() for a in aliases if a not in short]
    pattern = f"{alternation(long)}|{alternation(short, case_sensitive=True)}"
    return re.compile(pattern), of


def _regions(raw: dict[str, Any]) -> dict[str, Region]:
    return {
        name.casefold(): Region(
            name=name,
            province=value["province"],
            anchor=value["anchor"],
            report_as_anchor=value["report_as"] == "anchor",
        )
        for name, value in raw.items()
        if not name.startswith("_")
    }


@functools.cache
def load_lexicon() -> Lexicon:
    """The packaged lexicon, parsed and compiled once per process."""
    raw = json.loads(
        resources.files("jsms.threat.data").joinpath("osint_lexicon.json").read_text("utf-8")
    )
    nationality_re, nationality_of = _nationalities(raw["nationalities"])
    group_re, group_of = _groups(raw["groups"])
    province_re, province_of = _provinces(raw["provinces"])
    regions = _regions(raw["regions"])
    return Lexicon(
        nationality_re=nationality_re,
        nationality_of=nationality_of,
        person_nouns=frozenset(raw["person_nouns"]),
        perpetrator_nouns=frozenset(raw["perpetrator_nouns"]),
        foreign_re=re.compile(alternation(raw["foreign_terms"])),
        foreign_heads=frozenset(raw["foreign_person_heads"]),
        security_re=re.compile(alternation(raw["security_terms"])),
        group_re=group_re,
        group_of=group_of,
        province_re=province_re,
        province_of=province_of,
        regions=regions,
        region_re=re.compile(alternation([r.name for r in regions.values()])),
        place_stopwords=frozenset(raw["place_stopwords"]),
        history_common_words=frozenset(w.casefold() for w in raw["history_common_words"]["words"]),
    )
