"""The scaled-out rows of benchmarks/ingest.py: positions published to NATS JetStream after
each commit, and consumed by one and then two `jsms monitor-worker` processes.

JetStream path: positions/s from the first batch posted until the publisher has had every
position acknowledged by JetStream. Workers: positions/s from the first batch posted until
the workers' durable consumers have nothing pending or unacknowledged.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NATS = "nats://127.0.0.1:4222"


def nats_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
        return True
    except OSError:
        return False


async def _pending(names: Any) -> int:
    import nats

    connection = await nats.connect(NATS)
    try:
        js = connection.jetstream()
        total = 0
        for partition in range(names.partitions):
            try:
                info = await js.consumer_info(names.stream, names.durable_of(partition))
            except Exception:
                continue
            total += info.num_pending + info.num_ack_pending
        return total
    finally:
        await connection.close()


def pending(names: Any) -> int:
    return asyncio.run(_pending(names))


async def _consumers(names: Any) -> int:
    import nats

    connection = await nats.connect(NATS)
    try:
        js = connection.jetstream()
        found = 0
        for partition in range(names.partitions):
            try:
                await js.consumer_info(names.stream, names.durable_of(partition))
                found += 1
            except Exception:
                continue
        return found
    finally:
        await connection.close()


def consumers(names: Any) -> int:
    return asyncio.run(_consumers(names))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_row(
    url: str,
    count: int,
    workers: int,
    server_of: Callable[..., Any],
    load: Callable[..., dict[str, Any]],
    key: str,
) -> tuple[float, float, float]:
    """(JetStream publish rate, drain rate of `workers` monitor workers, positions per
    worker CPU-second). The positions are published first; then the workers start and are
    timed from their first consumer until nothing is pending."""
    from jsms.tracking.stream import JetStreamPublisher, StreamNames

    suffix = f"bench{workers}x{os.getpid()}"
    names = StreamNames().with_suffix(suffix)
    publisher = JetStreamPublisher(NATS, names).start()
    server = server_of(url, bus=publisher)
    try:
        start = time.perf_counter()
        result = load(
            "batch",
            port=server.http_port,
            key=key,
            count=count,
            connections=2,
            per_request=5_000,
            offset=workers * 150_000,
        )
        stored = result["stored"]
        while publisher.published < stored and time.perf_counter() - start < 300:
            time.sleep(0.01)
        published = publisher.published / (time.perf_counter() - start)
    finally:
        server.stop()
        publisher.close()
    command = [
        str(Path(sys.executable).with_name("jsms")),
        "monitor-worker",
        "--stream",
        NATS,
        "--names-suffix",
        suffix,
        "--heartbeat",
        "1",
        "--lease-ttl",
        "4",
    ]
    processes = [
        subprocess.Popen(
            command,
            env={**os.environ, "JSMS_DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        deadline = time.perf_counter() + 600
        while consumers(names) == 0 and time.perf_counter() < deadline:
            time.sleep(0.02)
        began = time.perf_counter()
        cpu = sum(_cpu_seconds(p.pid) for p in processes)
        while pending(names) > 0 and time.perf_counter() < deadline:
            time.sleep(0.05)
        drained = time.perf_counter() - began
        used = sum(_cpu_seconds(p.pid) for p in processes) - cpu
        return published, publisher.published / drained, publisher.published / max(used, 1e-9)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def stream_rows(
    url: str,
    quick: bool,
    server_of: Callable[..., Any],
    load: Callable[..., dict[str, Any]],
    key: str,
) -> list[Any]:
    from benchmarks.ingest import Row, verdict

    if not nats_up():
        return [
            Row(
                "JetStream path / monitor workers",
                "skipped",
                ">= 50,000/s",
                "-",
                "no NATS server on 127.0.0.1:4222",
            )
        ]
    count = 100_000 if quick else 300_000
    rows = []
    rates = {}
    for workers in (1, 2):
        rates[workers] = workers_row(url, count, workers, server_of, load, key)
    published = rates[1][0]
    rows.append(
        Row(
            "JetStream path (batch in, published after commit)",
            f"{published:,.0f}/s",
            ">= 50,000/s",
            verdict(published, 50_000),
            f"{count:,} positions, 16 partitions, file storage",
        )
    )
    for workers in (1, 2):
        drained, per_cpu = rates[workers][1], rates[workers][2]
        rows.append(
            Row(
                f"monitored by {workers} worker{'s' * (workers > 1)} from JetStream",
                f"{drained:,.0f}/s",
                "scales with workers",
                "",
                f"{per_cpu:,.0f} per worker CPU-second; {count:,} positions queued first",
            )
        )
    return rows
