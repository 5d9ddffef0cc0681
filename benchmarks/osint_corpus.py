"""The labelled OSINT corpus: read the answer keys, find the texts, check both.

``.venv/bin/python benchmarks/osint_corpus.py check`` validates every key in
``benchmarks/osint_corpus/key-*.json`` against the texts in the corpus cache
(``$JSMS_OSINT_CORPUS``, default ``~/.cache/jsms/osint-corpus``): the schema, the text's
hash, and every evidence quote as a verbatim substring. It prints the corpus's size (articles,
outlets, countries, kinds, per split) and exits 2 when anything is wrong. The layout and the
labelling rules are in ``benchmarks/osint_corpus/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "osint_corpus"
if str(HERE.parents[1]) not in sys.path:  # run as a script: make `jsms` importable
    sys.path.insert(0, str(HERE.parents[1]))

from jsms.threat.osint.types import ATTACK_TYPES  # noqa: E402

KINDS = (
    "incident",
    "recall",
    "negative-local",
    "negative-accident",
    "negative-statistics",
    "negative-announcement",
    "negative-other",
)
ROLES = ("primary", "background", "aggregate")
PRECISIONS = ("day", "month", "year", None)
COUNTS = ("killed", "injured", "kidnapped", "attackers_killed")
QUOTED = (
    "date",
    "place",
    "province",
    "attack_type",
    "killed",
    "injured",
    "kidnapped",
    "attackers_killed",
    "nationals",
    "perpetrator_claimed",
    "perpetrator_attributed",
)


def cache_dir() -> Path:
    """Where the article texts are kept (outside the repository: publishers' terms)."""
    return Path(os.environ.get("JSMS_OSINT_CORPUS", "~/.cache/jsms/osint-corpus")).expanduser()


def split_of(url: str) -> str:
    """``blind`` for about a third of the URLs, fixed by their hash, else ``tune``."""
    return "blind" if int(hashlib.sha256(url.encode()).hexdigest()[:8], 16) % 3 == 0 else "tune"


@dataclass(frozen=True)
class Entry:
    """One labelled article: its key and, when the cache has it, its text."""

    id: str
    key: dict[str, Any]
    text: dict[str, Any] | None

    @property
    def split(self) -> str:
        return split_of(self.key["url"])


def load_keys(folder: Path = HERE) -> dict[str, dict[str, Any]]:
    """Every labelled article by id, from all key files."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("key-*.json")):
        for article_id, article in json.loads(path.read_text(encoding="utf-8"))["articles"].items():
            if article_id in out:
                raise ValueError(f"{path.name}: article id {article_id} is used twice")
            out[article_id] = article
    return out


def entries(folder: Path = HERE, cache: Path | None = None) -> Iterator[Entry]:
    """Each labelled article with its cached text (None when the cache lacks it)."""
    cache = cache or cache_dir()
    for article_id, key in load_keys(folder).items():
        path = cache / f"{article_id}.json"
        text = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        yield Entry(article_id, key, text)


def _quote_problems(article_id: str, text: str, incident: dict[str, Any]) -> list[str]:
    problems = []
    evidence = incident.get("evidence") or {}
    for name in QUOTED:
        value = incident.get(name)
        if value is None or value == {}:
            continue
        quote = evidence.get(name)
        if not quote:
            problems.append(f"{article_id}: {name}={value!r} has no evidence quote")
        elif quote not in text:
            problems.append(f"{article_id}: {name} quote not in the text: {quote!r}")
    return problems


def _incident_problems(article_id: str, incident: dict[str, Any]) -> list[str]:
    problems = []
    if incident.get("role") not in ROLES:
        problems.append(f"{article_id}: role {incident.get('role')!r}")
    if incident.get("attack_type") not in (*ATTACK_TYPES, None):
        problems.append(f"{article_id}: attack_type {incident.get('attack_type')!r}")
    if incident.get("date_precision") not in PRECISIONS:
        problems.append(f"{article_id}: date_precision {incident.get('date_precision')!r}")
    for name in COUNTS:
        value = incident.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            problems.append(f"{article_id}: {name} {value!r} is not a count")
    for iso, per in (incident.get("nationals") or {}).items():
        if len(iso) != 2 or not iso.isupper():
            problems.append(f"{article_id}: nationals key {iso!r} is not ISO alpha-2")
        if not isinstance(per, dict):
            problems.append(f"{article_id}: nationals[{iso}] is not an object")
    return problems


def problems_of(entry: Entry) -> list[str]:
    """Everything wrong with one entry; empty when it is sound."""
    key, problems = entry.key, []
    for name in ("url", "outlet", "outlet_country", "query", "text_sha256", "kind", "relevant"):
        if key.get(name) in (None, ""):
            problems.append(f"{entry.id}: {name} missing")
    if key.get("kind") not in KINDS:
        problems.append(f"{entry.id}: kind {key.get('kind')!r}")
    if entry.text is None:
        return [*problems, f"{entry.id}: text not in the cache ({cache_dir()})"]
    text = entry.text.get("text", "")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != key.get("text_sha256"):
        problems.append(f"{entry.id}: the cached text is not the one labelled (hash differs)")
    for incident in key.get("incidents", []):
        problems += _incident_problems(entry.id, incident)
        problems += _quote_problems(entry.id, text, incident)
    return problems


def check(folder: Path = HERE) -> int:
    """Print the corpus's size and every problem; 2 when there is any."""
    all_entries = list(entries(folder))
    problems = [p for e in all_entries for p in problems_of(e)]
    for problem in problems:
        print(problem)
    by_split = Counter(e.split for e in all_entries)
    outlets = {e.key.get("outlet") for e in all_entries}
    countries = {
        i.get("country")
        for e in all_entries
        for i in e.key.get("incidents", [])
        if i.get("country")
    }
    outlet_countries = {e.key.get("outlet_country") for e in all_entries}
    print(
        f"{len(all_entries)} articles ({by_split['tune']} tune, {by_split['blind']} blind), "
        f"{len(outlets)} outlets from {len(outlet_countries)} countries, "
        f"incidents in {len(countries)} countries, "
        f"{sum(bool(e.key.get('relevant')) for e in all_entries)} relevant"
    )
    print(
        "kinds: "
        + ", ".join(
            f"{k} {n}" for k, n in Counter(e.key.get("kind") for e in all_entries).most_common()
        )
    )
    print(f"{len(problems)} problems")
    return 2 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--folder", type=Path, default=HERE, help="folder of key-*.json")
    args = parser.parse_args(argv)
    try:
        return check(args.folder)
    except (ValueError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
