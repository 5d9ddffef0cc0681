"""`jsms simulate`: drive the demo's convoys along their approved routes (see jsms.simulator),
speaking OsmAnd over HTTP and OwnTracks over MQTT to a running JSMS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jsms.cli.main import app, console, err, friendly_errors
from jsms.config import get_settings

if TYPE_CHECKING:
    from jsms.simulator.runner import Settings

SPEED_UP = typer.Option(min=0.1, max=200.0, help="cover the route this many times faster")


def settings_for(
    *,
    speed_up: float = 1.0,
    osmand: str | None = None,
    server: str | None = None,
    mqtt: str | None = None,
    keys: Path | None = None,
    deviate_after: float | None = 120.0,
    stop_after: float | None = 600.0,
    sos_after: float | None = 900.0,
    script_on: str | None = None,
) -> Settings:
    """The simulator's settings, defaults from JSMS's own (the same ports and broker)."""
    from jsms.demo.devices import devices_file
    from jsms.simulator.runner import Settings
    from jsms.simulator.script import Script

    settings = get_settings()
    host = "127.0.0.1" if settings.bind_host in ("0.0.0.0", "::") else settings.bind_host
    return Settings(
        database_url=settings.database_url,
        keys_file=keys or devices_file(),
        osmand_url=osmand or f"http://{host}:{settings.osmand_port or 5055}",
        server_url=server or f"http://{host}:{settings.bind_port}",
        mqtt_url=settings.mqtt_url if mqtt is None else (mqtt if mqtt != "off" else None),
        speed_up=speed_up,
        script=Script(deviate_after=deviate_after, stop_after=stop_after, sos_after=sos_after),
        script_on=script_on,
    )


@app.command()
def simulate(
    speed_up: Annotated[float, SPEED_UP] = 1.0,
    osmand: Annotated[
        str | None, typer.Option(help="Traccar Client's server (default the OsmAnd port)")
    ] = None,
    server: Annotated[str | None, typer.Option(help="JSMS, for OwnTracks over HTTP")] = None,
    mqtt: Annotated[
        str | None, typer.Option(help="broker URL (default JSMS_MQTT_URL); 'off' for HTTP")
    ] = None,
    keys: Annotated[Path | None, typer.Option(help="the devices' keys (demo-devices.json)")] = None,
    deviate_after: Annotated[
        float, typer.Option(help="seconds after setting off: leave the corridor; <0 never")
    ] = 120.0,
    stop_after: Annotated[
        float, typer.Option(help="seconds after setting off: an unplanned stop; <0 never")
    ] = 600.0,
    sos_after: Annotated[
        float, typer.Option(help="seconds after setting off: SOS from a tracker; <0 never")
    ] = 900.0,
    script_on: Annotated[
        str | None, typer.Option(help="movement reference for the trouble (default: the first)")
    ] = None,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
) -> None:
    """Drive the demo's live movements along their routes (Ctrl-C stops)."""
    from jsms.simulator.runner import Simulator

    def never_if_negative(value: float) -> float | None:
        return None if value < 0 else value

    with friendly_errors():
        chosen = settings_for(
            speed_up=speed_up,
            osmand=osmand,
            server=server,
            mqtt=mqtt,
            keys=keys,
            deviate_after=never_if_negative(deviate_after),
            stop_after=never_if_negative(stop_after),
            sos_after=never_if_negative(sos_after),
            script_on=script_on,
        )
        if not chosen.keys_file.exists():
            err.print(
                f"[bold red]error:[/] no device keys at {chosen.keys_file}: load the demo "
                "(`jsms demo load`) or name the file with --keys"
            )
            raise typer.Exit(2)
        simulator = Simulator(chosen, say=lambda line: console.print(f"simulator: {line}"))
        try:
            simulator.run(duration)
        except KeyboardInterrupt:
            simulator.close()
        console.print(f"simulator: {simulator.summary()}")
