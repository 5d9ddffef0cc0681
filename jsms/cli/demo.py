"""`jsms demo`: load the demo scenario into an empty database and serve it."""

from __future__ import annotations

from typing import Annotated

import typer

from jsms.cli.main import app, console, friendly_errors

demo_app = typer.Typer(help="Demo scenario.", invoke_without_command=True)
app.add_typer(demo_app, name="demo")


def _load(quiet: bool = False) -> bool:
    from jsms.demo.scenario import database_is_empty, load_scenario
    from jsms.migrate import upgrade

    upgrade()
    if not database_is_empty():
        if not quiet:
            console.print("database already holds data; demo not loaded again")
        return False
    loaded = load_scenario(progress=True)
    console.print(loaded.threat.summary(), soft_wrap=True, markup=False)
    console.print("\n[bold]Demo movements[/] (times relative to now):")
    for row in loaded.movements:
        console.print(f"  {row}", soft_wrap=True, markup=False)
    console.print(
        "\n[bold]Demo logins[/] (username, role, agency, password, second factor). Admins and "
        "approvers also need the current code: run `jsms users totp-code USERNAME` "
        "(with the same JSMS_DATABASE_URL and JSMS_KEY_FILE).",
        soft_wrap=True,
    )
    for login in loaded.logins:
        console.print(f"  {login.line()}", soft_wrap=True, markup=False)
    return True


@demo_app.callback()
def demo(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
) -> None:
    """Load the demo (if the database is empty) and serve it."""
    if ctx.invoked_subcommand is not None:
        return
    with friendly_errors():
        _load(quiet=False)
    from jsms.cli.main import serve

    serve(host=host, port=port)


@demo_app.command("load")
def load() -> None:
    """Fill an empty database with the demo scenario."""
    with friendly_errors():
        if not _load():
            raise typer.Exit(0)
