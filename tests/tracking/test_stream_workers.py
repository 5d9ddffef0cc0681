"""Scale-out on the real NATS JetStream: two `jsms monitor-worker` processes share the
position stream's partitions; one is killed with SIGKILL in the middle of a burst that holds
deviations and SOS presses. Every position must still be processed (every partition's
consumer acknowledged to the end) and every expected alert raised exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from jsms.alerts.models import Alert
from jsms.identity import service as identity
from jsms.identity.roles import Role, Side
from jsms.movements.models import Movement
from jsms.registry import service as registry
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.models import Device, Position
from jsms.tracking.monitor.route import METRES_PER_DEGREE
from jsms.tracking.stream import JetStreamPublisher, StreamNames, partition_of
from tests.conftest import World
from tests.movements.conftest import actor_of

NATS_URL = os.environ.get("JSMS_TEST_NATS_URL", "nats://127.0.0.1:4222")
MOVEMENTS = 12
ROUNDS = 100  # one fix per movement per round, 5 s apart in device time
LON_PER_M = 1 / (METRES_PER_DEGREE * 0.907)  # at 24.9 N


def nats_reachable() -> bool:
    host, port = NATS_URL.removeprefix("nats://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not nats_reachable(), reason=f"no NATS server at {NATS_URL}")


@pytest.fixture
def names() -> Iterator[StreamNames]:
    """Stream, bucket and consumers of this test alone; deleted afterwards."""
    chosen = StreamNames(partitions=8).with_suffix(secrets.token_hex(4))
    yield chosen

    async def clean() -> None:
        import nats

        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        for delete in (js.delete_stream(chosen.stream), js.delete_key_value(chosen.bucket)):
            with contextlib.suppress(Exception):
                await delete
        await nc.close()

    asyncio.run(clean())


@dataclass
class Convoy:
    movement_id: str
    device_id: str
    deviates: bool
    sos: bool


def convoys(db: Session, world: World) -> list[Convoy]:
    """Twelve movements on the road, each with one tracked car, on a 40 km road due east."""
    user = identity.create_user(
        db,
        username="stream-requester",
        display_name="requester",
        agency_id=world.company_a,
        roles=[Role.REQUESTER],
        password="stream-password-1",
    ).user
    company = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER, user.id)
    start = datetime.now(UTC) - timedelta(minutes=10)
    out = []
    for i in range(MOVEMENTS):
        person = registry.create_person(
            db,
            company,
            full_name=f"Engineer {i}",
            nationality="CN",
            passport_number=f"EB20000{i:02d}",
        )
        lat = 24.9 + i * 0.05
        movement = Movement(
            reference=f"MV-STREAM-{i:03d}",
            purpose="stream test",
            client_agency_id=world.company_a,
            created_by=user.id,
            status="in_progress",
            origin_name="A",
            origin_lat=lat,
            origin_lon=67.0,
            destination_name="B",
            destination_lat=lat,
            destination_lon=67.0 + 40_000 * LON_PER_M,
            departure_at=start,
            started_at=start,
            arrival_at=start + timedelta(hours=1),
            passenger_ids=[person.id],
            route={"coordinates": [[67.0, lat], [67.0 + 40_000 * LON_PER_M, lat]]},
        )
        device = Device(
            identifier=f"stream-car-{i}",
            protocol="osmand",
            agency_id=world.company_a,
            person_id=person.id,
            secret_hash="0" * 64,
        )
        db.add_all([movement, device])
        db.flush()
        out.append(Convoy(movement.id, device.id, deviates=i % 2 == 0, sos=i % 3 == 0))
    db.commit()
    return out


def fix_of(convoy: Convoy, round_: int, start: datetime) -> tuple[datetime, float, str | None]:
    """Round r: when, how far north of the road, and the alarm. 75 m further east each round;
    from round 40 to 59 a kilometre north of the road (100 s: a deviation) for the convoys
    that deviate; an SOS at round 70 for those that press it."""
    north = 1_000.0 if convoy.deviates and 40 <= round_ < 60 else 0.0
    alarm = "sos" if convoy.sos and round_ == 70 else None
    return start + timedelta(seconds=5 * round_), north, alarm


def store_round(
    db: Session, convoys_: list[Convoy], round_: int, start: datetime, lats: dict[str, float]
) -> list[StoredPosition]:
    rows = []
    for convoy in convoys_:
        at, north, alarm = fix_of(convoy, round_, start)
        rows.append(
            {
                "device_id": convoy.device_id,
                "movement_id": convoy.movement_id,
                "fixed_at": at,
                "received_at": datetime.now(UTC),
                "lat": lats[convoy.movement_id] + north / METRES_PER_DEGREE,
                "lon": 67.0 + 75 * round_ * LON_PER_M,
                "speed_mps": 15.0,
                "alarm": alarm,
                "source": "batch",
            }
        )
    result = db.execute(insert(Position).returning(Position.seq), rows)
    seqs = [row[0] for row in result]
    db.commit()
    return [
        StoredPosition(
            seq,
            r["device_id"],
            r["movement_id"],
            "protectee",
            r["fixed_at"],
            r["received_at"],
            r["lat"],
            r["lon"],
            r["speed_mps"],
            r["alarm"],
        )
        for seq, r in zip(seqs, rows, strict=True)
    ]


def start_worker(names: StreamNames, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jsms"),
            "monitor-worker",
            "--stream",
            NATS_URL,
            "--partitions",
            str(names.partitions),
            "--heartbeat",
            "0.5",
            "--lease-ttl",
            "3",
            "--ack-wait",
            "3",
            "--names-suffix",
            names.stream.rsplit("_", 1)[1],
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        # stale fixes are not what this test is about: the cars start reporting later
        env={**os.environ, "JSMS_MONITOR_STALE_FIX_MINUTES": "120"},
    )


async def lease_holders(names: StreamNames) -> dict[int, str]:
    import nats
    from nats.js.errors import BucketNotFoundError, KeyNotFoundError

    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        try:
            kv = await js.key_value(names.bucket)
        except BucketNotFoundError:
            return {}
        holders = {}
        for p in range(names.partitions):
            try:
                entry = await kv.get(f"p.{p}")
            except KeyNotFoundError:
                continue
            if entry.value:
                holders[p] = entry.value.decode()
        return holders
    finally:
        await nc.close()


async def backlog(names: StreamNames) -> dict[int, tuple[int, int, int]]:
    """Per partition: (messages in the stream, not yet delivered, delivered but unacked)."""
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        out = {}
        for p in range(names.partitions):
            info = await js.stream_info(names.stream, subjects_filter=names.subject_of(p))
            stored = (info.state.subjects or {}).get(names.subject_of(p), 0)
            try:
                consumer = await js.consumer_info(names.stream, names.durable_of(p))
                out[p] = (stored, consumer.num_pending or 0, consumer.num_ack_pending or 0)
            except Exception:
                out[p] = (stored, stored, 0)
        return out
    finally:
        await nc.close()


async def seqs_in_stream(names: StreamNames) -> set[int]:
    """The sequence number of every position the stream holds, read by an ephemeral consumer."""
    import nats

    from jsms.tracking.stream import decode

    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        reader = await js.pull_subscribe(f"{names.subject}.*", stream=names.stream)
        seqs: set[int] = set()
        while True:
            try:
                messages = await reader.fetch(500, timeout=2)
            except TimeoutError:  # nats' and asyncio's alike: the stream is read to its end
                return seqs
            for message in messages:
                seqs |= {p.seq for p in decode(message.data)}
                await message.ack()
    finally:
        await nc.close()


def wait_for(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_workers_and_a_kill_lose_no_position_and_raise_each_alert_once(
    db: Session, db_url: str, world: World, names: StreamNames, tmp_path: Path
) -> None:
    fleet = convoys(db, world)
    lats = {c.movement_id: 24.9 + i * 0.05 for i, c in enumerate(fleet)}
    workers = [start_worker(names, tmp_path / f"worker{i}.log") for i in range(2)]
    publisher = JetStreamPublisher(NATS_URL, names).start()
    try:
        wait_for(
            "both workers to hold leases",
            lambda: (
                len(set(asyncio.run(lease_holders(names)).values())) == 2
                and len(asyncio.run(lease_holders(names))) == names.partitions
            ),
            timeout=90,
        )
        holders = asyncio.run(lease_holders(names))
        victim = workers[0]
        victim_name = next(h for h in holders.values() if f"-{victim.pid}-" in h)
        victim_partitions = {p for p, h in holders.items() if h == victim_name}
        victims_movements = [
            c for c in fleet if partition_of(c.movement_id, names.partitions) in victim_partitions
        ]
        assert victims_movements, "the worker to kill must hold some convoys"

        start = datetime.now(UTC) - timedelta(minutes=9)
        killed_at = 0.0
        for round_ in range(ROUNDS):
            publisher.publish(store_round(db, fleet, round_, start, lats))
            if round_ == 50:  # in the middle of the deviations' aftermath, before the SOS
                os.kill(victim.pid, signal.SIGKILL)
                victim.wait(10)
                killed_at = time.monotonic()
            time.sleep(0.02)

        survivor = workers[1]
        survivor_name = next(h for h in holders.values() if f"-{survivor.pid}-" in h)
        wait_for(
            "the survivor to take every partition",
            lambda: (
                set(asyncio.run(lease_holders(names)).values()) == {survivor_name}
                and len(asyncio.run(lease_holders(names))) == names.partitions
            ),
            timeout=30,
        )
        takeover = time.monotonic() - killed_at
        assert takeover < 20  # lease 3 s + heartbeat 0.5 s, on a busy machine

        def all_acknowledged() -> bool:
            state = asyncio.run(backlog(names))
            return (
                all(
                    stored > 0 and pending == 0 and unacked == 0
                    for stored, pending, unacked in state.values()
                    if stored
                )
                and sum(s for s, _, _ in state.values()) > 0
            )

        wait_for("every partition acknowledged to its end", all_acknowledged, timeout=120)
        assert set(asyncio.run(lease_holders(names)).values()) == {survivor_name}
        assert survivor.poll() is None, "the surviving worker must still run"
    finally:
        publisher.close()
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    worker.kill()

    db.expire_all()
    raised = db.execute(select(Alert.movement_id, Alert.kind, Alert.key)).all()
    for convoy in fleet:
        kinds = sorted(kind for movement, kind, _ in raised if movement == convoy.movement_id)
        expected = sorted(["deviation"] * convoy.deviates + ["sos"] * convoy.sos)
        assert kinds == expected, (convoy, kinds)
    # every stored position is in the stream (and every stream message was acknowledged)
    assert asyncio.run(seqs_in_stream(names)) == set(db.scalars(select(Position.seq)))
    assert "owns partitions" in (tmp_path / "worker1.log").read_text()
