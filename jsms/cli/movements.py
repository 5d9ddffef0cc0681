"""`jsms movement ...`: who knew a plan, and approval reminders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from jsms.audit import service as audit
from jsms.audit.service import cli_actor
from jsms.cli.main import app, console, friendly_errors
from jsms.db import transaction, utcnow
from jsms.errors import Invalid, NotFound

movement_app = typer.Typer(help="Movements: who knew, reminders.", no_args_is_help=True)
app.add_typer(movement_app, name="movement")


@movement_app.command("who-knew")
def who_knew(movement: str = typer.Argument(help="movement id or reference")) -> None:
    """Everyone who saw the route or times before departure, first viewer first."""
    from jsms.movements.models import Movement
    from jsms.movements.whoknew import who_knew as knowers

    with friendly_errors(), transaction(cli_actor()) as db:
        found = db.scalar(
            select(Movement).where((Movement.id == movement) | (Movement.reference == movement))
        )
        if found is None:
            raise NotFound(f"no movement {movement}")
        audit.record(db, action="movement.who_knew", object_type="movement", object_id=found.id)
        rows = knowers(db, found)
    table = Table(
        title=f"Who knew {found.reference} before {found.departure_at:%Y-%m-%d %H:%M} UTC"
    )
    for column in ("user", "roles", "agency", "first seen (UTC)", "views", "how"):
        table.add_column(column)
    for k in rows:
        table.add_row(
            k.username,
            ", ".join(k.roles),
            k.agency or "",
            f"{k.first_seen:%Y-%m-%d %H:%M:%S}",
            str(k.views),
            ", ".join(sorted(k.how)),
        )
    console.print(table if rows else f"nobody saw the plan of {found.reference} before departure")


@movement_app.command("remind")
def remind() -> None:
    """Record reminders for approvals due within six hours (run from cron)."""
    from jsms.movements.approvals import due_reminders

    with friendly_errors(), transaction(cli_actor()) as db:
        rows = due_reminders(db, utcnow())
        for approval in rows:
            console.print(
                f"{approval.movement.reference}: {approval.party} decision due "
                f"{approval.due_at:%Y-%m-%d %H:%M} UTC"
            )
    console.print(f"{len(rows)} reminder(s) recorded")


leak_app = typer.Typer(help="Leak tracing.", no_args_is_help=True)
app.add_typer(leak_app, name="leak")


@leak_app.command("trace")
def leak_trace(
    file: Annotated[Path, typer.Argument(help="the leaked text, HTML or PDF")],
    movement: Annotated[
        str | None, typer.Option(help="limit to one movement (id or reference)")
    ] = None,
) -> None:
    """Name the recipient whose copy of a movement order the leaked file most likely came from."""
    from jsms.movements.models import Movement
    from jsms.movements.orders.leak_trace import read_leak, trace_leak_audited
    from jsms.movements.orders.watermark import CONFIDENT

    with friendly_errors():
        if not file.is_file():
            raise Invalid(f"{file}: no such file")
        text = read_leak(file)
        if len(text.strip()) < 20:
            raise Invalid(f"{file}: too little text to trace")
        with transaction(cli_actor()) as db:
            movement_id = None
            if movement:
                found = db.scalar(
                    select(Movement).where(
                        (Movement.id == movement) | (Movement.reference == movement)
                    )
                )
                if found is None:
                    raise NotFound(f"no movement {movement}")
                movement_id = found.id
            suspects = trace_leak_audited(db, text, movement_id=movement_id, file=file.name)
    if not suspects:
        console.print("no issued order copies to compare with")
        raise typer.Exit(1)
    best = suspects[0]
    verdict = "most likely source" if best.confidence >= CONFIDENT else "no confident match; best"
    console.print(
        f"{verdict}: [bold]{best.username}[/] ({best.reference}), confidence "
        f"{best.confidence:.3f} — {best.matched} watermark slots match, "
        f"{best.mismatched} differ, invisible mark: {best.invisible}"
    )
    for other in suspects[1:4]:
        console.print(f"  then {other.username} ({other.reference}): {other.confidence:.3f}")
