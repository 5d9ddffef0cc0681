"""The live movement monitor under load (issue 9), printed side by side with the targets.

Run ``.venv/bin/python benchmarks/monitor.py`` (``--quick`` for a short run, ``--database
postgresql://postgres@127.0.0.1/jsms_monitor_bench`` for PostgreSQL: emptied first,
``--skip core,latency,stream`` to leave parts out). Three measures:

- the pure core alone: positions per CPU second of one process (so other work on the shared
  machine does not count), 10,000 devices on 5,000 movements, a fifth of the fixes off the
  road so episodes open and close;
- position-to-alert latency through the monitor service as `jsms serve` embeds it: 10,000
  devices report every two seconds through the in-process bus while, every second, one of
  them presses SOS; from the hand-over to the bus to the alert's opening (committed in
  the database), p50 and p99. Ingest's own share is in benchmarks/ingest.py;
- the stream path: positions published to NATS JetStream (127.0.0.1:4222) and consumed by 1,
  then 2, `jsms monitor-worker` processes; positions per second from the first publish to the
  last acknowledgement (skipped when NATS is down).

``stream_throughput(url, workers, count)`` and ``core_rate()`` are plain functions, for
benchmarks/ingest.py to call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `jsms` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsms.tracking.fixes import StoredPosition
from jsms.tracking.monitor import Monitor, WatchPlan
from jsms.tracking.monitor.route import METRES_PER_DEGREE

NATS_URL = "nats://127.0.0.1:4222"
WARM_UP_S = 5.0  # positions flow this long before the first SOS is timed
ROAD_M = 50_000.0
LON_PER_M = 1 / (METRES_PER_DEGREE * 0.9)


def road(movement: int) -> tuple[tuple[float, float], tuple[float, float]]:
    lat = 24.0 + movement * 0.001
    return (lat, 67.0), (lat, 67.0 + ROAD_M * LON_PER_M)


def fix(
    seq: int, device: str, movement: str, lat: float, at: datetime, along: float, **extra: object
) -> StoredPosition:
    north = float(extra.get("north", 0.0))  # type: ignore[arg-type]
    alarm = extra.get("alarm")
    return StoredPosition(
        seq,
        device,
        movement,
        "protectee",
        at,
        at,
        lat + north / METRES_PER_DEGREE,
        67.0 + along * LON_PER_M,
        15.0,
        alarm if isinstance(alarm, str) else None,
    )


# The core alone -----------------------------------------------------------------------------


def core_rate(movements: int = 5_000, devices_per: int = 2, rounds: int = 20) -> dict[str, float]:
    """Positions per CPU second (and per wall second) through the pure core."""
    t0 = datetime.now(UTC)
    monitor = Monitor()
    for m in range(movements):
        start, end = road(m)
        monitor.watch(
            WatchPlan(
                f"m{m}",
                f"MV-{m}",
                (start, end),
                t0,
                t0 + timedelta(hours=1),
                devices={f"d{m}-{k}": "protectee" for k in range(devices_per)},
                started_at=t0,
            )
        )
    rng = random.Random(7)
    batches, seq = [], 0
    for r in range(rounds):
        batch = []
        for m in range(movements):
            lat = road(m)[0][0]
            for k in range(devices_per):
                seq += 1
                north = 600.0 if rng.random() < 0.2 else rng.uniform(0, 60)
                at = t0 + timedelta(seconds=5 * r + k)
                batch.append(fix(seq, f"d{m}-{k}", f"m{m}", lat, at, 75.0 * r, north=north))
        batches += [batch[i : i + 500] for i in range(0, len(batch), 500)]
    cpu, wall = time.process_time(), time.perf_counter()
    for batch in batches:
        monitor.feed(batch)
    monitor.tick(t0 + timedelta(seconds=5 * rounds))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"positions": seq, "per_cpu_s": seq / cpu, "per_wall_s": seq / wall}


# A database with movements on the road ------------------------------------------------------


def seed(url: str, movements: int, devices_per: int) -> list[tuple[str, list[str], float]]:
    """A fresh schema; ``movements`` on the road since a minute ago with ``devices_per``
    vehicle trackers each; returns (movement id, device ids, latitude of its road)."""
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
    out, movement_rows, device_rows = [], [], []
    for m in range(movements):
        (lat, lon0), (_, lon1) = road(m)
        movement_id = new_id()
        registrations = [f"MB-{m}-{k}" for k in range(devices_per)]
        movement_rows.append(
            {
                "id": movement_id,
                "reference": f"MV-MON-{m:05d}",
                "purpose": "benchmark",
                "client_agency_id": company_id,
                "created_by": user_id,
                "status": "in_progress",
                "version": 1,
                "origin_name": "west",
                "origin_lat": lat,
                "origin_lon": lon0,
                "destination_name": "east",
                "destination_lat": lat,
                "destination_lon": lon1,
                "departure_at": now - timedelta(minutes=1),
                "started_at": now - timedelta(minutes=1),
                "arrival_at": now + timedelta(hours=2),
                "passenger_ids": [],
                "jurisdictions": [],
                "evaluation": {},
                "route": {"coordinates": [[lon0, lat], [lon1, lat]]},
                "vehicles": [
                    {"registration": r, "armoured": True, "seats": 4, "passengers": 1}
                    for r in registrations
                ],
                "created_at": now,
                "updated_at": now,
            }
        )
        ids = []
        for registration in registrations:
            ids.append(new_id())
            device_rows.append(
                {
                    "id": ids[-1],
                    "identifier": f"mon-{registration}",
                    "label": "",
                    "protocol": "osmand",
                    "agency_id": company_id,
                    "person_id": None,
                    "unit_id": None,
                    "vehicle_registration": registration,
                    "secret_hash": "0" * 64,
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        out.append((movement_id, ids, lat))
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Movement), movement_rows)
        connection.execute(insert(Device), device_rows)
    engine.dispose()
    return out


# Position-to-alert latency through the embedded monitor -------------------------------------


def alert_latency(url: str, seconds: float, devices: int = 10_000) -> dict[str, float]:
    """SOS presses among ``devices`` reporting every 2 s, through the monitor service: from
    the hand-over to the bus to the moment the alert is committed (seen by another reader)."""
    from sqlalchemy import select

    from jsms.alerts.models import Alert
    from jsms.db import new_session
    from jsms.tracking.live import LiveMonitor

    fleet = seed(url, devices // 10, 10)
    live = LiveMonitor(url)
    live.refresh()
    live.start()
    sent: dict[str, float] = {}  # alert key -> wall time handed to the bus
    seen: dict[str, float] = {}  # alert key -> wall time first read back, committed
    done = threading.Event()

    def watch() -> None:
        db = new_session(url)
        while not done.is_set():
            for (key,) in db.execute(select(Alert.key).where(Alert.kind == "sos")):
                seen.setdefault(key, time.time())
            db.rollback()
            time.sleep(0.01)
        db.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0, seq, rng = datetime.now(UTC), 0, random.Random(11)
    started = time.time()
    while time.time() - started < seconds + WARM_UP_S:
        second = time.time()
        half = int(second - started) % 2  # half the fleet each second: a device every 2 s
        now = datetime.now(UTC)
        along = 20.0 * (now - t0).total_seconds()
        batch = [
            fix(seq := seq + 1, device, movement_id, lat, now, along)
            for movement_id, device_ids, lat in fleet[half::2]
            for device in device_ids
        ]
        if second - started >= WARM_UP_S:  # first-use costs are not the steady state
            press = rng.randrange(len(batch))
            p = batch[press]
            batch[press] = StoredPosition(
                p.seq,
                p.device_id,
                p.movement_id,
                p.role,
                p.fixed_at,
                p.received_at,
                p.lat,
                p.lon,
                p.speed_mps,
                "sos",
            )
            sent[f"{p.movement_id}:sos:{p.device_id}:{now.isoformat()}"] = time.time()
        for start in range(0, len(batch), 1_000):
            live.publish(batch[start : start + 1_000])
        time.sleep(max(0.0, second + 1.0 - time.time()))
    time.sleep(3)
    done.set()
    watcher.join()
    live.stop()
    delays = sorted((seen[k] - t) * 1000 for k, t in sent.items() if k in seen)
    return {
        "presses": len(sent),
        "raised": len(delays),
        "p50_ms": statistics.median(delays),
        "p99_ms": delays[min(len(delays) - 1, int(len(delays) * 0.99))],
        "positions_per_s": seq / (time.time() - started - 3),
    }


# The stream path with N workers -------------------------------------------------------------


def nats_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
        return True
    except OSError:
        return False


def stream_throughput(
    url: str, workers: int, count: int, fleet: list[tuple[str, list[str], float]]
) -> float:
    """Positions per second published to JetStream and monitored by ``workers`` worker
    processes, from the first publish to the last acknowledgement. ``fleet`` is what
    :func:`seed` returned: (movement id, its device ids, the latitude of its road)."""
    from jsms.tracking.stream import JetStreamPublisher, StreamNames

    names = StreamNames(partitions=16).with_suffix(secrets.token_hex(4))
    jsms = str(Path(sys.executable).parent / "jsms")
    procs = [
        subprocess.Popen(
            [
                jsms,
                "monitor-worker",
                "--stream",
                NATS_URL,
                "--partitions",
                "16",
                "--heartbeat",
                "1",
                "--lease-ttl",
                "4",
                "--names-suffix",
                names.stream.rsplit("_", 1)[1],
            ],
            env={**os.environ, "JSMS_DATABASE_URL": url, "JSMS_MONITOR_STALE_FIX_MINUTES": "600"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    publisher = JetStreamPublisher(NATS_URL, names).start()
    try:
        pairs = [(m, lat, d) for m, devices, lat in fleet for d in devices]
        t0 = datetime.now(UTC) - timedelta(minutes=1)
        batches, batch = [], []
        for i in range(count):
            movement_id, lat, device = pairs[i % len(pairs)]
            rnd = i // len(pairs)
            at = t0 + timedelta(seconds=rnd)
            batch.append(fix(i + 1, device, movement_id, lat, at, 15.0 * rnd))
            if len(batch) == 2_000:
                batches.append(batch)
                batch = []
        if batch:
            batches.append(batch)
        _wait_ready(names, workers)
        started = time.perf_counter()
        for b in batches:
            publisher.publish(b)
        _wait_acknowledged(names)
        return count / (time.perf_counter() - started)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        publisher._run(publisher._js.delete_stream(names.stream))  # type: ignore[union-attr]
        publisher._run(publisher._js.delete_key_value(names.bucket))  # type: ignore[union-attr]
        publisher.close()


def _consumers(names: object) -> list[tuple[int, int]]:
    import nats

    async def read() -> list[tuple[int, int]]:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        out = []
        for p in range(names.partitions):  # type: ignore[attr-defined]
            try:
                info = await js.consumer_info(names.stream, names.durable_of(p))  # type: ignore[attr-defined]
                out.append((info.num_pending or 0, info.num_ack_pending or 0))
            except Exception:
                out.append((-1, -1))
        await nc.close()
        return out

    return asyncio.run(read())


def _wait_ready(names: object, workers: int) -> None:
    """Every partition has its consumer, and the workers have built their watches."""
    deadline = time.monotonic() + 120
    while any(p < 0 for p, _ in _consumers(names)) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3.0 + workers)  # leases settle (a second worker takes half) and watches build


def _wait_acknowledged(names: object) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if all(p == 0 and a == 0 for p, a in _consumers(names)):
            return
        time.sleep(0.05)
    raise TimeoutError("the workers did not acknowledge every position")


# The table ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--skip", default="", help="comma list of: core,latency,stream")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    rows: list[tuple[str, str, str]] = []
    if "core" not in skip:
        core = core_rate(rounds=5 if args.quick else 20)
        rows.append(
            (
                "monitor core alone, per CPU second (10,000 devices)",
                f"{core['per_cpu_s']:,.0f}/s",
                f"wall {core['per_wall_s']:,.0f}/s",
            )
        )
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("JSMS_KEY_FILE", f"{folder}/keys.json")
        if "latency" not in skip:
            url = args.database or f"sqlite:///{folder}/latency.sqlite3"
            os.environ["JSMS_DATABASE_URL"] = url
            lat = alert_latency(url, 10 if args.quick else 30)
            rows.append(
                (
                    "position-to-alert p99, embedded monitor, 10,000 devices",
                    f"{lat['p99_ms']:.0f} ms (p50 {lat['p50_ms']:.0f})",
                    f"{lat['raised']} of {lat['presses']} SOS, "
                    f"{lat['positions_per_s']:,.0f} positions/s",
                )
            )
        if "stream" not in skip and nats_up():
            url = args.database or f"sqlite:///{folder}/stream.sqlite3"
            os.environ["JSMS_DATABASE_URL"] = url
            fleet = seed(url, 1_000, 10)
            count = 100_000 if args.quick else 400_000
            for workers in (1, 2):
                rate = stream_throughput(url, workers, count, fleet)
                rows.append(
                    (
                        f"JetStream, {workers} monitor worker(s)",
                        f"{rate:,.0f}/s",
                        f"{count:,} positions, 1,000 movements",
                    )
                )
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(f"\nLive monitor benchmark; {cores} cores, load average {load:.1f} at the end")
    width = max(len(r[0]) for r in rows)
    for what, figure, note in rows:
        print(f"{what.ljust(width)} | {figure.rjust(22)} | {note}")


if __name__ == "__main__":
    threading.current_thread().name = "benchmark"
    main()
