"""Text plumbing for OSINT extraction: sentences with offsets, and numbers written as words.

Every span keeps its offsets into the original article so that evidence quotes are always
verbatim substrings of it, whatever normalisation the matchers apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "NUMBER",
    "Span",
    "is_title_line",
    "parse_number",
    "reads_as_english",
    "split_clauses",
    "split_sentences",
]


@dataclass(frozen=True)
class Span:
    """A stretch of the article: ``text == article[start:end]``."""

    start: int
    end: int
    text: str

    def sub(self, start: int, end: int) -> Span:
        """The part of this span between two offsets relative to its start."""
        return Span(self.start + start, self.start + end, self.text[start:end])


_UNITS = {
    "zero": 0,
    "no": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "single": 1,
    "two": 2,
    "both": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD_NUMBER = (
    r"(?:(?:a|one|two|three|four|five|six|seven|eight|nine)\s+hundred|"
    r"(?:half\s+a|a|two|three)\s+dozen|a\s+couple\s+of|a\s+couple|a\s+single|"
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|"
    r"five|six|seven|eight|nine))?|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
)
"""Word counts, longest forms first so 'two dozen' is 24, not two."""
ATTACK_NOUNS = (
    r"(?:attacks?|bombings?|blast|explosion|shooting|assault|ambush|kidnapping|abduction|"
    r"massacre|killings?|siege|raid)"
)
"""Nouns that name one attack: what a date before them ('the 2021 bombing') or a count back
to them ('a year after the attack') is about."""
NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{_WORD_NUMBER})"
"""Regex (no groups) for a count written with digits or words: '13', '1,545', 'twenty-five'."""


def parse_number(text: str) -> int | None:
    """The integer a count spells ('Twenty-five' -> 25, 'a dozen' -> 12), else None."""
    words = re.sub(r"\s+", " ", text.strip().lower().replace(",", ""))
    if words.isdigit():
        return int(words)
    if words.endswith("dozen"):
        head = words.removesuffix("dozen").strip()
        return 6 if head == "half a" else 12 * (_UNITS.get(head, 1) or 1)
    if words.startswith("a couple"):
        return 2
    if words.endswith("hundred"):
        return 100 * (_UNITS.get(words.removesuffix("hundred").strip(), 1) or 1)
    if words in _UNITS:
        return _UNITS[words]
    if words.startswith("a single"):
        return 1
    parts = re.split(r"[- ]", words)
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_UNITS.get(parts[1], 0) if len(parts) > 1 else 0)
    return None


_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "lt",
        "col",
        "gen",
        "capt",
        "maj",
        "sgt",
        "gov",
        "sen",
        "rep",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "co",
        "ltd",
        "vs",
        "etc",
        "retd",
        "prof",
        "rev",
        "brig",
        "insp",
        "supt",
        "dept",
        "govt",
        "approx",
        "est",
        "u.s",
        "u.k",
        "u.n",
        "d.i",
        "a.m",
        "p.m",
    ]
)
_BOUNDARY = re.compile(r"[.!?][\"'”’)]*(?:\s+|(?=[A-Z][a-z]{2}))")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the full stop at ``dot`` ends an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:dot])
    if word is None:
        return False
    token = word.group(1).lower()
    return token in _ABBREVIATIONS or len(token) == 1


def _split_line(line: Span) -> list[Span]:
    """Sentences of one line; a boundary is [.!?] then space (or a glued capitalised word)."""
    out, begin = [], 0
    for match in _BOUNDARY.finditer(line.text):
        if _is_abbreviation(line.text, match.start()):
            continue
        if match.end() < len(line.text) and not re.match(
            r"[\"“‘'(\[A-Z0-9#]", line.text[match.end() :]
        ):
            continue
        out.append(line.sub(begin, match.end()))
        begin = match.end()
    out.append(line.sub(begin, len(line.text)))
    return out


def _trimmed(span: Span) -> Span | None:
    """The span without surrounding whitespace, or None if nothing is left."""
    left = len(span.text) - len(span.text.lstrip())
    right = len(span.text.rstrip())
    return span.sub(left, right) if right > left else None


def split_sentences(text: str) -> list[Span]:
    """Sentences with offsets; every line break also ends a sentence (headlines, datelines)."""
    sentences = []
    for line in re.finditer(r"[^\n]+", text):
        for piece in _split_line(Span(line.start(), line.end(), line.group())):
            trimmed = _trimmed(piece)
            if trimmed is not None:
                sentences.append(trimmed)
    return sentences


_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|\s+[–—─]\s+|\s+--?\s+|,\s+(?:and\s+|while\s+)?(?=(?:the\s+other|another\s+(?:one|in|at|near)|"
    r"the\s+second|the\s+latter)\b)|,?\s+while\s+|,?\s+whereas\s+"
)


def split_clauses(sentence: Span) -> list[Span]:
    """A sentence cut at semicolons, dashes, 'while' and 'the other' (enumerated events)."""
    out, begin = [], 0
    for match in _CLAUSE_BREAK.finditer(sentence.text):
        piece = _trimmed(sentence.sub(begin, match.start()))
        if piece is not None:
            out.append(piece)
        begin = match.end()
    tail = _trimmed(sentence.sub(begin, len(sentence.text)))
    if tail is not None:
        out.append(tail)
    return out


def is_title_line(sentence: Span, text: str) -> bool:
    """A short whole line without final punctuation: a headline or a section heading."""
    line_start = text.rfind("\n", 0, sentence.start) + 1
    line_end = text.find("\n", sentence.end)
    line_end = len(text) if line_end < 0 else line_end
    whole_line = text[line_start:line_end].strip() == sentence.text
    return whole_line and len(sentence.text) <= 160 and sentence.text[-1] not in '.!?"”:'


_ENGLISH_WORDS = frozenset(
    {"the", "of", "and", "to", "in", "a", "is", "was", "were", "on", "for", "that", "with"}
    | {"by", "at", "from", "as", "it", "has", "have", "are", "be", "said", "been", "an"}
    | {"their", "his", "her", "who", "which", "this", "after"}
)
ENGLISH_SHARE = 0.12
"""English news has a fifth to a third of its words among these; other languages a few %."""


def reads_as_english(text: str) -> bool:
    """Whether an article is in English, the only language the word lists read. Too short a
    text (under 30 words) is taken as English: there is too little to tell."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 30:
        return True
    return sum(w in _ENGLISH_WORDS for w in words) / len(words) >= ENGLISH_SHARE
