"""`jsms osint ...`: extract attacks on foreign nationals from news articles.

``jsms osint extract a.txt b.json`` prints one JSON object per article per line (JSON
Lines), the same object as :func:`jsms.threat.osint.extract.extract_article` returns (dating
month-level mentions of known attacks from the configured database when it has one). Articles are
plain UTF-8 text, or JSON objects with ``text`` and optional ``title``, ``url`` and
``published`` (an ISO date). A batch is not lost to one bad file: a missing, empty,
non-UTF-8 or HTML file is named in one line on stderr and the rest are processed; the run then
ends with exit code 2, saying how many could not be read. A ``published`` that is not a date
is a warning (the article is read without it), not a failure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jsms.threat.osint.batch import ArticleInput

if TYPE_CHECKING:
    from jsms.threat.osint.known import PastIncident

__all__ = ["ArticleFile", "BadArticle", "Batch", "OutputFormat", "osint_app", "read_article"]

osint_app = typer.Typer(help="OSINT news extraction.", no_args_is_help=True)

_HTML_MARKERS = ("<html", "<!doctype")


class OutputFormat(StrEnum):
    """How ``extract`` prints its results."""

    json = "json"
    table = "table"


class BadArticle(Exception):
    """A file that cannot be read as an article; the message names the file and why."""


ArticleFile = ArticleInput
"""An article read from disk, ready for the extractor."""


def _read_text(path: Path) -> str:
    if not path.exists():
        raise BadArticle(f"{path}: no such file")
    if not path.is_file():
        raise BadArticle(f"{path}: not a file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadArticle(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise BadArticle(f"{path}: cannot read ({exc.strerror})") from None
    if not text.strip():
        raise BadArticle(f"{path}: empty")
    return text


def _check_plain(path: Path, text: str) -> None:
    """Refuse web pages: their markup would be read as article text."""
    head = text.lstrip()[:2048].lower()
    if any(marker in head for marker in _HTML_MARKERS):
        raise BadArticle(f"{path}: looks like HTML, not article text (save the text only)")


def _optional_str(path: Path, raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise BadArticle(f"{path}: '{key}' must be a string")
    return value


def _published(path: Path, value: Any) -> date | None:
    """The publication date, or None with a warning: a wrong date is no reason to lose the
    article (the extractor then dates from the text alone)."""
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        typer.echo(
            f"warning: {path}: 'published' {value!r} is not an ISO date; read without it",
            err=True,
        )
        return None


def _from_json(path: Path, text: str) -> ArticleFile:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadArticle(f"{path}: invalid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(raw, dict):
        raise BadArticle(f"{path}: JSON must be an object with a 'text' key")
    body = raw.get("text")
    if not isinstance(body, str) or not body.strip():
        raise BadArticle(f"{path}: JSON has no 'text' (or it is empty)")
    _check_plain(path, body)
    return ArticleFile(
        name=path.name,
        text=body,
        title=_optional_str(path, raw, "title"),
        url=_optional_str(path, raw, "url"),
        published=_published(path, raw.get("published")),
    )


def read_article(path: Path) -> ArticleFile:
    """Read a plain-text or JSON article, raising :class:`BadArticle` with a reason."""
    text = _read_text(path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return _from_json(path, text)
    _check_plain(path, text)
    return ArticleFile(name=path.name, text=text)


@dataclass
class Batch:
    """The articles that could be read, and how many could not (each named on stderr)."""

    articles: list[ArticleFile]
    unreadable: int

    def finish(self) -> None:
        """End the run: exit 2 when any file could not be read, saying how many."""
        if not self.unreadable:
            return
        if self.articles:
            total = len(self.articles) + self.unreadable
            typer.echo(
                f"error: {self.unreadable} of {total} articles could not be read; "
                "the others were processed",
                err=True,
            )
        raise typer.Exit(2)


def _read_all(files: list[Path]) -> Batch:
    """Read every file; a bad one is named on stderr and the rest go on."""
    batch = Batch([], 0)
    for path in files:
        try:
            batch.articles.append(read_article(path))
        except BadArticle as exc:
            typer.echo(f"error: {exc}", err=True)
            batch.unreadable += 1
    return batch


def _nationals_cell(nationals: dict[str, dict[str, int | None]]) -> str:
    def n(value: int | None) -> str:
        return "?" if value is None else str(value)

    return ", ".join(f"{iso} {n(v['killed'])}/{n(v['injured'])}" for iso, v in nationals.items())


def _print_table(results: list[dict[str, Any]]) -> None:
    """One row per incident (or per article without incidents), for a person to read."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="OSINT extraction (killed/injured)")
    for column in ("article", "role", "date", "place", "type", "k/i", "nationals", "claimed by"):
        table.add_column(column, overflow="fold")
    for result in results:
        if not result["incidents"]:
            verdict = (
                "relevant, no incident"
                if result["relevant"]
                else f"not read ({result['unread']})"
                if result.get("unread")
                else "not relevant"
            )
            table.add_row(result["article"], verdict, *[""] * 6)
        for i in result["incidents"]:
            place = ", ".join(p for p in (i["place"], i["province"]) if p) or "-"
            casualties = f"{i['killed'] if i['killed'] is not None else '?'}/" + (
                f"{i['injured'] if i['injured'] is not None else '?'}"
            )
            table.add_row(
                result["article"],
                i["role"],
                i["date"] or "-",
                place,
                i["attack_type"] or "-",
                casualties,
                _nationals_cell(i["nationals"]) or "-",
                i["perpetrator_claimed"] or "-",
            )
    Console().print(table)


def _extract_all(
    articles: Sequence[ArticleFile], history: Sequence[PastIncident]
) -> list[dict[str, Any]]:
    """Every article's extraction, in order, spread over the machine's cores."""
    from jsms.threat.osint.batch import extract_batch

    return extract_batch(articles, history)


def _configured_history() -> tuple[PastIncident, ...]:
    """The configured database's history of known attacks, or none when there is no
    migrated database to read (extracting never needs one, and never creates one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from jsms.config import get_settings
    from jsms.db import transaction
    from jsms.migrate import current
    from jsms.threat.osint.known import load_history

    url = get_settings().database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).is_file():
            return ()
    try:
        if current(url) is None:
            return ()
        with transaction(url=url) as db:
            return load_history(db)
    except SQLAlchemyError:
        return ()


@osint_app.command("extract")
def extract(
    files: Annotated[list[Path], typer.Argument(help="article files: .txt, or .json with 'text'")],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="json: one object per line; table: rich")
    ] = OutputFormat.json,
) -> None:
    """Extract attacks, casualties and claims from news articles (one JSON line each).

    Nothing is stored. A month-level mention of an older attack ('the Karachi airport
    bombing last October') is dated to its day when the configured database (migrated, as
    after `jsms db upgrade`) knows that attack; without such a database nothing is pinned.
    """

    batch = _read_all(files)
    history = _configured_history() if batch.articles else ()
    results = _extract_all(batch.articles, history)
    if output is OutputFormat.table:
        if results:
            _print_table(results)
    else:
        for result in results:
            typer.echo(json.dumps(result, ensure_ascii=False))
    batch.finish()


@osint_app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="article files: .txt, or .json with 'text'")],
) -> None:
    """Extract and store: known events gain a source, new ones wait in the review queue."""
    from datetime import UTC

    from jsms.audit.service import cli_actor
    from jsms.cli.main import console, friendly_errors
    from jsms.db import transaction
    from jsms.threat.osint.ingest import ingest as store
    from jsms.threat.osint.known import load_history

    batch = _read_all(files)
    if not batch.articles:
        batch.finish()
    with friendly_errors():
        with transaction(cli_actor()) as db:
            history = load_history(db)  # what the store knew before this run
        # read with no connection open: the batch forks worker processes
        results = _extract_all(batch.articles, history)
    with friendly_errors(), transaction(cli_actor()) as db:
        for article, result in zip(batch.articles, results, strict=True):
            published = (
                datetime.combine(article.published, datetime.min.time(), UTC)
                if article.published
                else None
            )
            outcome = store(
                db,
                result,
                url=article.url,
                outlet=article.title or article.name,
                published=published,
            )
            if outcome.skipped:
                console.print(f"{article.name}: skipped ({outcome.skipped})")
                continue
            console.print(
                f"{article.name}: {len(outcome.created)} new (review queue), "
                f"{len(outcome.merged)} merged into known incidents, "
                f"{len(outcome.linked)} background links, "
                f"{outcome.aggregates} national totals ignored"
            )
    batch.finish()


from jsms.cli.main import app as _root  # noqa: E402  (registered last: main may import us)

_root.add_typer(osint_app, name="osint")
