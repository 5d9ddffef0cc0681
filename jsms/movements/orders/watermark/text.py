"""Text normalisation and approximate phrase search for watermark tracing.

A leaked order reaches us retyped, OCR'd, pasted through chat apps or quoted in part, so the
tracer never compares raw strings. Both the leak and every variant phrase go through
:func:`normalise` (case, accents, quotes, dashes, punctuation, invisible characters, Cyrillic
and Greek look-alikes, OCR confusions such as ``0``/``o`` and ``1``/``l``), and phrases are
then found by edit distance, so a typo costs one edit instead of losing the phrase.

:func:`search` is the hot loop: it aligns a batch of patterns against the whole leak at once
with numpy (one row of the edit-distance table per pattern character, vectorised across all
patterns and all text positions). Each pattern is ``left anchor + core + right anchor``; the
core is the variant being tested, the anchors are the fixed words around it that pin it to
one place in the order. An excerpt or a sentence boundary often cuts an anchor, so leaving
out characters at the outer ends of the anchors costs half an edit each, while the core and
the inner part of the anchors cost full edits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "EDIT",
    "Hit",
    "Pattern",
    "edit_distance",
    "invisible_free",
    "normalise",
    "search",
]

EDIT = 2
"""Cost of one substitution, insertion or deletion; skipping an outer anchor character is 1."""

# Characters that do not render: zero-width spaces and joiners, word joiner, BOM, soft hyphen,
# bidi controls. Unicode category Cf covers them all; listed ones are the usual suspects.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)

# Look-alike letters (written as escapes so the source stays plain ASCII): Cyrillic, Greek,
# then Latin letters that retyping or OCR turns into a plain one.
_LOOKALIKES = (
    ("\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456", "aeopcyxi"),
    ("\u0458\u0455\u0501\u04bb\u051b\u051d\u04cf\u0475", "jsdhqwlv"),
    ("\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420", "abekmhop"),
    ("\u0421\u0422\u0423\u0425\u0406\u0408\u0405", "ctyxijs"),
    ("\u03bf\u03b1\u03bd\u03c1\u03c4\u03b9\u03ba\u03c5", "oavptiku"),
    ("\u0391\u0392\u0395\u0397\u0399\u039a\u039c\u039d", "abehikmn"),
    ("\u039f\u03a1\u03a4\u03a7\u03a5\u0396", "optxyz"),
    ("\u0131\u0142\u00f8\u0111", "llod"),
)
# OCR and retyping confusions: each class collapses to one character.
_CONFUSABLES = {a: b for keys, values in _LOOKALIKES for a, b in zip(keys, values, strict=True)}
_CONFUSABLES |= {"0": "o", "1": "l", "i": "l", "|": "l"}
_CONFUSABLES |= {"\u00df": "ss", "\u00e6": "ae", "\u0153": "oe"}
# Resolve chains (Greek iota -> i -> l) so that one pass gives the final character.
for _ in range(3):
    _CONFUSABLES = {k: "".join(_CONFUSABLES.get(c, c) for c in v) for k, v in _CONFUSABLES.items()}
_TRANSLATE = str.maketrans(_CONFUSABLES)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def invisible_free(text: str) -> str:
    """The text without zero-width and other non-rendering characters."""
    return _INVISIBLE.sub("", text)


def normalise(text: str) -> str:
    """Canonical form for comparison: lower-case ASCII letters and digits, single spaces.

    Idempotent, and applied identically to leaks and to patterns, so a mapping that merges two
    characters (``1`` and ``l``) only ever costs a little discrimination, never a false
    mismatch.
    """
    text = invisible_free(text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TRANSLATE)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_TRANSLATE)  # casefold can produce mapped characters again
    return _NON_ALNUM.sub(" ", text).strip()


def edit_distance(a: str, b: str) -> int:
    """Plain Levenshtein distance (small strings: option sets, tests)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Pattern:
    """``left + core + right``, already normalised (anchors may be empty)."""

    left: str
    core: str
    right: str

    @property
    def text(self) -> str:
        return self.left + self.core + self.right


@dataclass(frozen=True)
class Hit:
    """Best place of one pattern in the text; ``cost`` in half edits (see :data:`EDIT`)."""

    cost: int
    core_start: int
    core_end: int


_CHUNK = 48
_BIG = 30000
"""An unreachable cost; int16 holds every real one (patterns are short, windows bounded)."""
_RUN = 64
"""Longest run of inserted text characters the search follows exactly (see the scan)."""
_WINDOW = 12000
"""Text characters searched at once (memory: patterns per chunk x window x 4 bytes x 4)."""


_ALPHABET = "abcdefghjkmnopqrstuvwxyz23456789 l"
"""Every character :func:`normalise` can produce (i, 0 and 1 are folded into l and o)."""
_INDEX = np.full(128, len(_ALPHABET), dtype=np.intp)
_INDEX[[ord(ch) for ch in _ALPHABET]] = np.arange(len(_ALPHABET))
_PAD = len(_ALPHABET) + 1
"""Index of a padding character that matches nothing (patterns shorter than their chunk)."""


def _codes(text: str) -> np.ndarray:
    """Alphabet indices of a normalised text (anything else maps to one spare index)."""
    raw = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return _INDEX[np.minimum(raw, 127)]


def search(patterns: Sequence[Pattern], text: str) -> list[Hit]:
    """Best approximate occurrence of each pattern in ``text`` (both normalised).

    Semi-global alignment: the pattern must be consumed, the text is free at both ends.
    Skipping the first characters of the left anchor or the last ones of the right anchor
    costs 1 each; every other edit costs :data:`EDIT`. Long texts are searched in
    overlapping windows so memory stays bounded.
    """
    if not patterns:
        return []
    if not text:
        return [Hit(cost=_BIG, core_start=0, core_end=0) for _ in patterns]
    overlap = 4 * max(len(p.text) for p in patterns) + 16
    best: list[Hit] = []
    for offset in range(0, max(1, len(text) - overlap), _WINDOW - overlap):
        window = text[offset : offset + _WINDOW]
        hits = _search_window(patterns, window)
        hits = [Hit(h.cost, h.core_start + offset, h.core_end + offset) for h in hits]
        if best:
            hits = [min(a, b, key=lambda h: h.cost) for a, b in zip(best, hits, strict=True)]
        best = hits
        if offset + _WINDOW >= len(text):
            break
    return best


def _search_window(patterns: Sequence[Pattern], text: str) -> list[Hit]:
    hits: list[Hit | None] = [None] * len(patterns)
    codes = _codes(text)
    # mismatch[c, j]: cost of aligning alphabet character c with text character j.
    alphabet = np.arange(_PAD + 1)[:, None]
    mismatch = ((alphabet != codes[None, :]) * EDIT).astype(np.int16)
    mismatch[_PAD] = EDIT
    order = sorted(range(len(patterns)), key=lambda k: len(patterns[k].text))
    for start in range(0, len(order), _CHUNK):
        chunk = order[start : start + _CHUNK]
        _search_chunk([patterns[k] for k in chunk], mismatch, chunk, hits)
    return [h if h is not None else Hit(_BIG, 0, 0) for h in hits]


def _search_chunk(
    patterns: list[Pattern],
    mismatch: np.ndarray,
    slots: list[int],
    hits: list[Hit | None],
) -> None:
    count = len(patterns)
    lengths = np.array([len(p.text) for p in patterns], dtype=np.int16)
    lefts = np.array([len(p.left) for p in patterns], dtype=np.int16)
    core_ends = lefts + np.array([len(p.core) for p in patterns], dtype=np.int16)
    width = int(lengths.max())
    chars = np.full((count, width), _PAD, dtype=np.intp)
    for row, pattern in enumerate(patterns):
        if pattern.text:
            chars[row, : len(pattern.text)] = _codes(pattern.text)
    n = mismatch.shape[1]
    previous = np.zeros((count, n + 1), dtype=np.int16)  # row 0: start anywhere for free
    best_cost = np.full(count, _BIG, dtype=np.int16)
    best_col = np.zeros(count, dtype=np.intp)
    best_row = np.zeros(count, dtype=np.intp)
    for i in range(1, width + 1):
        current = np.empty((count, n + 1), dtype=np.int16)
        current[:, 0] = i * EDIT
        np.add(previous[:, :-1], mismatch[chars[:, i - 1]], out=current[:, 1:])
        np.minimum(current[:, 1:], previous[:, 1:] + EDIT, out=current[:, 1:])
        # Runs of extra text characters (insertions): a min-plus scan by doubling, exact for
        # runs shorter than 2 * _RUN, which already cost more than any threshold allows.
        shift = 1
        while shift < _RUN and shift <= n:
            np.minimum(
                current[:, shift:], current[:, :-shift] + EDIT * shift, out=current[:, shift:]
            )
            shift *= 2
        # Starting inside the left anchor: the skipped characters cost 1 each.
        starting = np.nonzero(i <= lefts)[0]
        if len(starting):
            current[starting] = np.minimum(current[starting], i)
        # Stopping inside the right anchor (after the whole core): the rest costs 1 each.
        live = (i >= core_ends) & (i <= lengths)
        if live.any():
            rows = np.nonzero(live)[0]
            sub = current[rows]
            cols = sub.argmin(axis=1)
            costs = sub[np.arange(len(rows)), cols] + (lengths[rows] - i)
            better = costs < best_cost[rows]
            if better.any():
                chosen = rows[better]
                best_cost[chosen] = costs[better]
                best_col[chosen] = cols[better]
                best_row[chosen] = i
        previous = current
    for row, pattern in enumerate(patterns):
        # Column c means the alignment ended after text character c-1; walk back over the part
        # of the pattern consumed after the core to locate the core (approximate with indels).
        end = int(best_col[row]) - (int(best_row[row]) - int(core_ends[row]))
        start = end - len(pattern.core)
        hits[slots[row]] = Hit(cost=int(best_cost[row]), core_start=start, core_end=end)
