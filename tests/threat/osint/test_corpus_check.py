"""The labelled corpus's checker: a key that does not fit its article is caught, and the
committed keys are sound even where the articles themselves are absent (publishers' terms)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from benchmarks.osint_corpus import (
    QUOTED,
    Entry,
    entries,
    load_keys,
    problems_of,
    split_of,
)

TEXT = "Gunmen kidnapped three Turkish engineers in Gusau on Monday, police said."


def _key(text: str = TEXT, **incident: object) -> dict[str, object]:
    return {
        "url": "https://example.org/a",
        "outlet": "Example",
        "outlet_country": "GB",
        "query": "Turkish engineers kidnapped",
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "kind": "incident",
        "relevant": True,
        "incidents": [
            {
                "role": "primary",
                "place": "Gusau",
                "kidnapped": 3,
                "evidence": {"place": "in Gusau", "kidnapped": "three Turkish engineers"},
                **incident,
            }
        ],
    }


def test_a_sound_entry_has_no_problems() -> None:
    assert problems_of(Entry("x1", _key(), {"text": TEXT})) == []


def test_a_quote_not_in_the_article_is_a_problem() -> None:
    key = _key(evidence={"place": "in Gusau", "kidnapped": "four Turkish engineers"})
    assert problems_of(Entry("x1", key, {"text": TEXT})) == [
        "x1: kidnapped quote not in the text: 'four Turkish engineers'"
    ]


def test_a_value_without_a_quote_and_a_changed_text_are_problems() -> None:
    key = _key(killed=1)
    found = problems_of(Entry("x1", key, {"text": TEXT + " More later."}))
    assert "x1: killed=1 has no evidence quote" in found
    assert "x1: the cached text is not the one labelled (hash differs)" in found


def test_an_article_missing_from_the_cache_is_reported(tmp_path: Path) -> None:
    (tmp_path / "key-x.json").write_text(json.dumps({"articles": {"x1": _key()}}))
    (found,) = entries(tmp_path, cache=tmp_path / "cache")
    assert found.text is None
    assert any("text not in the cache" in p for p in problems_of(found))


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    for batch in ("a", "b"):
        (tmp_path / f"key-{batch}.json").write_text(json.dumps({"articles": {"x1": _key()}}))
    with pytest.raises(ValueError, match="x1 is used twice"):
        load_keys(tmp_path)


def test_the_blind_split_is_fixed_by_the_url_and_about_a_third() -> None:
    keys = load_keys()
    blind = [k for k in keys.values() if split_of(k["url"]) == "blind"]
    assert split_of("https://example.org/a") == "blind"  # fixed by the hash, not by chance
    assert split_of("https://example.org/b") == "tune"
    assert 0.2 < len(blind) / len(keys) < 0.45


def test_the_committed_keys_are_complete() -> None:
    keys = load_keys()
    assert len(keys) >= 120
    assert len({k["outlet"] for k in keys.values()}) >= 30
    assert (
        len({i["country"] for k in keys.values() for i in k["incidents"] if i.get("country")}) >= 8
    )
    for article_id, key in keys.items():
        assert key["url"].startswith("http"), article_id
        assert len(key["text_sha256"]) == 64, article_id
        for incident in key["incidents"]:
            for name in QUOTED:
                if incident.get(name) not in (None, {}):
                    assert incident["evidence"].get(name), (article_id, name)


def test_the_scorer_takes_one_group_however_it_is_spelt_and_no_other() -> None:
    from benchmarks.osint_eval import same_group

    assert same_group("Balochistan Liberation Army (BLA)", "Balochistan Liberation Army")
    assert same_group("al-Shabab", "Al Shabaab")
    assert same_group("Abu Sayaff", "Abu Sayyaf")
    assert same_group(None, None)
    assert not same_group("Abu Sayyaf", None)
    assert not same_group("Islamic State", "Tehreek-e-Taliban Pakistan")
    assert not same_group("al-Shabaab", "al-Qaeda")
