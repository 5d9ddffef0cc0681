"""`jsms monitor-worker`: one of N processes sharing the live monitoring of movements from
the position stream on NATS JetStream (docs/live-operations.md, "Scaling out")."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from jsms.cli.main import app, err
from jsms.config import get_settings


@app.command("monitor-worker")
def monitor_worker(
    stream: Annotated[
        str | None,
        typer.Option(help="NATS URL of the position stream (default: JSMS_STREAM_URL)"),
    ] = None,
    partitions: Annotated[int, typer.Option(min=1, max=1024, help="partitions of the stream")] = 16,
    heartbeat: Annotated[float, typer.Option(min=0.1, help="seconds between lease renewals")] = 2.0,
    lease_ttl: Annotated[
        float, typer.Option(min=0.5, help="seconds a lease lives without renewal")
    ] = 6.0,
    ack_wait: Annotated[
        float, typer.Option(min=1, help="seconds before an unacknowledged message is resent")
    ] = 10.0,
    names_suffix: Annotated[
        str, typer.Option(help="suffix for the stream, bucket and consumer names (tests)")
    ] = "",
) -> None:
    """Monitor the movements of the partitions this worker holds a lease on; a killed
    worker's partitions pass to the others within seconds."""
    from jsms.tracking.stream import StreamNames, stream_url_from_env
    from jsms.tracking.stream_worker import MonitorWorker, WorkerTimes

    url = stream or stream_url_from_env()
    if not url:
        err.print("[bold red]error:[/] give --stream nats://host:4222 or set JSMS_STREAM_URL")
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = StreamNames(partitions=partitions)
    if names_suffix:
        names = names.with_suffix(names_suffix)
    worker = MonitorWorker(
        url,
        get_settings().database_url,
        names,
        WorkerTimes(heartbeat_s=heartbeat, lease_ttl_s=lease_ttl, ack_wait_s=ack_wait),
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await worker.run(stop)

    asyncio.run(main())
