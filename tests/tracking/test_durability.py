"""A position is durable before it is acknowledged: a real `jsms serve` is killed with
SIGKILL in the middle of a burst of Traccar Client requests on its OsmAnd port, and every
fix it had answered 200 for is in the database after a restart, exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.identity.roles import Side
from jsms.tracking import devices
from jsms.tracking.models import Position
from tests.cli.runner import JSMS
from tests.movements.conftest import actor_of

CLIENTS = 6
WINDOW = 32  # requests in flight per connection (pipelined)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`jsms serve` in a subprocess, with its OsmAnd port."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.osmand_port = _free_port()
        self.log = log
        env = {
            **os.environ,
            "JSMS_DATABASE_URL": database_url,
            "JSMS_OSMAND_PORT": str(self.osmand_port),
            "JSMS_MQTT_URL": "",
        }
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [JSMS, "serve", "--port", str(_free_port())],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jsms serve exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.osmand_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("jsms serve did not open its OsmAnd port")

    def kill_9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _request(identifier: str, key: str, millis: int) -> bytes:
    query = f"id={identifier}&lat=24.86&lon=67.01&speed=12&timestamp={millis}&key={key}"
    return f"POST /?{query} HTTP/1.1\r\nHost: jsms\r\nContent-Length: 0\r\n\r\n".encode()


def burst(
    port: int, identifier: str, key: str, first_millis: int, acked: list[int], stop: threading.Event
) -> None:
    """Pipeline requests on one keep-alive connection; note every fix answered 200, in order."""
    sent: list[int] = []
    answered = 0
    buffer = b""
    millis = first_millis
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            while not stop.is_set():
                while len(sent) - answered < WINDOW:
                    connection.sendall(_request(identifier, key, millis))
                    sent.append(millis)
                    millis += 1
                data = connection.recv(65536)
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:  # every answer here has an empty body
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    if head.startswith(b"HTTP/1.1 200"):
                        acked.append(sent[answered])
                    answered += 1
    except OSError:
        return  # the server died mid-burst: what was answered is what counts


@pytest.fixture
def device(db: Session, world) -> tuple[str, str, str]:
    issued = devices.register(
        db,
        actor_of(world.company_a, Side.CLIENT),
        identifier="kill9-phone",
        protocol="osmand",
        vehicle_registration="CO-A-1",
    )
    db.commit()
    return issued.device.id, issued.device.identifier, issued.key


def test_kill_9_mid_burst_loses_no_acknowledged_position(
    database_url: str, db: Session, device: tuple[str, str, str], tmp_path: Path
) -> None:
    device_id, identifier, key = device
    start = int((datetime.now(UTC) - timedelta(hours=1)).timestamp() * 1000)
    server = Server(database_url, tmp_path / "serve.log")
    acked: list[int] = []
    stop = threading.Event()
    try:
        clients = [
            threading.Thread(
                target=burst,
                args=(server.osmand_port, identifier, key, start + c * 10_000_000, acked, stop),
            )
            for c in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 30
        while len(acked) < 3_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill_9()  # mid-burst: the clients are still sending
        stop.set()
        for client in clients:
            client.join(10)
    finally:
        server.stop()
    assert len(acked) >= 3_000, "the burst was too small to mean anything"

    restarted = Server(database_url, tmp_path / "serve.log")
    try:
        # the restarted server answers, and a re-sent fix is a duplicate, not a second row
        again = threading.Event()
        resent: list[int] = []
        sender = threading.Thread(
            target=burst,
            args=(restarted.osmand_port, identifier, key, acked[0], resent, again),
        )
        sender.start()
        deadline = time.monotonic() + 10
        while len(resent) < WINDOW and time.monotonic() < deadline:
            time.sleep(0.01)
        again.set()
        sender.join(10)
        assert resent, "the restarted server did not answer"
    finally:
        restarted.stop()

    db.rollback()
    stored = db.scalars(select(Position.fixed_at).where(Position.device_id == device_id)).all()
    stored_millis = {int(moment.timestamp() * 1000) for moment in stored}
    lost = [m for m in acked if m not in stored_millis]
    assert lost == [], f"{len(lost)} of {len(acked)} acknowledged fixes were lost"
    rows, distinct = db.execute(
        select(func.count(), func.count(func.distinct(Position.fixed_at))).where(
            Position.device_id == device_id
        )
    ).one()
    assert rows == distinct  # exactly once
