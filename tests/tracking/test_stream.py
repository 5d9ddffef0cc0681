"""The position stream on the real NATS JetStream: batches partitioned by movement, a
retried batch stored once, and the publisher catching up after a crash between the database
commit and the publish."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from jsms.identity import service as identity
from jsms.identity.roles import Role
from jsms.movements.models import Movement
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.models import Device, Position
from jsms.tracking.stream import JetStreamPublisher, StreamNames, decode, encode, partition_of
from tests.conftest import World
from tests.tracking.test_stream_workers import NATS_URL, nats_reachable

pytestmark = pytest.mark.skipif(not nats_reachable(), reason=f"no NATS server at {NATS_URL}")


@pytest.fixture
def publisher() -> Iterator[JetStreamPublisher]:
    names = StreamNames(partitions=4).with_suffix(secrets.token_hex(4))
    publisher = JetStreamPublisher(NATS_URL, names).start()
    yield publisher
    publisher._run(publisher._js.delete_stream(names.stream))  # type: ignore[union-attr]
    publisher.close()


def messages(publisher: JetStreamPublisher) -> dict[str, list[list[StoredPosition]]]:
    """Every message in the stream, by subject."""

    async def read() -> dict[str, list[list[StoredPosition]]]:
        assert publisher._js is not None
        reader = await publisher._js.pull_subscribe(
            f"{publisher.names.subject}.*", stream=publisher.names.stream
        )
        out: dict[str, list[list[StoredPosition]]] = {}
        while True:
            try:
                batch = await reader.fetch(100, timeout=1)
            except TimeoutError:  # nats' and asyncio's alike
                await reader.unsubscribe()
                return out
            for message in batch:
                out.setdefault(message.subject, []).append(decode(message.data))
                await message.ack()

    return publisher._run(read())


def position(seq: int, movement: str | None, minute: int = 0) -> StoredPosition:
    at = datetime(2026, 3, 1, 8, minute, tzinfo=UTC)
    return StoredPosition(seq, f"dev-{seq}", movement, "escort", at, at, 24.9, 67.1, 10.0, None)


def test_a_batch_is_split_by_movement_partition_and_positions_of_no_movement_stay_home(
    publisher: JetStreamPublisher,
) -> None:
    batch = [position(i, f"movement-{i % 5}") for i in range(1, 41)] + [position(99, None)]
    publisher.publish(batch)
    found = messages(publisher)
    names = publisher.names
    for subject, batches in found.items():
        assert len(batches) == 1  # one message per partition per batch
        partition = int(subject.rsplit(".", 1)[1])
        assert {partition_of(p.movement_id or "", names.partitions) for p in batches[0]} == {
            partition
        }
    seen = sorted(p.seq for batches in found.values() for p in batches[0])
    assert seen == list(range(1, 41))  # all of them, and not the one of no movement


def test_a_retried_batch_is_stored_once(publisher: JetStreamPublisher) -> None:
    batch = [position(i, "movement-a") for i in range(1, 11)]
    publisher.publish(batch)
    publisher.publish(batch)  # the acknowledgement was lost: the same batch again
    (batches,) = messages(publisher).values()
    assert len(batches) == 1 and [p.seq for p in batches[0]] == list(range(1, 11))


def test_messages_carry_positions_exactly() -> None:
    batch = [position(3, "m", 7), position(4, "m", 8)]
    assert decode(encode(batch)) == batch
    with pytest.raises(ValueError, match="not a JSMS positions message"):
        decode(b'{"v": 2}')


def test_after_a_crash_the_publisher_publishes_what_was_stored_but_not_published(
    db: Session, db_url: str, world: World, publisher: JetStreamPublisher
) -> None:
    device = Device(
        identifier="catch-up-car",
        protocol="osmand",
        agency_id=world.company_a,
        secret_hash="0" * 64,
    )
    db.add(device)
    db.flush()
    user = identity.create_user(
        db,
        username="catchup",
        display_name="c",
        agency_id=world.company_a,
        roles=[Role.REQUESTER],
        password="catch-up-password-1",
    ).user
    now = datetime.now(UTC)
    movement = Movement(
        reference="MV-CATCHUP",
        purpose="p",
        client_agency_id=world.company_a,
        created_by=user.id,
        status="in_progress",
        origin_name="a",
        origin_lat=24.9,
        origin_lon=67.0,
        destination_name="b",
        destination_lat=24.9,
        destination_lon=67.3,
        departure_at=now,
        arrival_at=now + timedelta(hours=1),
    )
    db.add(movement)
    db.flush()
    rows = [
        {
            "device_id": device.id,
            "movement_id": movement.id,
            "fixed_at": now - timedelta(seconds=60 - i),
            "received_at": now,
            "lat": 24.9,
            "lon": 67.0 + i / 1000,
            "source": "osmand",
        }
        for i in range(30)
    ]
    seqs = [r[0] for r in db.execute(insert(Position).returning(Position.seq), rows)]
    db.commit()
    stored = [
        StoredPosition(
            s, device.id, movement.id, "protectee", r["fixed_at"], now, r["lat"], r["lon"]
        )
        for s, r in zip(seqs, rows, strict=True)
    ]
    publisher.publish(stored[:10])  # the server died before publishing the other twenty
    assert publisher.newest_published() == seqs[9]
    assert publisher.catch_up(db_url) == 30  # the overlap is published again too
    published = {p.seq for batches in messages(publisher).values() for b in batches for p in b}
    assert published == set(seqs)
