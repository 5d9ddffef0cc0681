"""`jsms threat import acled|gtd FILE`: load public event datasets, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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


risk_app = typer.Typer(help="Risk surface and threat levels.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")


@risk_app.command("rebuild")
def risk_rebuild() -> None:
    """Recompute the risk surface from every accepted incident and show what it holds."""
    from jsms.audit import service as audit
    from jsms.threat import surface

    with friendly_errors(), transaction(cli_actor()) as db:
        stats = surface.rebuild(db)
        audit.record(db, action="risk.rebuild", object_type="risk_surface", detail=stats)
    levels = ", ".join(f"{name} {count}" for name, count in stats["cells_by_level"].items())
    console.print(
        f"risk surface: {stats['events']} incidents, {stats['cells']} cells, "
        f"{stats['regions']} regions in {stats['seconds']} s; cells by level: {levels}"
    )


@threat_app.command("load-history")
def load_history() -> None:
    """Load the project's curated record of attacks on foreign nationals since 2018."""
    from jsms.threat.service import load_curated_incidents

    with friendly_errors(), transaction(cli_actor()) as db:
        added, present = load_curated_incidents(db)
    console.print(f"{added} historical incidents added, {present} already present")


review_app = typer.Typer(help="The analyst review queue of OSINT incidents.", no_args_is_help=True)
threat_app.add_typer(review_app, name="review")


def _analyst_actor() -> Any:
    """The command line acts as an analyst of the host side (audited as cli:<user>)."""
    from jsms.identity.policy import Actor
    from jsms.identity.roles import Role, Side

    return Actor(
        user_id="",
        username=cli_actor(),
        agency_id="",
        side=Side.HOST,
        roles=frozenset({Role.ANALYST}),
    )


@review_app.command("list")
def review_list() -> None:
    """Incidents waiting for a decision, oldest report first."""
    from rich.table import Table

    from jsms.threat.service import review_queue

    with friendly_errors(), transaction(cli_actor()) as db:
        rows = db.scalars(review_queue(_analyst_actor())).all()
        table = Table(title=f"Review queue ({len(rows)})")
        table.add_column("id", no_wrap=True, min_width=36)
        for column in ("date", "place", "type", "killed", "sources", "why"):
            table.add_column(column)
        for i in rows:
            table.add_row(
                i.id,
                f"{i.occurred_at:%Y-%m-%d}",
                i.place_name or i.province or "-",
                i.attack_type,
                str(i.killed if i.killed is not None else "?"),
                ", ".join(s.outlet for s in i.sources)[:60],
                i.notes[:160],
            )
    console.print(table)


@review_app.command("decide")
def review_decide(
    incident_id: str,
    decision: Annotated[str, typer.Argument(help="accept, reject or merge")],
    into: Annotated[str | None, typer.Option(help="with merge: the known incident's id")] = None,
    note: Annotated[str, typer.Option(help="why, kept with the incident")] = "",
) -> None:
    """Accept, reject, or merge a queued incident into a known one."""
    from jsms.errors import Invalid
    from jsms.threat.service import review

    with friendly_errors():
        if decision not in {"accept", "reject", "merge"}:
            raise Invalid("decision must be accept, reject or merge")
        with transaction(cli_actor()) as db:
            incident = review(
                db, _analyst_actor(), incident_id, decision=decision, merge_into=into, note=note
            )
    console.print(f"{incident.id}: {incident.review_status}")
