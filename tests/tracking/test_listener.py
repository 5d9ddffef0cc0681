"""The OsmAnd port as a device meets it: HTTP/1.1 keep-alive and pipelining with answers in
request order, and whatever is not a proper request (garbage, cut off, too big) refused,
counted, the connection closed, and the next device still served."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from jsms.identity.roles import Side
from jsms.tracking import devices
from jsms.tracking.ingest import Pipeline
from jsms.tracking.listener import start_listener
from tests.movements.conftest import actor_of
from tests.tracking.ingest_world import count_positions, refusals


@dataclass
class Port:
    pipeline: Pipeline
    number: int
    identifier: str
    key: str

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.number), timeout=5)

    def fix(self, second: int, *, key: str | None = None, extra: str = "") -> bytes:
        stamp = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp()) + second
        query = f"id={self.identifier}&lat=24.86&lon=67.01&timestamp={stamp}&key={key or self.key}"
        return f"GET /?{query} HTTP/1.1\r\nHost: jsms{extra}\r\n\r\n".encode()


@pytest.fixture
def port(db_url: str, db: Session, world) -> Iterator[Port]:
    issued = devices.register(
        db,
        actor_of(world.company_a, Side.CLIENT),
        identifier="90001",
        protocol="osmand",
        vehicle_registration="CO-A-9",
    )
    db.commit()
    pipeline = Pipeline(db_url).start()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        start_listener(pipeline, "127.0.0.1", 0), loop
    ).result(10)
    number = server.sockets[0].getsockname()[1]
    yield Port(pipeline, number, issued.device.identifier, issued.key)
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    pipeline.close()


def read_answers(connection: socket.socket, count: int, timeout: float = 10) -> list[bytes]:
    """`count` answers (heads and bodies), in the order they arrived."""
    answers: list[bytes] = []
    buffer = b""
    deadline = time.monotonic() + timeout
    while len(answers) < count and time.monotonic() < deadline:
        while b"\r\n\r\n" in buffer and len(answers) < count:
            head, rest = buffer.split(b"\r\n\r\n", 1)
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            answers.append(head + b"\r\n\r\n" + rest[:length])
            buffer = rest[length:]
        if len(answers) == count:
            break
        data = connection.recv(65536)
        if not data:
            break
        buffer += data
    return answers


def closed(connection: socket.socket) -> bool:
    connection.settimeout(5)
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True


def test_pipelined_requests_on_one_connection_are_answered_in_order(
    port: Port, db: Session
) -> None:
    with port.connect() as connection:
        requests = [port.fix(i) for i in range(200)]
        requests[50] = port.fix(50, key="wrong")
        connection.sendall(b"".join(requests))  # all at once: pipelining
        answers = read_answers(connection, 200)
        assert len(answers) == 200
        statuses = [a.split(b" ", 2)[1] for a in answers]
        assert statuses[50] == b"401"
        assert statuses[:50] + statuses[51:] == [b"200"] * 199
        # keep-alive: the same connection serves the next request
        connection.sendall(port.fix(500))
        assert read_answers(connection, 1)[0].startswith(b"HTTP/1.1 200")
    assert count_positions(db) == 200


def test_connection_close_and_http_1_0_are_honoured(port: Port) -> None:
    with port.connect() as connection:
        connection.sendall(port.fix(1, extra="\r\nConnection: close"))
        [answer] = read_answers(connection, 1)
        assert answer.startswith(b"HTTP/1.1 200") and b"Connection: close" in answer
        assert closed(connection)
    with port.connect() as connection:
        query = port.fix(2).split(b" ")[1]
        connection.sendall(b"GET " + query + b" HTTP/1.0\r\n\r\n")
        assert read_answers(connection, 1)[0].startswith(b"HTTP/1.1 200")
        assert closed(connection)


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40, b"400", "bad_http"),
        (b"HELLO THERE\r\n\r\n", b"400", "bad_http"),
        (b"POST / HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n", b"413", "too_large"),
        (b"GET /?" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n", b"413", "too_large"),
        (b"DELETE /?id=90001 HTTP/1.1\r\nHost: x\r\n\r\n", b"405", "bad_method"),
    ],
    ids=["tls-hello", "not-http", "huge-body", "huge-url", "delete"],
)
def test_what_is_not_a_proper_request_is_refused_and_counted(
    port: Port, db: Session, payload: bytes, status: bytes, reason: str
) -> None:
    with port.connect() as connection:
        connection.sendall(payload)
        [answer] = read_answers(connection, 1)
        assert answer.split(b" ", 2)[1] == status
        if status != b"405":
            assert closed(connection)
    with port.connect() as connection:  # the next device is served
        connection.sendall(port.fix(3))
        assert read_answers(connection, 1)[0].startswith(b"HTTP/1.1 200")
    source = "osmand"
    assert refusals(db, port.pipeline)[(source, reason)] == 1


def test_a_request_cut_off_midway_is_counted_and_nothing_stored(port: Port, db: Session) -> None:
    with port.connect() as connection:
        connection.sendall(port.fix(1)[:40])  # the device lost its signal
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if refusals(db, port.pipeline).get(("osmand", "truncated")) == 1:
            break
        time.sleep(0.05)
    assert refusals(db, port.pipeline)[("osmand", "truncated")] == 1
    assert count_positions(db) == 0


def test_earlier_pipelined_answers_are_sent_before_a_refusal_closes(port: Port) -> None:
    with port.connect() as connection:
        connection.sendall(port.fix(1) + port.fix(2) + b"NOT HTTP AT ALL\r\n\r\n" + port.fix(3))
        answers = read_answers(connection, 3)
        assert [a.split(b" ", 2)[1] for a in answers] == [b"200", b"200", b"400"]
        assert closed(connection)
