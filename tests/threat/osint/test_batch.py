"""A batch read on several cores gives each article the answer it gets alone, in order."""

from __future__ import annotations

from datetime import date

from jsms.threat.osint.batch import MIN_PARALLEL, ArticleInput, extract_batch
from jsms.threat.osint.extract import extract_article
from jsms.threat.osint.known import PastIncident

PLACES = ["Karachi", "Quetta", "Gwadar", "Peshawar", "Hyderabad", "Dasu", "Bisham", "Lahore"]


def _articles(count: int) -> list[ArticleInput]:
    """Different attacks, and every fourth article no attack at all."""
    out = []
    for i in range(count):
        place = PLACES[i % len(PLACES)]
        if i % 4 == 3:
            text = f"The chamber of commerce in {place} met on Monday to discuss exports."
        else:
            text = (
                f"Gunmen killed {i % 5 + 1} Chinese engineers and wounded {i % 3 + 1} guards "
                f"in {place} on Sunday, police said."
            )
        out.append(ArticleInput(text, f"a{i:03d}", published=date(2024, 3, 18)))
    return out


def _alone(article: ArticleInput, history: tuple[PastIncident, ...] = ()) -> dict[str, object]:
    return extract_article(
        article.text, name=article.name, published=article.published, history=history
    )


def test_a_batch_on_two_workers_answers_as_each_article_alone_in_order() -> None:
    articles = _articles(MIN_PARALLEL + 8)
    results = extract_batch(articles, workers=2)
    assert [r["article"] for r in results] == [a.name for a in articles]
    assert results == [_alone(a) for a in articles]
    assert sum(r["relevant"] for r in results) == 30  # the three attacks in every four


def test_the_workers_pin_dates_with_the_history_they_are_given() -> None:
    history = (
        PastIncident(
            id="x1",
            day=date(2023, 10, 6),
            place="Jinnah International Airport",
            lat=24.9,
            lon=67.16,
            province="Sindh",
            keywords=frozenset({"airport", "karachi"}),
            nationals=frozenset({"CN"}),
        ),
    )
    text = (
        "Talks on security for Chinese workers began after two Chinese engineers were killed "
        "in a bombing at Karachi airport last October."
    )
    articles = [ArticleInput(text, f"p{i}", published=date(2024, 3, 1)) for i in range(40)]
    pinned = extract_batch(articles, history, workers=2)
    assert {r["incidents"][0]["date"] for r in pinned} == {"2023-10-06"}
    unpinned = extract_batch(articles, (), workers=2)
    assert {r["incidents"][0]["date"] for r in unpinned} == {"2023-10-01"}


def test_a_batch_too_small_for_workers_answers_the_same() -> None:
    articles = _articles(3)
    assert extract_batch(articles, workers=2) == [_alone(a) for a in articles]
