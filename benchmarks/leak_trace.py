"""How well does a leaked movement order name its recipient?

Run ``.venv/bin/python benchmarks/leak_trace.py`` (or ``-m benchmarks.leak_trace``; options
``--trials N --recipients N --seed S``). One synthetic order is issued to 50 recipients (each
copy watermarked for its recipient); each trial picks a recipient at random and leaks their
copy under one condition:

* full copy as plain text, as HTML reduced to its visible text, as PDF text (pypdf,
  pdftotext or the built-in reader, whichever is available);
* a random 40% excerpt: one contiguous block of lines, or sentences scattered over the order;
* retyped: zero-width characters gone, lines reflowed, case changed, smart quotes plain,
  about 2% of characters mistyped (full copy, and 40% excerpts);
* paraphrased a bit: retyped, then 20% of the words dropped (full copy and 40% excerpt);
* beyond the issue's check, rows marked "limits": OCR-grade noise (5% of characters wrong)
  and retyped excerpts of only 20% and 10% of the order.

The tracer ranks the 50 recipients; top-1 accuracy counts a correct first place with
confidence >= 0.9 ("named"), and also a correct first place at any confidence. The false
positive rate is measured on copies of unrelated orders (other movements issued to other
people) and on unrelated prose: a false positive is any candidate named with confidence
>= 0.9 (and, stricter, >= 0.5). The tracer's prior on "none of the candidates" is 0.99,
which bounds that rate by about 0.1% (1% at 0.5) whatever the number of candidates.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsms.movements.orders.leak_simulation import (
    drop_words,
    example_order,
    excerpt_contiguous,
    excerpt_sentences,
    make_recipients,
    retype,
)
from jsms.movements.orders.leak_trace import text_from_html, text_from_pdf
from jsms.movements.orders.render import render_html, render_pdf, render_text
from jsms.movements.orders.watermark import CONFIDENT, Recipient, probe_count, trace
from jsms.movements.orders.wording import candidates_for

Leak = Callable[[Recipient, random.Random], str]


@dataclass
class Tally:
    trials: int = 0
    named: int = 0
    top1: int = 0
    confidences: list[float] = field(default_factory=list)
    observed: list[int] = field(default_factory=list)
    mismatched: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _pdf_route() -> str:
    try:
        import pypdf  # noqa: F401

        return "pypdf"
    except ImportError:
        import shutil

        return "pdftotext" if shutil.which("pdftotext") else "built-in reader"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="leaks per condition")
    parser.add_argument("--recipients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    secret = b"benchmark-watermark-secret-0001"
    content = example_order(0)
    recipients = make_recipients(args.recipients, secret)
    candidates = candidates_for(content, recipients)
    texts: dict[str, str] = {}

    def text(r: Recipient) -> str:
        if r.recipient_id not in texts:
            texts[r.recipient_id] = render_text(content, r)
        return texts[r.recipient_id]

    conditions: dict[str, Leak] = {
        "full copy: text": lambda r, g: text(r),
        "full copy: HTML -> text": lambda r, g: text_from_html(render_html(content, r)),
        "full copy: PDF -> text": lambda r, g: text_from_pdf(render_pdf(content, r)),
        "40% excerpt: contiguous": lambda r, g: excerpt_contiguous(text(r), 0.4, g),
        "40% excerpt: scattered sentences": lambda r, g: excerpt_sentences(text(r), 0.4, g),
        "retyped: full copy": lambda r, g: retype(text(r), g),
        "retyped: 40% contiguous": lambda r, g: retype(excerpt_contiguous(text(r), 0.4, g), g),
        "retyped: 40% sentences": lambda r, g: retype(excerpt_sentences(text(r), 0.4, g), g),
        "paraphrased: full, 20% words dropped": lambda r, g: drop_words(retype(text(r), g), 0.2, g),
        "paraphrased: 40% excerpt, 20% dropped": lambda r, g: drop_words(
            retype(excerpt_sentences(text(r), 0.4, g), g), 0.2, g
        ),
        # Beyond the check, to show where tracing gives out:
        "limits: OCR-grade, 5% typos, 40%": lambda r, g: retype(
            excerpt_sentences(text(r), 0.4, g), g, typo_rate=0.05
        ),
        "limits: retyped 20% sentences": lambda r, g: retype(excerpt_sentences(text(r), 0.2, g), g),
        "limits: retyped 10% sentences": lambda r, g: retype(excerpt_sentences(text(r), 0.1, g), g),
    }
    console = Console(width=150)
    console.print(
        f"order {content.reference}: {len(text(recipients[0]))} characters, "
        f"{probe_count(candidates[0].skeleton)} readable slots; {len(recipients)} recipients; "
        f"{args.trials} trials per condition; PDF text via {_pdf_route()}"
    )
    trace(text(recipients[0]), candidates)  # compile the order's probes once, outside timings

    tallies: dict[str, Tally] = {}
    for n, (name, leak) in enumerate(conditions.items()):
        rng = random.Random(args.seed * 1000 + n)
        tally = tallies[name] = Tally()
        for _ in range(args.trials):
            recipient = rng.choice(recipients)
            leaked = leak(recipient, rng)
            started = time.perf_counter()
            results = trace(leaked, candidates)
            tally.seconds += time.perf_counter() - started
            best = results[0]
            truth = next(r for r in results if r.recipient_id == recipient.recipient_id)
            tally.trials += 1
            tally.top1 += best.recipient_id == recipient.recipient_id
            tally.named += (
                best.recipient_id == recipient.recipient_id and best.confidence >= CONFIDENT
            )
            tally.confidences.append(best.confidence)
            tally.observed.append(truth.observed)
            tally.mismatched.append(truth.mismatched)

    table = Table(title=f"Leak tracing among {len(recipients)} recipients")
    for column in (
        "condition",
        "trials",
        "named (top-1, conf>=0.9)",
        "top-1",
        "median conf.",
        "min conf.",
        "slots read",
        "misread",
        "ms/trace",
    ):
        table.add_column(column, justify="left" if column == "condition" else "right")
    for name, t in tallies.items():
        misread = sum(t.mismatched) / max(1, sum(t.observed))
        table.add_row(
            name,
            str(t.trials),
            f"{t.named / t.trials:.1%}",
            f"{t.top1 / t.trials:.1%}",
            f"{statistics.median(t.confidences):.3f}",
            f"{min(t.confidences):.3f}",
            f"{statistics.mean(t.observed):.1f}",
            f"{misread:.1%}",
            f"{1000 * t.seconds / t.trials:.0f}",
        )
    console.print(table)

    # False positives: leaks that come from none of the candidates.
    rng = random.Random(args.seed + 7)
    unrelated: dict[str, list[str]] = {
        "other movements (full copies)": [],
        "other movements (40%)": [],
        "other movements (20%)": [],
    }
    for n in range(args.trials):
        other = example_order(1 + n)  # different movement ids, dates, times, routes
        stranger = Recipient(f"X{n:03d}", secret)
        full = render_text(other, stranger)
        unrelated["other movements (full copies)"].append(full)
        unrelated["other movements (40%)"].append(retype(excerpt_sentences(full, 0.4, rng), rng))
        unrelated["other movements (20%)"].append(retype(excerpt_sentences(full, 0.2, rng), rng))
    outsiders = [Recipient(f"O{n:03d}", secret) for n in range(args.trials)]
    unrelated["same movement, non-candidate"] = [render_text(content, o) for o in outsiders]
    unrelated["unrelated prose"] = [_prose(rng) for _ in range(args.trials)]
    fp = Table(title="False positives (leaks from none of the candidates)")
    for column in ("source", "trials", "named at >=0.9", "named at >=0.5", "max conf."):
        fp.add_column(column, justify="left" if column == "source" else "right")
    for name, leaks in unrelated.items():
        tops = [trace(leak, candidates)[0].confidence for leak in leaks]
        fp.add_row(
            name,
            str(len(tops)),
            f"{sum(c >= CONFIDENT for c in tops) / len(tops):.1%}",
            f"{sum(c >= 0.5 for c in tops) / len(tops):.1%}",
            f"{max(tops):.3f}",
        )
    console.print(fp)
    return 0


_PROSE = (
    "the convoy police road security engineers project camp airport route time team vehicle "
    "escort report district highway bridge checkpoint officer travel morning local staff plan"
)


def _prose(rng: random.Random) -> str:
    sentences = []
    for _ in range(30):
        words = [rng.choice(_PROSE.split()) for _ in range(rng.randrange(6, 16))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


if __name__ == "__main__":
    raise SystemExit(main())
