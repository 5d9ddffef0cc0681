"""Many articles at once: the extraction spread over the machine's cores.

Extraction is pure Python (regexes, dictionaries) and holds the GIL, so threads would not
help; worker processes do. They are forked after the word lists and gazetteers are loaded,
so each starts with them in memory instead of spending seconds loading its own. Results
come back in the order the articles went in. A small batch is read in this process: starting
workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jsms.geo.gazetteer import load_gazetteer
from jsms.geo.world import load_world
from jsms.threat.osint.extract import extract_article
from jsms.threat.osint.known import PastIncident
from jsms.threat.osint.lexicon import load_lexicon

__all__ = ["MIN_PARALLEL", "ArticleInput", "extract_batch", "extract_one"]

MIN_PARALLEL = 32
"""Fewer articles than this are read in this process."""


@dataclass(frozen=True)
class ArticleInput:
    """One article as :func:`jsms.threat.osint.extract.extract_article` takes it."""

    text: str
    name: str
    title: str | None = None
    url: str | None = None
    published: date | datetime | None = None


_history: Sequence[PastIncident] = ()


def _remember(history: Sequence[PastIncident]) -> None:
    global _history
    _history = history


def extract_one(article: ArticleInput, history: Sequence[PastIncident] = ()) -> dict[str, Any]:
    """One article's extraction (:func:`jsms.threat.osint.extract.extract_article`)."""
    return extract_article(
        article.text,
        name=article.name,
        title=article.title,
        url=article.url,
        published=article.published,
        history=history,
    )


def _extract(article: ArticleInput) -> dict[str, Any]:
    return extract_one(article, _history)


def extract_batch(
    articles: Sequence[ArticleInput],
    history: Sequence[PastIncident] = (),
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Every article's extraction, in order; ``workers`` defaults to the number of cores."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if count <= 1 or len(articles) < MIN_PARALLEL or not forkable:
        return [extract_one(a, history) for a in articles]
    load_lexicon(), load_world(), load_gazetteer()  # loaded once, shared by the forked workers
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(articles) // (count * 4))
    with ProcessPoolExecutor(
        count, mp_context=context, initializer=_remember, initargs=(tuple(history),)
    ) as pool:
        return list(pool.map(_extract, articles, chunksize=chunk))
