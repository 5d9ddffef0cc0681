"""Ingest and live monitoring under load (issue 9), printed side by side with the targets.

Run ``.venv/bin/python benchmarks/ingest.py`` (``--quick`` for a short run,
``--database postgresql://postgres@127.0.0.1/jsms_bench`` for PostgreSQL: the database is
emptied first). It seeds a fresh database with 1,000 movements on the road and 10,000
devices (ten vehicle trackers per movement, plus their OwnTracks twins and a gateway),
then serves it IN THIS PROCESS exactly as `jsms serve` does (uvicorn, the OsmAnd port,
the ingest pipeline, the embedded live monitor raising alerts) while the load comes from
another process (benchmarks/ingest_load.py: raw keep-alive sockets with pipelining, HTTP
batches, an MQTT publisher).

"With full monitoring" means the clock stops only when the monitor has handled every
stored position, not when the last answer went out. Position-to-alert latency is from the
moment the load process sent an SOS fix to the alert's opening time, while 10,000 devices
report every two seconds. The JetStream rows and the 1- and 2-worker rows use the NATS
server on 127.0.0.1:4222 and `jsms monitor-worker` processes (skipped when it is down).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `jsms` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HERE = Path(__file__).resolve().parent
KEY = "bench-device-key-0123456789abcdef"
PER_MOVEMENT = 10


@dataclass
class Row:
    what: str
    figure: str
    target: str
    verdict: str
    note: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Seeding ------------------------------------------------------------------------------------


def seed(url: str, devices: int) -> None:
    """A fresh schema, two agencies, a requester, movements on the road, devices."""
    from sqlalchemy import insert, text

    from jsms.db import make_engine, new_id, transaction, utcnow
    from jsms.identity import service as identity
    from jsms.identity.roles import Role, Side
    from jsms.migrate import upgrade
    from jsms.movements.models import Movement
    from jsms.tracking.models import Device

    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    with transaction("benchmark", url) as db:
        identity.create_agency(
            db,
            name="Sindh SPU",
            short_name="SPU-S",
            side=Side.HOST,
            country="PK",
            provinces=["Sindh"],
        )
        company = identity.create_agency(
            db, name="Bench Co", short_name="BENCH", side=Side.CLIENT, country="CN", provinces=[]
        )
        user = identity.create_user(
            db,
            username="bench.requester",
            display_name="bench",
            agency_id=company.id,
            roles=[Role.REQUESTER],
            password="bench-password-123",
        ).user
        company_id, user_id = company.id, user.id
    now = utcnow()
    movements = devices // PER_MOVEMENT
    movement_rows, device_rows = [], []
    secret = hashlib.sha256(KEY.encode()).hexdigest()
    for m in range(movements):
        lat = 24.0 + m * 0.001
        movement_id = new_id()
        registrations = [f"BV-{m}-{k}" for k in range(PER_MOVEMENT)]
        movement_rows.append(
            {
                "id": movement_id,
                "reference": f"MV-BENCH-{m:05d}",
                "purpose": "benchmark",
                "client_agency_id": company_id,
                "created_by": user_id,
                "status": "in_progress",
                "version": 1,
                "origin_name": "west",
                "origin_lat": lat,
                "origin_lon": 67.0,
                "destination_name": "east",
                "destination_lat": lat,
                "destination_lon": 67.45,
                "departure_at": now - timedelta(minutes=30),
                "arrival_at": now + timedelta(hours=3),
                "started_at": now - timedelta(minutes=30),
                "release_at": now - timedelta(hours=1),
                "passenger_ids": [],
                "jurisdictions": ["Sindh"],
                "evaluation": {},
                "vehicles": [
                    {"registration": r, "armoured": True, "seats": 4, "passengers": 1}
                    for r in registrations
                ],
                "route": {"label": "fastest", "coordinates": [[67.0, lat], [67.45, lat]]},
                "created_at": now,
                "updated_at": now,
            }
        )
        for k, registration in enumerate(registrations):
            index = m * PER_MOVEMENT + k
            for identifier, protocol in (
                (f"bench-{index}", "osmand"),
                (f"bench/d{index}", "owntracks"),
            ):
                device_rows.append(
                    {
                        "id": new_id(),
                        "identifier": identifier,
                        "label": "",
                        "protocol": protocol,
                        "agency_id": company_id,
                        "person_id": None,
                        "unit_id": None,
                        "vehicle_registration": registration,
                        "secret_hash": secret,
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
    device_rows.append(
        {
            "id": new_id(),
            "identifier": "bench-gateway",
            "label": "",
            "protocol": "gateway",
            "agency_id": company_id,
            "person_id": None,
            "unit_id": None,
            "vehicle_registration": None,
            "secret_hash": secret,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
    )
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Movement), movement_rows)
        connection.execute(insert(Device), device_rows)
    engine.dispose()


# The server, in this process ------------------------------------------------------------------


class Server:
    """uvicorn + the OsmAnd port + (optionally) the MQTT subscriber, with the live monitor
    embedded or positions published to JetStream, on one event loop in a thread."""

    def __init__(self, url: str, mqtt_url: str = "", bus: Any = None) -> None:
        import uvicorn

        from jsms.app import create_app
        from jsms.tracking.ingest import pipeline_for
        from jsms.tracking.listener import start_listener
        from jsms.tracking.live import start_live_operations
        from jsms.tracking.mqtt import MqttSubscriber

        self.app = create_app(url)
        if bus is None:  # the embedded monitor, as `jsms serve` runs it by default
            self.live: Any = start_live_operations(self.app, url)
        else:  # e.g. a JetStream publisher feeding monitor worker processes
            self.app.state.position_bus, self.app.state.live_monitor, self.live = bus, None, None
        self.pipeline = pipeline_for(self.app)
        self.http_port, self.osmand_port = free_port(), free_port()
        self.uvicorn = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.http_port, log_level="warning")
        )
        self.subscriber = MqttSubscriber(self.pipeline, mqtt_url) if mqtt_url else None
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def main() -> None:
            await start_listener(self.pipeline, "127.0.0.1", self.osmand_port)
            ready.set()
            await self.uvicorn.serve()

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),))
        self.thread.daemon = True
        self.thread.start()
        ready.wait(30)
        while not self.uvicorn.started:
            time.sleep(0.05)
        if self.subscriber is not None:
            self.subscriber.start()
            self.subscriber.connected.wait(10)
        self.monitor = self.app.state.live_monitor
        if self.monitor is not None:
            self.monitor.refresh()  # watch all 1,000 movements before the clock starts

    def monitored(self) -> int:
        return self.monitor.counters.positions if self.monitor is not None else 0

    def stop(self) -> None:
        if self.subscriber is not None:
            self.subscriber.stop()
        self.uvicorn.should_exit = True
        self.thread.join(30)
        self.pipeline.close()
        if self.live is not None:
            self.live.stop()


def load(kind: str, **options: Any) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "ingest_load.py"), kind]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def until(predicate: Any, timeout: float = 300.0) -> float:
    """Wait until `predicate()`; the moment it held (perf_counter)."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)
    return time.perf_counter()


def throughput(server: Server, kind: str, count: int, **options: Any) -> tuple[float, float, float]:
    """(positions/s as answered, positions/s fully monitored, positions per CPU-second of
    this process: what the server does with a core of its own, whatever else runs here)."""
    stored_before, monitored_before = server.pipeline.stored_total, server.monitored()
    cpu = time.process_time()
    start = time.perf_counter()
    result = load(kind, count=count, **options)
    answered = start + result["seconds"]
    if kind == "mqtt":  # the publisher is done when the broker has them, not JSMS
        answered = until(lambda: server.pipeline.stored_total - stored_before >= count)
    stored = server.pipeline.stored_total - stored_before
    finished = until(lambda: server.monitored() - monitored_before >= stored)
    used = time.process_time() - cpu
    return (
        stored / (answered - start),
        stored / (max(finished, answered) - start),
        stored / used if used else 0.0,
    )


# The rows -------------------------------------------------------------------------------------


def verdict(value: float, target: float, *, lower_is_better: bool = False) -> str:
    met = value <= target if lower_is_better else value >= target
    return "met" if met else "NOT met"


def http_and_batch(url: str, quick: bool) -> list[Row]:
    server = Server(url)
    try:
        load("osmand", port=server.osmand_port, count=5_000, key=KEY, offset=7)  # warm up
        count = 30_000 if quick else 120_000
        answered, monitored, per_cpu = throughput(
            server, "osmand", count, port=server.osmand_port, key=KEY, connections=8, depth=128
        )
        rows = [
            Row(
                "HTTP (OsmAnd port), full monitoring",
                f"{monitored:,.0f}/s",
                ">= 8,000/s",
                verdict(monitored, 8_000),
                f"answered at {answered:,.0f}/s; {per_cpu:,.0f} per server CPU-second; "
                f"{count:,} fixes",
            ),
        ]
        count = 100_000 if quick else 400_000
        answered, monitored, per_cpu = throughput(
            server,
            "batch",
            count,
            port=server.http_port,
            key=KEY,
            connections=2,
            per_request=5_000,
            offset=17,
        )
        rows.append(
            Row(
                "batch (5,000 fixes/request), full monitoring",
                f"{monitored:,.0f}/s",
                ">= 50,000/s",
                verdict(monitored, 50_000),
                f"answered at {answered:,.0f}/s; {per_cpu:,.0f} per server CPU-second",
            )
        )
        rows.append(latency(server, url, quick))
        return rows
    finally:
        server.stop()


def latency(server: Server, url: str, quick: bool) -> Row:
    """SOS fixes among 10,000 devices reporting every 2 s: sent -> alert opened."""
    from sqlalchemy import select

    from jsms.alerts.models import Alert
    from jsms.db import new_session
    from jsms.tracking.models import Device

    seconds = 20 if quick else 60
    result = load(
        "osmand",
        port=server.osmand_port,
        key=KEY,
        rate=5_000,
        count=5_000 * seconds,
        probes=20 if quick else 50,
        connections=8,
        depth=256,
    )
    sent = dict(result["probes"])  # identifier -> time sent
    time.sleep(3)
    db = new_session(url)
    try:
        rows = db.execute(
            select(Device.identifier, Alert.opened_at)
            .join(Alert, Alert.device_id == Device.id)
            .where(Alert.kind == "sos", Device.identifier.in_(list(sent)))
        ).all()
    finally:
        db.close()
    delays = sorted(opened.timestamp() - sent[identifier] for identifier, opened in rows)
    if not delays:
        return Row("position-to-alert p99, 10,000 devices", "no alert", "< 500 ms", "NOT met")
    p99 = delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))] * 1000
    p50 = statistics.median(delays) * 1000
    return Row(
        "position-to-alert p99, 10,000 devices every 2 s",
        f"{p99:,.0f} ms",
        "< 500 ms",
        verdict(p99, 500, lower_is_better=True),
        f"p50 {p50:,.0f} ms, max {delays[-1] * 1000:,.0f} ms; {len(delays)} of {len(sent)} SOS "
        f"alerts; background {result['ok'] / result['seconds']:,.0f}/s",
    )


def mqtt_row(url: str, quick: bool) -> Row:
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(mosquitto).exists():
        return Row("MQTT (OwnTracks, QoS 1)", "skipped", ">= 50,000/s", "-", "no mosquitto")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "mosquitto.conf"
        config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 1000000\nmax_inflight_messages 0\n"
        )
        broker = subprocess.Popen([mosquitto, "-c", str(config)], stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        server = Server(url, mqtt_url=f"mqtt://127.0.0.1:{port}/?client_id=bench-ingest")
        try:
            count = 30_000 if quick else 100_000  # all published at once: a backlog
            answered, monitored, per_cpu = throughput(server, "mqtt", count, port=port, depth=5_000)
            return Row(
                "MQTT (OwnTracks, QoS 1, Mosquitto), full monitoring",
                f"{monitored:,.0f}/s",
                ">= 50,000/s",
                verdict(monitored, 50_000),
                f"{count:,} published at once; stored at {answered:,.0f}/s; {per_cpu:,.0f} per "
                "server CPU-second; JSMS's own MQTT v5 subscriber, a raw-socket publisher",
            )
        finally:
            server.stop()
            broker.terminate()
            broker.wait(10)


def print_table(rows: list[Row], database: str) -> None:
    cores = os.cpu_count()
    load_now = os.getloadavg()[0]
    print(
        f"\nIngest benchmark on {database}; {cores} cores, load average {load_now:.1f} at the end"
    )
    widths = [
        max(len(getattr(r, f)) for r in rows) for f in ("what", "figure", "target", "verdict")
    ]
    header = ("measure", "JSMS", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line + " | note")
    print("-" * (len(line) + 8))
    for r in rows:
        cells = (r.what, r.figure, r.target, r.verdict)
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f" | {r.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--skip", default="", help="comma list of: http,mqtt,stream")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        os.environ.setdefault("JSMS_KEY_FILE", f"{folder}/keys.json")
        os.environ["JSMS_DATABASE_URL"] = url
        # The seeded devices have never reported: without these, the monitor would open
        # 2,000 stale-fix and late-departure alerts at start (an artefact of the seeding)
        os.environ.setdefault("JSMS_MONITOR_STALE_FIX_MINUTES", "60")
        os.environ.setdefault("JSMS_MONITOR_LATE_DEPARTURE_MINUTES", "120")
        seed(url, 10_000)
        rows: list[Row] = []
        if "http" not in skip:
            rows += http_and_batch(url, args.quick)
        if "mqtt" not in skip:
            rows.append(mqtt_row(url, args.quick))
        if "stream" not in skip:
            from benchmarks.ingest_stream import stream_rows

            rows += stream_rows(url, args.quick, Server, load, KEY)
        print_table(rows, "PostgreSQL" if url.startswith("postgresql") else "SQLite (WAL)")


if __name__ == "__main__":
    main()
