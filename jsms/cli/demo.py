"""`jsms demo`: load the demo scenario into an empty database and serve it, with the
simulator driving the live movements' devices (so the control room is alive)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from jsms.cli.main import app, console, friendly_errors
from jsms.config import get_settings

if TYPE_CHECKING:
    from jsms.simulator.runner import Simulator

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
    if loaded.devices:
        console.print(f"\n[bold]Tracking devices[/]: {loaded.devices}", soft_wrap=True)
    console.print(
        "\n[bold]Demo logins[/] (username, role, agency, password, second factor). Admins and "
        "approvers also need the current code: run `jsms users totp-code USERNAME` "
        "(with the same JSMS_DATABASE_URL and JSMS_KEY_FILE).",
        soft_wrap=True,
    )
    for login in loaded.logins:
        console.print(f"  {login.line()}", soft_wrap=True, markup=False)
    return True


def _local_broker() -> None:
    """OwnTracks over MQTT for the demo: when JSMS_MQTT_URL is unset and the local broker
    answers, JSMS subscribes to it (as this demo's own group: topics carry its tag)."""
    import os
    import socket

    from jsms.demo.devices import devices_file, read_tag

    tag = read_tag(devices_file())
    if os.environ.get("JSMS_MQTT_URL") or tag is None:
        return
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            pass
    except OSError:
        return
    os.environ["JSMS_MQTT_URL"] = f"mqtt://127.0.0.1:1883/?group={tag}&client_id={tag}-jsms"
    get_settings.cache_clear()


def _simulator(speed_up: float, host: str | None, port: int | None) -> Simulator | None:
    """The convoys on the road, in a thread beside the server (`jsms simulate` does the same
    on its own)."""
    from jsms.cli.simulate import settings_for
    from jsms.simulator.runner import Simulator

    settings = get_settings()
    address = host or settings.bind_host
    address = "127.0.0.1" if address in ("0.0.0.0", "::") else address
    chosen = settings_for(
        speed_up=speed_up, server=f"http://{address}:{port or settings.bind_port}"
    )
    if not chosen.keys_file.exists():
        console.print(f"no device keys at {chosen.keys_file}: the demo runs without the simulator")
        return None
    say = partial(console.print, markup=False, soft_wrap=True)
    return Simulator(chosen, say=lambda line: say(f"simulator: {line}")).start(wait_for=True)


@demo_app.callback()
def demo(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    simulate: Annotated[
        bool, typer.Option(help="drive the live movements' devices (jsms simulate)")
    ] = True,
    speed_up: Annotated[float, typer.Option(min=0.1, max=200.0, help="simulator speed-up")] = 1.0,
) -> None:
    """Load the demo (if the database is empty) and serve it, with convoys on the road."""
    if ctx.invoked_subcommand is not None:
        return
    with friendly_errors():
        _load(quiet=False)
        _local_broker()
        simulator = _simulator(speed_up, host, port) if simulate else None
    from jsms.cli.main import serve

    try:
        serve(host=host, port=port)
    finally:
        if simulator is not None:
            simulator.stop()


@demo_app.command("load")
def load() -> None:
    """Fill an empty database with the demo scenario."""
    with friendly_errors():
        if not _load():
            raise typer.Exit(0)
