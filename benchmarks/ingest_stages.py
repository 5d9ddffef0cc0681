"""Where a batch position's CPU goes, stage by stage (docs/performance.md, "Ingest").

Run ``.venv/bin/python benchmarks/ingest_stages.py`` (a PostgreSQL URL as argument to use
it: that database is emptied). It seeds the database of benchmarks/ingest.py (1,000
movements, ten trackers each), then calls the real ingest functions in one thread, with no
server: 20 requests of 5,000 fixes, three rounds on fresh fixes, the best round of each
stage, in CPU µs a position (the CPU time of this process: SQLite's C work counts, I/O
waits do not).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `jsms` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PER_REQUEST, REQUESTS, ROUNDS = 5_000, 20, 3


def main() -> None:
    from benchmarks import ingest as bench
    from benchmarks.ingest_load import where

    folder = tempfile.mkdtemp()
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.sqlite3"
    os.environ["JSMS_KEY_FILE"] = f"{folder}/keys.json"
    os.environ["JSMS_DATABASE_URL"] = url
    os.environ["JSMS_MONITOR_STALE_FIX_MINUTES"] = "60"
    os.environ["JSMS_MONITOR_LATE_DEPARTURE_MINUTES"] = "120"
    bench.seed(url, 10_000)

    from jsms.db import utcnow
    from jsms.tracking import receive, store
    from jsms.tracking.fixes import StoredPosition
    from jsms.tracking.ingest import Pipeline, Receipt, _Submission
    from jsms.tracking.live import LiveMonitor
    from jsms.tracking.protocols.batch import parse_batch

    pipeline = Pipeline(url)
    pipeline.refresh()
    monitor = LiveMonitor(url)
    monitor.refresh()
    base = int(time.time() * 1000) - 120_000
    token = base64.b64encode(f"bench-gateway:{bench.KEY}".encode()).decode()
    headers = {"authorization": f"Basic {token}", "content-type": "application/json"}

    def body(number: int) -> bytes:
        fixes = []
        for j in range(PER_REQUEST):
            index = number * PER_REQUEST + j
            device, millis = index % 10_000, base + index
            lat, lon = where(device, millis, bench.PER_MOVEMENT)
            fixes.append(
                {"device": f"bench-{device}", "time": millis, "lat": lat, "lon": lon}
                | {"speed_mps": 10}
            )
        return json.dumps({"fixes": fixes}).encode()

    bodies = [body(n) for n in range(REQUESTS * ROUNDS)]
    best: dict[str, float] = {}
    spent: dict[str, float] = {}

    def timed(name: str, work: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = work()
        spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return result

    for round_ in range(ROUNDS):
        spent.clear()
        for data in bodies[round_ * REQUESTS : (round_ + 1) * REQUESTS]:
            request = receive.DeviceRequest("POST", "", headers, data)
            timed("parse (json.loads and the fixes)", lambda d=data: parse_batch(d))
            prepared = timed(
                "parse, authenticate, check", lambda r=request: receive.prepare_batch(pipeline, r)
            )
            submission = _Submission(prepared.items, lambda _outcome: None)
            rows = timed("dedupe, place", lambda s=submission: pipeline._rows([s]))
            received = utcnow()
            connection = pipeline.engine.connect()
            transaction = connection.begin()
            inserted = timed(
                "insert", lambda c=connection, r=rows, t=received: store.insert_positions(c, r, t)
            )
            timed("devices' last fix", lambda c=connection, i=inserted: store.note_last_fixes(c, i))
            timed("commit", transaction.commit)
            connection.close()

            def hand_over(i: list[Any] = inserted, at: Any = received) -> list[StoredPosition]:
                counts = [0]
                for _seq, row in i:
                    counts[row.owner] += 1
                return [
                    StoredPosition(
                        seq,
                        row.device.id,
                        row.movement_id,
                        row.role,
                        row.fix.fixed_at,
                        at,
                        row.fix.lat,
                        row.fix.lon,
                        row.fix.speed_mps,
                        row.fix.alarm,
                    )
                    for seq, row in i
                ]

            positions = timed("answer, StoredPosition", hand_over)
            stored = len(positions)
            timed("answer, StoredPosition", lambda p=prepared, n=stored: p.reply(Receipt(n, 0)))
            found = timed("monitor", lambda p=positions: monitor.handle(p))
            timed("monitor", lambda f=found: monitor.deliver(f))
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    count = PER_REQUEST * REQUESTS
    print(f"{'stage':36s} CPU µs a position")
    for name, seconds in best.items():
        print(f"{name:36s} {seconds / count * 1e6:7.2f}")
    total = sum(v for k, v in best.items() if not k.startswith("parse (json"))
    print(f"{'total':36s} {total / count * 1e6:7.2f}")


if __name__ == "__main__":
    main()
