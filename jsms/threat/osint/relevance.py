"""Is an article about the safety of foreign nationals in Pakistan at all?

Relevant means: some sentence speaks of foreigners (a non-Pakistani nationality with a
person word, or 'foreign nationals', 'foreigners') together with security or violence, and
the article is set in Pakistan. A cricket report about 'the Australian bowling attack' is not.
"""

from __future__ import annotations

import re

from jsms.threat.osint.lexicon import load_lexicon
from jsms.threat.osint.places import find_places
from jsms.threat.osint.text import Span, split_sentences
from jsms.threat.osint.types import find_cues

__all__ = ["is_relevant", "mentions_foreigners"]

_PAKISTAN = re.compile(
    r"\bPakistan|\bKarachi\b|\bIslamabad\b|\bLahore\b|\bQuetta\b|\bPeshawar\b|\bGwadar\b|"
    r"\bBalochistan\b|\bBaluchistan\b|\bSindh\b|\bPunjab\b|\bKhyber\b|\bCPEC\b"
)


def mentions_foreigners(sentence: str) -> bool:
    """A non-Pakistani nationality followed closely by a person word, or 'foreigners'."""
    lex = load_lexicon()
    if lex.foreign_re.search(sentence):
        return True
    for m in lex.nationality_re.finditer(sentence):
        if lex.nationality_of[m.group()] == "PK":
            continue
        following = re.findall(r"[\w'’-]+", sentence[m.end() : m.end() + 40])[:3]
        if any(w.lower().strip("'’") in lex.foreign_heads for w in following):
            return True
        if re.match(
            r"\s*(?:among|were|was|have|had|killed|injured|wounded|nationals?)\b",
            sentence[m.end() :],
        ):
            return True
    return False


def _about_security(sentence: Span) -> bool:
    """Security or violence words, attack words that are not cricket ('bowling attack')."""
    lex = load_lexicon()
    if find_cues(sentence):
        return True
    words = lex.security_re.findall(sentence.text)
    return any(w.lower() not in {"attack", "attacks", "attacked"} for w in words)


def _in_pakistan(sentences: list[Span]) -> bool:
    """Pakistan named, or any place the gazetteer or the lexicon knows."""
    return any(_PAKISTAN.search(s.text) or find_places(s) for s in sentences)


def is_relevant(text: str, title: str | None = None) -> bool:
    """True when the article reports or discusses threats to foreigners in Pakistan."""
    sentences = split_sentences(f"{title}\n{text}" if title else text)
    about_foreigners = any(mentions_foreigners(s.text) and _about_security(s) for s in sentences)
    return about_foreigners and _in_pakistan(sentences)
