"""Score the OSINT extractor against a hand-written answer key.

Run ``.venv/bin/python benchmarks/osint_eval.py`` (or ``-m benchmarks.osint_eval``). Articles
are read from ``../shared/seeds`` beside the repository (``--seeds DIR``) and the key from
``benchmarks/osint_answer_key.json`` (``--key FILE``); nothing is copied into the repo.
Articles are ``*.txt`` (plain text) or ``*.json`` (keys ``text``, ``title``, ``url``,
``published``); the key names them by file name without the extension.

Matching: within an article, predicted and key incidents are paired greedily by how much
they agree (role, date, place, attack type, casualties). A pair must agree on at least one
of date, place or attack type, or both be aggregates, or both be placed only by the same
province. Then, per field:

* precision = correct values / values the extractor gave (non-null, non-empty);
* recall    = correct values / values the key gives.

Unpaired incidents count against both. ``relevant`` is scored per article with "relevant"
as the positive class. A field neither side ever fills scores 1.0 (nothing to get wrong).
Places agree when the names are equal ignoring case, name the same gazetteer place, or lie
within 25 km of each other (a city and its airport are one place at reporting precision).

The extractor is given the history a real instance has after ``jsms threat load-history``:
the curated incidents are loaded into a fresh, migrated SQLite database in a temporary
folder and read back with :func:`jsms.threat.osint.known.load_history` (``--no-history``
scores it knowing no past attacks).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
DEFAULT_KEY = REPO / "benchmarks" / "osint_answer_key.json"
FIELDS = (
    "relevant",
    "role",
    "date",
    "place",
    "province",
    "attack_type",
    "killed",
    "injured",
    "nationals",
    "perpetrator_claimed",
    "country",
    "kidnapped",
    "attackers_killed",
    "perpetrator_attributed",
)
INCIDENT_FIELDS = FIELDS[1:]
NATIONAL_STATUSES = ("killed", "injured", "kidnapped")
PLACE_MATCH_KM = 25.0

if str(REPO) not in sys.path:  # run as a script: make `jsms` importable from the checkout
    sys.path.insert(0, str(REPO))

from jsms.threat.osint.batch import ArticleInput as Article  # noqa: E402  (after the path)

if TYPE_CHECKING:
    from jsms.threat.osint.known import PastIncident


@dataclass
class Tally:
    """Counts for one field: correct, given by the extractor, given by the key."""

    correct: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


@dataclass
class Report:
    """Per-field tallies, evidence checks and the disagreements behind them."""

    tallies: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in FIELDS})
    quotes: int = 0
    valid_quotes: int = 0
    missing_quotes: int = 0
    articles: int = 0
    misses: list[str] = field(default_factory=list)
    scored: set[str] = field(default_factory=lambda: set(FIELDS))
    relevance_right: int = 0
    unread_relevant: int = 0
    negatives: int = 0
    negatives_marked: int = 0
    seconds: float = 0.0

    @property
    def overall(self) -> Tally:
        total = Tally()
        for tally in self.tallies.values():
            total.correct += tally.correct
            total.predicted += tally.predicted
            total.expected += tally.expected
        return total


def load_articles(folder: Path) -> list[Article]:
    """Every ``*.txt`` and ``*.json`` article in a folder, sorted by name."""
    articles = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".txt":
            articles.append(Article(name=path.stem, text=path.read_text(encoding="utf-8")))
        elif path.suffix == ".json":
            raw = json.loads(path.read_text(encoding="utf-8"))
            published = raw.get("published")
            articles.append(
                Article(
                    name=path.stem,
                    text=raw["text"],
                    title=raw.get("title"),
                    url=raw.get("url"),
                    published=date.fromisoformat(published[:10]) if published else None,
                )
            )
    return articles


def curated_history() -> tuple[PastIncident, ...]:
    """The history of a fresh instance after ``jsms threat load-history``, built the way the
    store builds it: a migrated SQLite database in a temporary folder (its own key file too),
    the curated incidents loaded by the service, the history read back. Call it only in a
    process of its own (it points the settings at the temporary folder)."""
    from jsms.config import get_settings
    from jsms.db import transaction
    from jsms.keyring import get_keyring
    from jsms.migrate import upgrade
    from jsms.threat.osint.known import load_history
    from jsms.threat.service import load_curated_incidents

    with tempfile.TemporaryDirectory(prefix="osint-eval-") as folder:
        url = f"sqlite:///{folder}/history.sqlite3"
        os.environ["JSMS_DATABASE_URL"] = url
        os.environ["JSMS_KEY_FILE"] = f"{folder}/keys.json"
        get_settings.cache_clear()
        get_keyring.cache_clear()
        upgrade(url)
        with transaction("osint-eval", url) as db:
            load_curated_incidents(db)
        with transaction("osint-eval", url) as db:
            return load_history(db)


def _place_point(name: str) -> tuple[float, float] | None:
    """Where a place name lies; a facility named with its town ('Serena Hotel, Quetta',
    'Confucius Institute at Karachi University') lies where the town does."""
    from jsms.threat.osint.places import resolve_place_name

    parts = [name, *re.split(r",\s*|\s+(?:at|in|near|of)\s+", name)]
    parts += re.findall(r"[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*", name)
    parts += re.findall(r"[A-Z][\w'-]+", name)
    for part in parts:
        found = resolve_place_name(part.strip())
        if found is not None and found[1] is not None and found[2] is not None:
            return found[1], found[2]
    return None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def same_place(a: str | None, b: str | None) -> bool:
    """Equal names, gazetteer aliases of one place, or points within 25 km."""
    if a is None or b is None:
        return a is b
    if a.casefold() == b.casefold():
        return True
    wa, wb = _name_words(a), _name_words(b)
    if wa and wb and (wa <= wb or wb <= wa):
        return (
            True  # 'Hotel Amarula' and 'Amarula Hotel'; 'Serena Hotel' and 'Serena Hotel, Quetta'
        )
    from jsms.threat.osint.places import resolve_place_name

    ra, rb = resolve_place_name(a), resolve_place_name(b)
    if ra is not None and rb is not None and ra[0] == rb[0]:
        return True
    pa, pb = _place_point(a), _place_point(b)
    return pa is not None and pb is not None and _km(pa, pb) <= PLACE_MATCH_KM


def _division_of(name: str) -> str | None:
    """The first-level division a name means: itself, or the division of the town it names
    ('Baghdad' -> 'Mayorality of Baghdad', 'Sousse' -> 'Susah' in GeoNames)."""
    from jsms.geo.world import load_world

    found = load_world().lookup(name)
    return found.admin1 if found is not None and found.kind != "country" else None


def same_province(a: str | None, b: str | None) -> bool:
    """Equal names (accents aside: 'Jammu and Kashmīr'), or names GeoNames puts in one
    division."""
    from jsms.geo.gazetteer import normalize_name

    if a is None or b is None:
        return a is b
    if normalize_name(a) == normalize_name(b):
        return True
    da, db = _division_of(a), _division_of(b)
    return (da is not None and da == db) or da == b or db == a


def _group_key(name: str) -> str:
    """'Balochistan Liberation Army (BLA)' -> 'balochistanliberationarmy'; 'al-Shabab' ->
    'shabab': the name without its bracketed acronym, article, spaces and punctuation."""
    name = re.sub(r"\s*\([^)]*\)", "", name).casefold()
    name = re.sub(r"^(?:the\s+|al[- ])", "", name)
    return re.sub(r"[^\w]|_", "", name)


def same_group(a: str | None, b: str | None) -> bool:
    """One group however the text spells it: the same name bar punctuation and a bracketed
    acronym, names the lexicon gives as aliases of one group, or a letter or two apart
    ('Abu Sayaff', 'al-Shabab' / 'Al Shabaab')."""
    if a is None or b is None:
        return a is b
    from jsms.threat.osint.lexicon import load_lexicon

    aliases = load_lexicon().group_of
    ka, kb = _group_key(a), _group_key(b)
    canon_a, canon_b = aliases.get(a.casefold()), aliases.get(b.casefold())
    if ka == kb or (canon_a is not None and canon_a == canon_b):
        return True
    return SequenceMatcher(None, ka, kb).ratio() >= 0.85


def _name_words(name: str) -> set[str]:
    return {w for w in re.findall(r"\w+", name.casefold()) if w not in {"the", "of", "in", "at"}}


def _nationals(value: Any) -> dict[str, dict[str, int | None]]:
    """Nationals without countries that carry no figure at all."""
    out = {}
    for iso, per in (value or {}).items():
        clean = {status: per.get(status) for status in NATIONAL_STATUSES}
        if any(v is not None for v in clean.values()):
            out[iso.upper()] = clean
    return out


def _filled(name: str, value: Any) -> bool:
    if name == "nationals":
        return bool(_nationals(value))
    return value is not None


def field_agrees(name: str, predicted: Any, expected: Any) -> bool:
    """Whether two values of a field say the same thing."""
    if name == "place":
        return same_place(predicted, expected)
    if name == "nationals":
        return _nationals(predicted) == _nationals(expected)
    if name == "province":
        return same_province(predicted, expected)
    if name.startswith("perpetrator"):
        return same_group(predicted, expected)
    if isinstance(expected, str) and isinstance(predicted, str):
        return predicted.casefold() == expected.casefold()
    return predicted == expected


def _pair_score(p: dict[str, Any], k: dict[str, Any]) -> float | None:
    """How well a predicted incident fits a key incident; None when they cannot be one."""
    anchors = [
        p.get("date") is not None and p.get("date") == k.get("date"),
        p.get("place") is not None and same_place(p.get("place"), k.get("place")),
        p.get("attack_type") is not None and p.get("attack_type") == k.get("attack_type"),
        p.get("role") == k.get("role") == "aggregate",
        p.get("place") is None is k.get("place")
        and p.get("province") is not None
        and p.get("province") == k.get("province"),
    ]
    if not any(anchors):
        return None
    weights = {"role": 1.0, "date": 2.0, "place": 2.0, "attack_type": 1.0, "killed": 0.5}
    return sum(
        w
        for name, w in weights.items()
        if _filled(name, k.get(name)) and field_agrees(name, p.get(name), k.get(name))
    )


def match(predicted: list[dict[str, Any]], expected: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairing of predicted with key incidents, best agreement first."""
    scored = []
    for i, p in enumerate(predicted):
        for j, k in enumerate(expected):
            score = _pair_score(p, k)
            if score is not None:
                scored.append((score, -i, -j))
    pairs, used_p, used_k = [], set(), set()
    for _, neg_i, neg_j in sorted(scored, reverse=True):
        i, j = -neg_i, -neg_j
        if i not in used_p and j not in used_k:
            pairs.append((i, j))
            used_p.add(i)
            used_k.add(j)
    return pairs


def _score_incidents(
    report: Report, name: str, predicted: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    pairs = match(predicted, expected)
    for field_name in INCIDENT_FIELDS:
        if field_name not in report.scored:
            continue
        tally = report.tallies[field_name]
        tally.predicted += sum(_filled(field_name, p.get(field_name)) for p in predicted)
        tally.expected += sum(_filled(field_name, k.get(field_name)) for k in expected)
        for i, j in pairs:
            p, k = predicted[i].get(field_name), expected[j].get(field_name)
            if _filled(field_name, p) and _filled(field_name, k) and field_agrees(field_name, p, k):
                tally.correct += 1
            elif _filled(field_name, p) or _filled(field_name, k):
                report.misses.append(f"{name}: {field_name} predicted {p!r}, key {k!r}")
    paired_p, paired_k = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, p in enumerate(predicted):
        if i not in paired_p:
            report.misses.append(
                f"{name}: extra incident {p.get('role')} {p.get('place')} {p.get('date')}"
            )
    for j, k in enumerate(expected):
        if j not in paired_k:
            report.misses.append(
                f"{name}: missed incident {k.get('role')} {k.get('place')} {k.get('date')}"
            )


def _check_evidence(report: Report, text: str, incidents: list[dict[str, Any]]) -> None:
    for incident in incidents:
        evidence = incident.get("evidence", {})
        for key, value in incident.items():
            if key == "evidence" or not _filled(key, value):
                continue
            quote = evidence.get(key)
            if quote is None:
                report.missing_quotes += 1
                continue
            report.quotes += 1
            report.valid_quotes += isinstance(quote, str) and bool(quote) and quote in text


def key_fields(answers: dict[str, Any]) -> set[str]:
    """The fields a key labels: an older key without 'kidnapped' does not score it."""
    used = {"relevant"}
    for expected in answers.values():
        for incident in expected.get("incidents", []):
            used |= set(incident) & set(INCIDENT_FIELDS)
    return used


def evaluate(
    articles: list[Article], key: dict[str, Any], history: Sequence[PastIncident] = ()
) -> Report:
    """Run the extractor over the articles the key covers and score every field it labels.

    ``history`` is the past attacks the extractor may pin month-level mentions to."""
    from jsms.threat.osint.batch import extract_one

    answers = key.get("articles", key)
    report = Report(scored=key_fields(answers))
    for article in articles:
        expected = answers.get(article.name)
        if expected is None:
            continue
        report.articles += 1
        started = time.perf_counter()
        out = extract_one(article, history)
        report.seconds += time.perf_counter() - started
        tally = report.tallies["relevant"]
        tally.predicted += bool(out["relevant"])
        tally.expected += bool(expected["relevant"])
        tally.correct += bool(out["relevant"]) and bool(expected["relevant"])
        report.relevance_right += bool(out["relevant"]) == bool(expected["relevant"])
        report.unread_relevant += bool(out.get("unread")) and bool(expected["relevant"])
        if str(expected.get("kind", "")).startswith("negative"):
            report.negatives += 1
            report.negatives_marked += bool(out["relevant"])
        if bool(out["relevant"]) != bool(expected["relevant"]):
            report.misses.append(f"{article.name}: relevant predicted {out['relevant']}")
        _score_incidents(report, article.name, out["incidents"], expected.get("incidents", []))
        _check_evidence(report, article.text, out["incidents"])
    return report


def batch_rate(articles: list[Article], history: Sequence[PastIncident]) -> float:
    """Articles a second when the whole list goes through the batch path on every core, from
    a process that has not read them yet (wall clock, workers' start included)."""
    from jsms.threat.osint.batch import extract_batch

    started = time.perf_counter()
    extract_batch(articles, history)
    return len(articles) / (time.perf_counter() - started)


def corpus_articles(split: str) -> tuple[list[Article], dict[str, Any]]:
    """The labelled corpus's articles of one split that the cache holds, and their key."""
    from benchmarks.osint_corpus import entries

    articles, answers = [], {}
    for entry in entries():
        if entry.text is None or (split != "all" and entry.split != split):
            continue
        published = entry.key.get("published") or entry.text.get("published")
        articles.append(
            Article(
                name=entry.id,
                text=entry.text["text"],
                title=entry.key.get("title") or entry.text.get("title"),
                url=entry.key["url"],
                published=date.fromisoformat(published[:10]) if published else None,
            )
        )
        answers[entry.id] = entry.key
    return articles, {"articles": answers}


def f1(tally: Tally) -> float:
    """Harmonic mean of precision and recall."""
    p, r = tally.precision, tally.recall
    return 2 * p * r / (p + r) if p + r else 0.0


def render(title: str, report: Report, *, verbose: bool = False) -> None:
    """Print the per-field table (rich) against the issue's targets, relevance, the evidence
    check and throughput."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{title}: OSINT extraction vs. answer key ({report.articles} articles)")
    for column in (
        "field",
        "correct",
        "predicted",
        "in key",
        "precision",
        "recall",
        "F1",
        "target",
    ):
        table.add_column(column, justify="left" if column == "field" else "right")
    rows = [(n, t) for n, t in report.tallies.items() if n in report.scored]
    for name, tally in [*rows, ("overall", report.overall)]:
        table.add_row(
            name,
            str(tally.correct),
            str(tally.predicted),
            str(tally.expected),
            f"{tally.precision:.2f}",
            f"{tally.recall:.2f}",
            f"{f1(tally):.2f}",
            "F1 >= 0.85" if name != "overall" else "",
            end_section=name == rows[-1][0],
        )
    console = Console(width=max(Console().width, 110))
    console.print(table)
    n = report.articles or 1
    per_second = report.articles / report.seconds if report.seconds else 0.0
    console.print(
        f"relevance right on {report.relevance_right}/{report.articles} "
        f"({report.relevance_right / n:.2f}; target >= 0.95); hard negatives marked relevant: "
        f"{report.negatives_marked} of {report.negatives} (target 0)"
    )
    if report.unread_relevant:
        console.print(
            f"relevant articles not read (not in English): {report.unread_relevant} "
            "(counted as misses above)"
        )
    console.print(f"throughput one article at a time: {per_second:,.0f} articles/s")
    total = report.quotes
    share = report.valid_quotes / total if total else 1.0
    console.print(
        f"evidence quotes verbatim in the article: {report.valid_quotes}/{total} ({share:.0%}); "
        f"non-null fields without a quote: {report.missing_quotes}"
    )
    if verbose:
        for line in report.misses:
            console.print(f"  [yellow]{line}[/]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of articles")
    parser.add_argument("--key", type=Path, default=DEFAULT_KEY, help="answer key JSON")
    parser.add_argument(
        "--no-history", action="store_true", help="know no past attacks (pin nothing)"
    )
    parser.add_argument(
        "--split",
        choices=["seeds", "tune", "blind", "every"],
        default="every",
        help="score one part only (default: the seeds, then the corpus's tune and blind splits)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list disagreements (never the blind split's)"
    )
    args = parser.parse_args(argv)
    history = () if args.no_history else curated_history()
    corpus_rate, corpus_size = None, 0
    if args.split == "every":  # first: reading articles one at a time fills caches
        every = corpus_articles("tune")[0] + corpus_articles("blind")[0]
        corpus_rate = batch_rate(every, history) if every else None
        corpus_size = len(every)
    if args.split in ("seeds", "every"):
        if args.seeds.is_dir() and args.key.is_file():
            key = json.loads(args.key.read_text(encoding="utf-8"))
            report = evaluate(load_articles(args.seeds), key, history)
            render("seeds", report, verbose=args.verbose)
        else:
            print(f"no seeds: {args.seeds} or {args.key} missing (use --seeds DIR --key FILE)")
    for split in ("tune", "blind"):
        if args.split not in (split, "every"):
            continue
        articles, key = corpus_articles(split)
        if not articles:
            print(f"corpus {split} split: no texts in the cache (see benchmarks/osint_corpus/)")
            continue
        report = evaluate(articles, key, history)
        render(f"corpus, {split} split", report, verbose=args.verbose and split != "blind")
    if corpus_rate is not None:
        print(
            f"the whole corpus ({corpus_size} articles) as one batch on all {os.cpu_count()} "
            f"cores (jsms osint extract): {corpus_rate:,.0f} articles/s (target >= 200)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
