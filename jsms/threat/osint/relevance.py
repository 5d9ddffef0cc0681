"""Is an article about the safety of foreign nationals at all, and in which country?

Relevant means: some sentence speaks of foreigners (a nationality other than the host
country's with a person word, or 'foreign nationals', 'foreigners') together with security or
violence, and the article is set somewhere the gazetteers know. The host country is where the
article's places lie, so 'Pakistani engineers' are foreigners in Tajikistan and 'Chinese
engineers' in Pakistan. A cricket report about 'the Australian bowling attack' is not relevant.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from jsms.threat.osint.lexicon import load_lexicon
from jsms.threat.osint.places import HOME_COUNTRY, PlaceMention, find_places
from jsms.threat.osint.text import Span, split_sentences
from jsms.threat.osint.types import find_cues

__all__ = ["assess", "host_country", "is_relevant", "mentions_foreigners"]

_PERSON_AFTER = re.compile(r"\s*(?:among|were|was|have|had|killed|injured|wounded|nationals?)\b")


def mentions_foreigners(sentence: str, host: str | None = HOME_COUNTRY) -> bool:
    """A nationality other than the host's followed closely by a person word, or 'foreigners'."""
    lex = load_lexicon()
    if lex.foreign_re.search(sentence):
        return True
    for m in lex.nationality_re.finditer(sentence):
        if lex.nationality_of[m.group()] == host:
            continue
        following = re.findall(r"[\w'’-]+", sentence[m.end() : m.end() + 40])[:3]
        if any(w.lower().strip("'’") in lex.foreign_heads for w in following):
            return True
        if _PERSON_AFTER.match(sentence[m.end() :]):
            return True
    return False


def _about_security(sentence: Span) -> bool:
    """Security or violence words, attack words that are not cricket ('bowling attack')."""
    lex = load_lexicon()
    if find_cues(sentence):
        return True
    words = lex.security_re.findall(sentence.text)
    return any(w.lower() not in {"attack", "attacks", "attacked"} for w in words)


def host_country(places: Sequence[PlaceMention], countries: frozenset[str]) -> str | None:
    """The country most of the article's towns and provinces lie in; else the one country it
    names; else the home country when it is named or nothing is."""
    located = Counter(p.country for p in places if p.rank >= 1 and p.country)
    if located:
        return located.most_common(1)[0][0]
    if len(countries) == 1:
        return next(iter(countries))
    return HOME_COUNTRY if not countries or HOME_COUNTRY in countries else None


def assess(sentences: Sequence[Span], countries: frozenset[str]) -> tuple[bool, str | None]:
    """(relevant, host country) of an article already split into sentences."""
    places = [p for s in sentences for p in find_places(s, countries)]
    host = host_country(places, countries)
    if not places:
        return False, host
    about = any(mentions_foreigners(s.text, host) and _about_security(s) for s in sentences)
    return about, host


def is_relevant(text: str, title: str | None = None) -> bool:
    """True when the article reports or discusses threats to foreigners somewhere known."""
    from jsms.threat.osint.places import article_countries

    sentences = split_sentences(f"{title}\n{text}" if title else text)
    return assess(sentences, article_countries(sentences))[0]
