"""`jsms report sitrep`: the daily situation report as an HTML or PDF file.

The command line is the operator's seat: the report is the full one (every movement with its
route and times), marked RESTRICTED, and its generation is in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from jsms.audit.service import cli_actor
from jsms.cli.main import app, console, friendly_errors
from jsms.db import transaction
from jsms.errors import Invalid
from jsms.movements.sop.local_time import DEFAULT_ZONE
from jsms.reports.schemas import SitrepRequest

report_app = typer.Typer(help="Reports: the daily SITREP.", no_args_is_help=True)
app.add_typer(report_app, name="report")
FORMATS = ("html", "pdf")


def _request(date: str | None, cutoff: str) -> SitrepRequest:
    """The options as the report's request; a bad one is named in one line."""
    today = datetime.now(DEFAULT_ZONE.tz).date().isoformat()
    try:
        return SitrepRequest.model_validate({"date": date or today, "cutoff": cutoff})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first.get("loc") else "date"
        raise Invalid(f"--{name}: {str(first['msg']).removeprefix('Value error, ')}") from None


def _write(path: Path, body: str | bytes) -> None:
    if not path.parent.is_dir():
        raise Invalid(f"cannot write {path}: no such folder {path.parent}")
    try:
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise Invalid(f"cannot write {path}: {exc.strerror}") from None


@report_app.command("sitrep")
def sitrep(
    date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (default: today, local time)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html or pdf")] = "html",
    output: Annotated[
        Path | None, typer.Option(help="the file to write (default: sitrep-DATE.html|pdf here)")
    ] = None,
    cutoff: Annotated[str, typer.Option(help="HH:MM local time the 24 hours end at")] = "06:00",
) -> None:
    """The 24 hours to the cut-off on DATE: incidents, threat-level changes, movements,
    charts and a map. The full report, marked RESTRICTED; its generation is audited."""
    from jsms.reports import figures, html, service
    from jsms.reports.pdf import render_pdf

    with friendly_errors():
        if fmt not in FORMATS:
            raise Invalid(f"--format must be html or pdf, not {fmt!r}")
        asked = _request(date, cutoff)
        path = (output or Path(f"sitrep-{asked.date.isoformat()}.{fmt}")).resolve()
        operator = cli_actor()
        with transaction(operator) as db:
            report = service.gather(db, None, asked, prepared_for=f"{operator} (operator)")
            drawings = figures.draw(report)
            if fmt == "pdf":
                _write(path, render_pdf(report, drawings))
            else:
                _write(path, html.render_file(report, drawings))
            service.record_generation(db, report, fmt, file=path.name)
    counted = ", ".join(
        f"{count} {word}{'' if count == 1 else 's'}"
        for count, word in (
            (len(report.incidents), "incident"),
            (len(report.level_changes), "level change"),
            (len(report.movements.full), "movement"),
        )
    )
    console.print(
        f"SITREP {asked.date:%d %b %Y} (RESTRICTED) written to {escape(str(path))}: {counted}",
        soft_wrap=True,
    )
