"""`jsms osint extract` and `ingest`: JSON Lines out; a bad file is named in one line and the
rest of the batch still processed, with exit code 2; a wrong publication date only warns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import jsms.cli.osint  # noqa: F401  (registers the `osint` group on the root app)
from jsms.cli.main import app
from jsms.threat.service import load_curated_incidents
from tests.threat.osint.test_extract import AIRPORT_LAST_OCTOBER, INCIDENT_KEYS

ARTICLE = (
    "Gunmen opened fire on a van carrying Chinese engineers in Thatta on Tuesday, "
    "wounding two of them, police said. No group has claimed responsibility."
)
TOP_KEYS = {"article", "relevant", "incidents"}


def invoke(*args: str):
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, ["osint", *args])


def refused(*args: str) -> str:
    """Run a command that must fail on input: exit 2, one line on stderr, no traceback."""
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout.strip() == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "thatta.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_one_json_object_per_article_per_line(tmp_path: Path, article: Path) -> None:
    other = tmp_path / "cricket.json"
    other.write_text(
        json.dumps(
            {
                "text": "Babar Azam scored a century in the Karachi Test against Australia.",
                "title": "Babar century",
                "url": "https://example.org/cricket",
                "published": "2022-03-16",
            }
        ),
        encoding="utf-8",
    )
    result = invoke("extract", str(article), str(other))
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == TOP_KEYS and set(second) == TOP_KEYS
    assert first["article"] == "thatta.txt" and second["article"] == "cricket.json"
    assert first["relevant"] is True and second == {
        "article": "cricket.json",
        "relevant": False,
        "incidents": [],
    }
    (incident,) = first["incidents"]
    assert set(incident) == INCIDENT_KEYS
    assert incident["place"] == "Thatta"
    assert incident["nationals"] == {"CN": {"killed": None, "injured": 2}}
    for quote in incident["evidence"].values():
        assert quote in ARTICLE


def test_json_article_uses_its_publication_date(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"text": ARTICLE, "published": "2024-05-16T09:00:00Z"}))
    result = invoke("extract", str(path))
    assert result.exit_code == 0, result.output
    (incident,) = json.loads(result.stdout)["incidents"]
    assert incident["date"] == "2024-05-14"  # the Tuesday before Thursday 16 May


def test_table_format(article: Path) -> None:
    result = invoke("extract", "--format", "table", str(article))
    assert result.exit_code == 0, result.output
    assert "Thatta" in result.stdout


def test_missing_file(tmp_path: Path) -> None:
    line = refused("extract", str(tmp_path / "nowhere.txt"))
    assert "nowhere.txt" in line and "no such file" in line


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.txt", "Karachi: café attack on Chinese engineers".encode("latin-1"), "UTF-8"),
        (
            "page.txt",
            b"<!DOCTYPE html>\n<html><body><p>Attack in Karachi</p></body></html>",
            "HTML",
        ),
        (
            "page.json",
            json.dumps({"text": "<html><body>Attack in Karachi</body></html>"}).encode(),
            "HTML",
        ),
        ("empty.txt", b"  \n", "empty"),
    ],
)
def test_unreadable_article(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    line = refused("extract", str(path))
    assert name in line and reason in line


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "object"),
        ('{"title": "no text"}', "text"),
    ],
)
def test_bad_json(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    line = refused("extract", str(path))
    assert "bad.json" in line and reason in line


def test_a_bad_file_in_a_batch_is_named_and_the_rest_processed(
    tmp_path: Path, article: Path
) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Karachi: café attack on Chinese engineers".encode("latin-1"))
    result = invoke("extract", str(article), str(tmp_path / "missing.txt"), str(latin))
    assert result.exit_code == 2 and "Traceback" not in result.output
    printed = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [p["article"] for p in printed] == ["thatta.txt"]
    errors = result.stderr.splitlines()
    assert any("missing.txt" in e and "no such file" in e for e in errors)
    assert any("latin1.txt" in e and "UTF-8" in e for e in errors)
    assert errors[-1] == "error: 2 of 3 articles could not be read; the others were processed"


def test_a_publication_date_that_is_not_a_date_only_warns(tmp_path: Path) -> None:
    path = tmp_path / "dated.json"
    path.write_text(json.dumps({"text": ARTICLE, "published": "yesterday"}))
    result = invoke("extract", str(path))
    assert result.exit_code == 0, result.output
    assert "'published' 'yesterday' is not an ISO date" in result.stderr
    (printed,) = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert printed["relevant"] is True


def test_ingest_stores_the_readable_articles_of_a_batch(
    tmp_path: Path, article: Path, db: Session, db_url: str
) -> None:
    from sqlalchemy import func, select

    from jsms.threat.models import Incident

    result = invoke("ingest", str(article), str(tmp_path / "missing.txt"))
    assert result.exit_code == 2, result.output
    assert "thatta.txt: 1 new (review queue)" in result.stdout
    assert "1 of 2 articles could not be read" in result.stderr
    db.rollback()
    assert db.scalar(select(func.count(Incident.id))) == 1


def test_no_arguments_shows_help() -> None:
    result = invoke()
    assert "OSINT news extraction" in result.output


def test_extract_dates_a_known_attack_from_the_configured_database(
    tmp_path: Path, db: Session
) -> None:
    """`extract` stores nothing, but reads the configured database's history of attacks."""
    path = tmp_path / "talks.json"
    path.write_text(json.dumps({"text": AIRPORT_LAST_OCTOBER, "published": "2025-03-01"}))
    before = json.loads(invoke("extract", str(path)).stdout)
    assert before["incidents"][0]["date"] == "2024-10-01"  # an empty store knows no attack
    load_curated_incidents(db)
    db.commit()
    after = json.loads(invoke("extract", str(path)).stdout)
    assert after["incidents"][0]["date"] == "2024-10-06"
