"""Rule-based OSINT extraction: one news article in, the attacks it reports out.

Deterministic and offline (regexes, the lexicon in ``data/osint_lexicon.json``, the
project gazetteer and the history of known attacks the caller passes in), so an analyst
can trace every figure back to a quote: each non-null field of an incident comes with
``evidence``, a verbatim substring of the article.

The pipeline: split the text into sentences; read each sentence (or, when it names two
events, each clause) for attack words, places, dates, casualty counts and claims; group
those mentions into events (same place and compatible dates, or 'the attack' pointing back);
then decide each event's role: ``primary`` (the article's own news), ``background`` (an
older attack recalled) or ``aggregate`` (national totals such as '20 Chinese killed since
2021', which are never incidents of their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from jsms.threat.osint.events import attach_claims, group_events
from jsms.threat.osint.known import PastIncident
from jsms.threat.osint.mentions import Article, Event, lead_indices, publication, read_mentions
from jsms.threat.osint.places import article_countries
from jsms.threat.osint.records import ROLES, incident_record, merge_twins
from jsms.threat.osint.relevance import assess, is_attack, mentions_foreigners
from jsms.threat.osint.text import reads_as_english, split_sentences
from jsms.threat.osint.types import ATTACK_TYPES

__all__ = ["ATTACK_TYPES", "ROLES", "extract_article"]


def extract_article(
    text: str,
    *,
    name: str,
    title: str | None = None,
    url: str | None = None,
    published: date | datetime | None = None,
    history: Sequence[PastIncident] = (),
) -> dict[str, Any]:
    """The relevance and incidents of one article, as a JSON-able dict.

    ``title`` helps judge relevance; ``url`` is accepted for callers that have one (it
    carries no facts the rules use). ``published`` anchors relative dates; when missing,
    a date stated in the text ('Updated: 02-09-2025') is used.

    ``history`` is the attacks the caller's incident store already knows
    (:func:`jsms.threat.osint.known.load_history`): a background mention dated only to a
    month ('the Karachi airport bombing last October') that fits exactly one of them is
    dated to its day. The default knows none, so nothing is pinned; the function never
    reads a database itself.
    """
    del url
    if not reads_as_english(text):
        # said, not guessed: the analyst sees it was not read rather than 'not relevant'
        return {"article": name, "relevant": False, "incidents": [], "unread": "not in English"}
    sentences = split_sentences(text)
    # the body keeps its own offsets, so the places relevance reads are reused by the reading
    headed = [*split_sentences(title), *sentences] if title else sentences
    countries = article_countries(headed)
    relevant, host = assess(headed, countries)
    if not relevant:
        return {"article": name, "relevant": False, "incidents": []}
    pub, pub_quote = publication(text, published)
    doc = Article(text, sentences, pub, pub_quote, lead_indices(text, sentences), countries, host)
    mentions = read_mentions(doc)
    events = group_events(doc, mentions)
    attach_claims(doc, events, mentions)
    records = []
    for event in events:
        record = incident_record(event, doc, history)
        if record is not None and _touches_foreigners(event, record, doc):
            records.append(record)
    incidents = merge_twins(records)
    relevant = any(r["role"] != "aggregate" for r in incidents)
    return {"article": name, "relevant": relevant, "incidents": incidents if relevant else []}


def _touches_foreigners(event: Event, record: dict[str, Any], doc: Article) -> bool:
    """An attack (not an accident, nor talk of possible attacks) on foreigners: its sentences,
    or those beside them, speak of foreigners or count them. An older attack recalled in an
    article about foreigners' security counts when it is specific (a date, a place or a toll)
    unless it names only the host's own people as victims. An attack on locals alone is not
    what the guest nation's analysts review."""
    if event.aggregate:
        return True
    if not is_attack(event, doc.sentences):
        return False
    counted = {iso for m in event.mentions for iso in m.casualties.nationals}
    if counted - {doc.host}:
        return True
    specific = any(record.get(f) is not None for f in ("date", "place", "killed", "injured"))
    if record["role"] == "background" and not counted and specific:
        return True
    near = {i + step for m in event.mentions for i in (m.index,) for step in (-1, 0, 1)}
    return any(
        mentions_foreigners(doc.sentences[i].text, doc.host)
        for i in sorted(near)
        if 0 <= i < len(doc.sentences)
    )
