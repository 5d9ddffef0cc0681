"""Per-recipient watermarks for movement orders, and tracing a leaked copy to its recipient.

Why lexical: a leaked order is as likely to be retyped into a chat, photographed and OCR'd or
quoted in part as to be forwarded as a file, so invisible characters alone would be lost. The
order is therefore written with many *slots*, places where equivalent phrasings exist
("depart from"/"leave"/"move off from", "06:30"/"0630 hrs"/"6:30 am", "N-35"/"KKH",
"six"/"6", the order of interchangeable list items). Each recipient's copy picks one option
per slot from ``HMAC(secret, movement id, recipient id, slot id)``, so every copy says the same
thing in a different, reproducible way. A zero-width payload after each heading adds a
32-bit recipient tag for copies pasted verbatim; tracing works without it.

Tracing (:func:`trace`): normalise the leak, find every slot's phrase in it by approximate
search (:mod:`.text`), read which option is present where one clearly is, and score each
candidate by the log-likelihood ratio of "this candidate's copy, read with an error rate"
against "none of them" (options then look uniformly random). The posterior over the candidates
and the "none" hypothesis is the confidence, so an unrelated text, or a copy given to someone
who is not a candidate, comes out as no confident match.

The module is pure: no database, no I/O. :mod:`jsms.movements.orders.render` builds the
:class:`Skeleton` of a movement order; this module only knows slots and lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from jsms.movements.orders.watermark.detect import Observation, detect
from jsms.movements.orders.watermark.model import (
    Recipient,
    Skeleton,
    choice,
    find_invisible,
    invisible_tag,
)

__all__ = ["CONFIDENT", "Candidate", "TraceResult", "describe", "trace"]

CONFIDENT = 0.9
"""Below this posterior the tracer reports no confident match."""

# --- tracing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A possible source of a leak: one recipient's copy of one movement's order."""

    recipient: Recipient
    skeleton: Skeleton = field(repr=False)

    @property
    def recipient_id(self) -> str:
        return self.recipient.recipient_id

    @property
    def movement_id(self) -> str:
        return self.skeleton.movement_id

    def option(self, slot_id: str, k: int) -> int:
        r = self.recipient
        return choice(r.secret, self.movement_id, r.recipient_id, slot_id, k)


@dataclass(frozen=True)
class TraceResult:
    """One candidate's standing. ``confidence`` is its posterior probability of being the
    source, the rest going to the other candidates and to "none of them"."""

    recipient_id: str
    movement_id: str
    confidence: float
    log_likelihood_ratio: float
    matched: int
    mismatched: int
    observed: int
    invisible: Literal["match", "other", "absent"]


def trace(
    leaked_text: str,
    candidates: Sequence[Candidate],
    *,
    prior_none: float = 0.99,
    error_rate: float = 0.05,
) -> list[TraceResult]:
    """Rank candidates as the source of ``leaked_text``, best first.

    Per observed slot, where the leak allows a share ``s`` of the options (usually one of
    ``k``, so ``s = 1/k``), a candidate gains ``log((1-e)/s)`` if its option is allowed and
    ``log(e/(1-s))`` if not, against "none of them", under which options are uniform.
    ``error_rate`` (``e``) absorbs misreadings of retyped or edited text, and is doubled for
    weak readings (a small margin, or an option read from the absence of a longer one's
    words). An invisible payload equal to the candidate's tag adds 16 nats; a payload of
    someone else costs 4.

    ``prior_none`` is the prior of "none of the candidates" (the rest is shared equally).
    Why 0.99: under "none", each candidate's likelihood ratio has mean 1, so the chance that
    *any* of ``N`` candidates reaches confidence ``c`` is at most ``(1-p)/p * (1-c)/c``
    whatever ``N`` is: about 0.1% for 0.9 and 1% for 0.5 with ``p = 0.99``. Naming an
    innocent person is the costly error; the price is that very short leaks (about 10% of
    an order) are often not traced confidently. With no evidence nobody gets above 1%.
    """
    if not candidates:
        return []
    tags = find_invisible(leaked_text)
    observed: dict[int, list[Observation]] = {}  # by id(): hashing a skeleton is not free
    for cand in candidates:
        if id(cand.skeleton) not in observed:
            observed[id(cand.skeleton)] = detect(cand.skeleton, leaked_text)
    scored = []
    for cand in candidates:
        matched = mismatched = 0
        llr = 0.0
        for obs in observed[id(cand.skeleton)]:
            e = min(0.5, 2 * error_rate) if obs.weak else error_rate
            share = len(obs.options) / obs.k  # chance of a match under "none of them"
            if cand.option(obs.slot_id, obs.k) in obs.options:
                matched += 1
                llr += math.log((1 - e) / share)
            else:
                mismatched += 1
                llr += math.log(e / (1 - share))
        status: Literal["match", "other", "absent"] = "absent"
        if tags:
            r = cand.recipient
            mine = invisible_tag(r.secret, cand.movement_id, r.recipient_id)
            status = "match" if mine in tags else "other"
            llr += 16.0 if status == "match" else -4.0
        scored.append((cand, llr, matched, mismatched, len(observed[id(cand.skeleton)]), status))
    prior_each = math.log((1 - prior_none) / len(candidates))
    logits = [math.log(prior_none)] + [prior_each + s[1] for s in scored]
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    total = sum(weights)
    results = [
        TraceResult(
            recipient_id=cand.recipient_id,
            movement_id=cand.movement_id,
            confidence=w / total,
            log_likelihood_ratio=llr,
            matched=m,
            mismatched=mm,
            observed=n,
            invisible=status,
        )
        for (cand, llr, m, mm, n, status), w in zip(scored, weights[1:], strict=True)
    ]
    return sorted(results, key=lambda r: (-r.confidence, r.recipient_id))


def describe(results: Sequence[TraceResult], threshold: float = CONFIDENT) -> str:
    """One line for an investigator: the named recipient, or 'no confident match'."""
    if not results:
        return "no confident match: no candidates"
    best = results[0]
    evidence = f"{best.matched} of {best.observed} variant slots match" + (
        f", invisible mark {best.invisible}" if best.invisible != "absent" else ""
    )
    if best.confidence >= threshold:
        return (
            f"most likely recipient: {best.recipient_id} (movement {best.movement_id}), "
            f"confidence {best.confidence:.3f}; {evidence}"
        )
    return (
        f"no confident match (best {best.recipient_id}, confidence {best.confidence:.3f}; "
        f"{evidence})"
    )
