"""Read which variant of each slot a leaked text shows.

Each slot becomes a *probe*: one search pattern per option, ``left anchor + option + right
anchor``, the anchors being the fixed words around the slot. Slots separated by only a
word or punctuation within a sentence ("reg. X, armoured") are probed together as one
compound (every combination of their options), because an anchor of two characters would
pin nothing down; never across a sentence end, since excerpts split sentences apart.

Why calibrate: an order repeats itself ("from Port Qasim camp to Jinnah airport" is both a
key fact and a sentence; five vehicle lines differ only in a number), so a slot whose own
line is missing from an excerpt can still fit elsewhere. When a probe is compiled, its
patterns are searched in a few renderings of the order *without the probe's own line*;
the best such spurious fit caps the probe's acceptance threshold. Only fits better than
anything the rest of the order can produce count as seeing the slot.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from jsms.movements.orders.watermark.model import (
    Line,
    Recipient,
    Skeleton,
    Slot,
    line_text,
    realise_sources,
)
from jsms.movements.orders.watermark.text import EDIT, Hit, Pattern, normalise, search
from jsms.movements.orders.watermark.vocab import distinct_enough

__all__ = ["Observation", "detect", "probe_count"]

_ANCHOR = 18
"""Normalised characters of fixed text taken on each side of a slot."""
_KEY = 24
"""Normalised characters of a rotated line's start that identify it."""
_MIN_KEY = 10
"""Shorter line openings are too common to place a line by."""
_MIN_ANCHOR = 8
"""Context characters that must match for a slot to count as seen."""
_TOLERANCE = 0.15
"""Edits allowed per matched character (typos, OCR)."""
_MARGIN = EDIT
"""How much better (half edits) the best option must fit than the runner-up."""
_JOIN_GAP = 8
"""Slots closer than this (normalised characters) are probed as one compound."""
_MAX_COMBOS = 36
_SENTENCE_END = re.compile(r"[.;!?]\s")
_CORE_ERRORS = 0.25
"""Edits allowed in the option's own characters, where the alignment puts them."""
_SLACK = 4
_MARGIN_STRONG = 2 * EDIT
"""Readings with a smaller margin (half edits) are weak."""
_BIG_MARGIN = 1000
_CALIBRATION = (b"calibration-1", b"calibration-2", b"calibration-3")


@dataclass(frozen=True)
class Observation:
    """Which options of a slot the leak is consistent with (usually one), and how clearly.

    ``cost`` and ``margin`` are in half edits. ``weak`` marks readings that edits to the
    text could plausibly fake: a small margin; an option read because a longer option that
    contains it is absent ("Distance" where "Total distance" may have lost a word); and
    the order of interchangeable lines.
    """

    slot_id: str
    k: int
    options: tuple[int, ...]
    cost: int
    margin: int
    weak: bool


@dataclass(frozen=True)
class _Probe:
    parts: tuple[tuple[str, int], ...]
    """(slot id, option count) of each slot in the probe, most significant first."""
    patterns: tuple[Pattern, ...]
    line: int
    """id() of the skeleton line holding the probe (for calibration)."""
    threshold: float

    def decode(self, combo: int) -> list[tuple[str, int, int]]:
        out = []
        for slot_id, k in reversed(self.parts):
            combo, option = divmod(combo, k)
            out.append((slot_id, k, option))
        return out[::-1]


_Kind = Literal["fixed", "slot", "barrier"]
_Token = tuple[_Kind, str | Slot, int]


def _split(left_raw: str, core_raw: str, right_raw: str) -> Pattern:
    """Normalise the three parts so that they join exactly as the normalised whole."""
    left, core, right = normalise(left_raw), normalise(core_raw), normalise(right_raw)
    full = normalise(left_raw + core_raw + right_raw)
    for sep_l in ("", " "):
        for sep_r in ("", " "):
            a = left + sep_l if left else ""
            b = sep_r + right if right else ""
            if a + core + b == full:
                return Pattern(a[-_ANCHOR:] if a else "", core, b[:_ANCHOR])
    return Pattern("", full, "")


def _stream(lines: Iterable[Line]) -> list[_Token]:
    tokens: list[_Token] = []
    for line in lines:
        key = id(line)
        if line.style == "copy":
            tokens.append(("barrier", "", key))
            continue
        segs = (*line.label, ": ", *line.segs) if line.label else line.segs
        for seg in segs:
            tokens.append(("slot", seg, key) if isinstance(seg, Slot) else ("fixed", seg, key))
        tokens.append(("fixed", "\n", key))
    return tokens


def _fixed_run(tokens: list[_Token], start: int, step: int) -> str:
    texts: list[str] = []
    i = start
    while 0 <= i < len(tokens) and tokens[i][0] == "fixed":
        texts.append(str(tokens[i][1]))
        i += step
    return "".join(reversed(texts) if step < 0 else texts)


def _next_slot(tokens: list[_Token], start: int) -> tuple[int, str]:
    """Index of the next non-fixed token after ``start`` and the fixed text before it."""
    i = start + 1
    while i < len(tokens) and tokens[i][0] == "fixed":
        i += 1
    return i, "".join(str(t[1]) for t in tokens[start + 1 : i])


def _slot_probes(tokens: list[_Token]) -> list[_Probe]:
    probes = []
    i = 0
    while i < len(tokens):
        kind, value, line = tokens[i]
        if kind != "slot" or not isinstance(value, Slot):
            i += 1
            continue
        run, gaps, last = [value], [], i
        while True:
            j, gap = _next_slot(tokens, last)
            nxt = tokens[j] if j < len(tokens) else None
            if not (nxt and nxt[0] == "slot" and nxt[2] == line and isinstance(nxt[1], Slot)):
                break
            combos = len(nxt[1].options) * _combos(run)
            if len(normalise(gap)) >= _JOIN_GAP or combos > _MAX_COMBOS:
                break
            if _SENTENCE_END.search(gap + " "):
                break  # a quoted sentence often comes without its neighbour
            run.append(nxt[1])
            gaps.append(gap)
            last = j
        left, right = _fixed_run(tokens, i - 1, -1), _fixed_run(tokens, last + 1, 1)
        cores = []
        for combo in itertools.product(*(slot.options for slot in run)):
            pieces = [combo[0]]
            for gap, option in zip(gaps, combo[1:], strict=True):
                pieces += [gap, option]
            cores.append("".join(pieces))
        if distinct_enough(tuple(cores)):
            patterns = tuple(_split(left, core, right) for core in cores)
            parts = tuple((slot.slot_id, len(slot.options)) for slot in run)
            probes.append(_Probe(parts, patterns, line, _base_threshold(patterns)))
        i = last + 1
    return probes


@dataclass(frozen=True)
class _OrderProbe:
    """Interchangeable lines: where each is found in the leak tells the rotation."""

    slot_id: str
    keys: tuple[Pattern, ...]
    lines: tuple[int, ...]
    thresholds: tuple[float, ...]

    def consistent(self, order: list[int]) -> tuple[int, ...]:
        """Rotations under which the lines appear in ``order`` (a subsequence)."""
        k = len(self.keys)
        allowed = []
        for shift in range(k):
            rank = {line: (line - shift) % k for line in range(k)}
            if all(rank[a] < rank[b] for a, b in itertools.pairwise(order)):
                allowed.append(shift)
        return tuple(allowed)


def _combos(run: list[Slot]) -> int:
    total = 1
    for slot in run:
        total *= len(slot.options)
    return total


def _base_threshold(patterns: tuple[Pattern, ...]) -> float:
    """Skip at most all but ``_MIN_ANCHOR`` anchor characters, plus a tolerance of edits."""
    worst = 0.0
    for p in patterns:
        anchors = len(p.left) + len(p.right)
        need = min(_MIN_ANCHOR, anchors)
        worst = max(worst, (anchors - need) + EDIT * _TOLERANCE * (len(p.core) + need) + 1)
    return worst


def _uncalibrated(skeleton: Skeleton) -> tuple[list[_Probe], list[_OrderProbe]]:
    probes: list[_Probe] = []
    orders: list[_OrderProbe] = []
    tokens: list[_Token] = []
    for part in skeleton.parts:
        if isinstance(part, Line):
            tokens.extend(_stream([part]))
            continue
        # A rotation: its lines move, so no anchor reaches across its edges. Its order is read
        # from where each line's opening words appear, which survives dropped lines.
        probes.extend(_slot_probes(tokens))
        tokens = [("barrier", "", 0)]
        keys = []
        for line in part.lines:
            item = _stream([line])
            probes.extend(_slot_probes(item))
            keys.append(Pattern("", normalise(_fixed_run(item, 0, 1))[:_KEY], ""))
        readable = len(keys) > 1 and min(len(p.core) for p in keys) >= _MIN_KEY
        if readable and distinct_enough(tuple(p.core for p in keys), minimum=4):
            limits = tuple(EDIT * _TOLERANCE * len(p.core) + 1 for p in keys)
            lines = tuple(id(line) for line in part.lines)
            orders.append(_OrderProbe(part.slot_id, tuple(keys), lines, limits))
    probes.extend(_slot_probes(tokens))
    return probes, orders


@lru_cache(maxsize=32)
def _probes(skeleton: Skeleton) -> tuple[tuple[_Probe, ...], tuple[_OrderProbe, ...]]:
    """Probes with thresholds capped below the best fit the rest of the order offers."""
    probes, orders = _uncalibrated(skeleton)
    # Each probe (or order key) is searched in renderings without its own line(s).
    groups: dict[frozenset[int], list[Pattern]] = {}
    for probe in probes:
        groups.setdefault(frozenset([probe.line]), []).extend(probe.patterns)
    for order in orders:
        groups.setdefault(frozenset(order.lines), []).extend(order.keys)
    spurious: dict[Pattern, float] = {}
    for secret in _CALIBRATION:
        rendering = realise_sources(skeleton, Recipient("calibration", secret, invisible=False))
        for own, patterns in groups.items():
            rest = "\n".join(line_text(r) for src, r in rendering if id(src) not in own)
            for pattern, hit in zip(patterns, search(patterns, normalise(rest)), strict=True):
                spurious[pattern] = min(spurious.get(pattern, float("inf")), hit.cost)
    calibrated = tuple(
        replace(p, threshold=min(p.threshold, min(spurious[q] for q in p.patterns) - EDIT))
        for p in probes
    )
    calibrated_orders = tuple(
        replace(o, thresholds=tuple(
            min(t, spurious[key] - EDIT) for t, key in zip(o.thresholds, o.keys, strict=True)
        ))
        for o in orders
    )  # fmt: skip
    return calibrated, calibrated_orders


def probe_count(skeleton: Skeleton) -> int:
    """How many slots the tracer can read (for reports and tests)."""
    probes, orders = _probes(skeleton)
    readable = {slot_id for p in probes if p.threshold >= 0 for slot_id, _k in p.parts}
    return len(readable) + len(orders)


def detect(skeleton: Skeleton, leaked_text: str) -> list[Observation]:
    """Read which option of each slot the leak shows (slots it does not show are left out).

    A probe counts as seen when its best option fits within the probe's threshold, clearly
    better than every other option, and the option's own words are really where the
    alignment puts them (otherwise a leak that dropped the words would read as the shortest
    option, which is the cheapest to delete). Two probes may not claim the same stretch of
    the leak; the better fit keeps it. Interchangeable lines give an observation that may
    allow several rotations (those consistent with the order their openings appear in).
    """
    all_probes, orders = _probes(skeleton)
    probes = [p for p in all_probes if p.threshold >= 0]
    text = normalise(leaked_text)
    patterns = [q for p in probes for q in p.patterns]
    patterns += [key for o in orders for key in o.keys]
    hits = search(patterns, text)
    found: list[tuple[float, int, int, list[Observation]]] = []
    at = 0
    for probe in probes:
        k = len(probe.patterns)
        mine = hits[at : at + k]
        at += k
        best, margin = _best(probe, mine)
        hit = mine[best]
        weak = margin < _MARGIN_STRONG or _contained(probe, best)
        core = probe.patterns[best].core
        if hit.cost > probe.threshold or margin < _MARGIN:
            continue
        window = text[max(0, hit.core_start - _SLACK) : hit.core_end + _SLACK]
        if _infix_distance(core, window) > round(_CORE_ERRORS * len(core)):
            continue  # the anchors fit but the option's own words are not there
        own = _distinct(probe, best)
        if own and _infix_distance(own, window) > round(_CORE_ERRORS * len(own)):
            continue  # the words that tell the options apart were dropped
        observations = [
            Observation(slot_id, slot_k, (option,), hit.cost, margin, weak)
            for slot_id, slot_k, option in probe.decode(best)
        ]
        fit = hit.cost / max(1, len(probe.patterns[best].text))
        found.append((fit, hit.core_start + 1, hit.core_end - 1, observations))
    claimed: list[tuple[int, int]] = []
    seen: list[Observation] = []
    for _fit, start, end, observations in sorted(found, key=lambda f: f[0]):
        end = max(end, start + 1)
        if any(start < e and s < end for s, e in claimed):
            continue
        claimed.append((start, end))
        seen.extend(observations)
    for order in orders:
        k = len(order.keys)
        mine = hits[at : at + k]
        at += k
        placed = sorted(
            (hit.core_start, line)
            for line, (hit, limit) in enumerate(zip(mine, order.thresholds, strict=True))
            if hit.cost <= limit
        )
        if len(placed) < 2:
            continue
        allowed = order.consistent([line for _pos, line in placed])
        if 0 < len(allowed) < k:
            seen.append(Observation(order.slot_id, k, allowed, 0, 0, True))
    return _merged(seen)


def _merged(seen: list[Observation]) -> list[Observation]:
    """One observation per slot: the items of a list share a slot, and reading it in three
    items is one piece of evidence, not three. Readings that disagree allow every option read
    and count as weak."""
    by_slot: dict[str, list[Observation]] = {}
    for obs in seen:
        by_slot.setdefault(obs.slot_id, []).append(obs)
    merged = []
    for slot_id, readings in by_slot.items():
        if len(readings) == 1:
            merged.append(readings[0])
            continue
        options = tuple(sorted({o for r in readings for o in r.options}))
        agree = all(r.options == readings[0].options for r in readings)
        merged.append(
            Observation(
                slot_id,
                readings[0].k,
                options,
                min(r.cost for r in readings),
                max(r.margin for r in readings),
                not agree or all(r.weak for r in readings),
            )
        )
    return merged


def _best(probe: _Probe, hits: list[Hit]) -> tuple[int, int]:
    """The best-fitting option and its margin over the others.

    An option contained in a longer one ("Distance" in "Total distance") fits wherever the
    longer one does once an anchor is cut, so on a tie the longer one wins, and options it
    contains do not count against its margin.
    """
    cores = [p.core for p in probe.patterns]
    ranked = sorted(range(len(hits)), key=lambda o: (hits[o].cost, -len(cores[o])))
    best = ranked[0]
    rivals = [
        hits[o].cost
        for o in ranked[1:]
        if not (cores[o] in cores[best] and hits[o].cost >= hits[best].cost)
    ]
    return best, (min(rivals) if rivals else _BIG_MARGIN) - hits[best].cost


@lru_cache(maxsize=4096)
def _contained(probe: _Probe, option: int) -> bool:
    """True if the option's text is part of another option's text."""
    core = probe.patterns[option].core
    return any(core in p.core for n, p in enumerate(probe.patterns) if n != option)


def _shared_prefix(texts: list[str]) -> int:
    n = 0
    while all(len(t) > n and t[n] == texts[0][n] for t in texts):
        n += 1
    return n


@lru_cache(maxsize=4096)
def _distinct(probe: _Probe, option: int) -> str:
    """What sets one option apart: its core minus the prefix and suffix all options share."""
    cores = [p.core for p in probe.patterns]
    head = _shared_prefix(cores)
    tail = _shared_prefix([c[head:][::-1] for c in cores])
    core = cores[option]
    return core[head : len(core) - tail].strip()


def _infix_distance(needle: str, haystack: str) -> int:
    """Fewest edits to find ``needle`` somewhere in ``haystack`` (small strings)."""
    previous = [0] * (len(haystack) + 1)
    for i, a in enumerate(needle, 1):
        current = [i]
        for j, b in enumerate(haystack, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return min(previous)
