"""`jsms threat import acled|gtd FILE`: load public event datasets, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from jsms.audit.service import cli_actor
from jsms.cli.main import app, console, friendly_errors
from jsms.db import transaction

threat_app = typer.Typer(help="Threat picture: incidents and event data.", no_args_is_help=True)
import_app = typer.Typer(help="Import public event datasets.", no_args_is_help=True)
threat_app.add_typer(import_app, name="import")
app.add_typer(threat_app, name="threat")


def _import(origin: str, file: Path) -> None:
    from jsms.threat.importers import parse_acled, parse_gtd
    from jsms.threat.service import import_records

    parse = parse_gtd if origin == "gtd" else parse_acled
    with friendly_errors():
        records = parse(file)  # the whole file is checked before anything is stored
        with Progress(console=console) as bar, transaction(cli_actor()) as db:
            task = bar.add_task(f"{origin.upper()} {file.name}", total=len(records))
            added, present = import_records(
                db,
                records,
                origin=origin,
                source_name=file.name,
                on_batch=lambda n: bar.advance(task, n),
            )
            bar.update(task, completed=len(records))
    console.print(
        f"{origin.upper()}: {len(records)} rows read, [bold]{added}[/] incidents "
        f"added, {present} already present"
    )


@import_app.command("gtd")
def import_gtd(file: Annotated[Path, typer.Argument(help="GTD CSV (public layout)")]) -> None:
    """Import Global Terrorism Database rows."""
    _import("gtd", file)


@import_app.command("acled")
def import_acled(file: Annotated[Path, typer.Argument(help="ACLED CSV export")]) -> None:
    """Import ACLED events."""
    _import("acled", file)
