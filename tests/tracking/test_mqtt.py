"""OwnTracks over MQTT through a real Mosquitto: the broker's password file and ACL come
from `jsms devices mosquitto-passwd`, so a device publishes only to its own topic; JSMS
subscribes (MQTT v5, QoS 1, acknowledged after the commit), stores locations and waypoint
transitions, counts garbage, and gets what was published while it was away."""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.identity.roles import Side
from jsms.tracking import devices
from jsms.tracking.ingest import Pipeline
from jsms.tracking.models import Position
from jsms.tracking.mqtt import RECEIVE_MAXIMUM, Message, MqttSubscriber
from tests.cli.runner import jsms
from tests.movements.conftest import actor_of
from tests.tracking.ingest_world import refusals

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
pytestmark = pytest.mark.skipif(
    not Path(MOSQUITTO).exists(), reason="needs the mosquitto broker (apt-get install mosquitto)"
)
INGEST_PASSWORD = "ingest-secret-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Broker:
    port: int
    url: str
    device: str
    key: str
    other: str
    other_key: str

    def publish(
        self, topic: str, payload: bytes, *, user: str | None = None, password: str | None = None
    ) -> int:
        """Publish as a device (QoS 1); the CONNACK reason code (0 = accepted)."""
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"test-{time.monotonic_ns()}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        client.username_pw_set(user or self.device, password or self.key)
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        try:
            deadline = time.monotonic() + 5
            while not client.is_connected() and time.monotonic() < deadline:
                time.sleep(0.02)
            if not client.is_connected():
                return 5
            client.publish(topic, payload, qos=1).wait_for_publish(5)
            return 0
        finally:
            client.disconnect()
            client.loop_stop()


@pytest.fixture
def broker(db: Session, world, tmp_path: Path, database_url: str) -> Iterator[Broker]:
    actor = actor_of(world.company_a, Side.CLIENT)
    mine = devices.register(db, actor, identifier="li/phone", protocol="owntracks")
    other = devices.register(db, actor, identifier="wang/phone", protocol="owntracks")
    db.commit()
    port = _free_port()
    url = f"mqtt://jsms-ingest:{INGEST_PASSWORD}@127.0.0.1:{port}/?client_id=jsms-test-{port}"
    passwords, acl = tmp_path / "passwd", tmp_path / "acl"
    written = jsms(
        "devices",
        "mosquitto-passwd",
        "--password-file",
        str(passwords),
        "--acl-file",
        str(acl),
        env={"JSMS_MQTT_URL": url},
    )
    assert written.returncode == 0, written.stderr
    assert oct(passwords.stat().st_mode & 0o777) == "0o600"
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\n"
        f"acl_file {acl}\npersistence false\nlog_dest stderr\n"
        # as docs/live-operations.md asks: Mosquitto keeps only 1,000 by default
        "max_queued_messages 100000\n"
        # as root, Mosquitto would drop to its own user, who cannot read our 0600 files
        f"user {getpass.getuser()}\n"
    )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield Broker(port, url, "li/phone", mine.key, "wang/phone", other.key)
    process.terminate()
    process.wait(10)


@pytest.fixture
def subscribed(broker: Broker, db_url: str) -> Iterator[Callable[[], MqttSubscriber]]:
    """Start JSMS's subscriber (call again after stopping it: the same persistent session)."""
    pipeline = Pipeline(db_url).start()
    running: list[MqttSubscriber] = []

    def start() -> MqttSubscriber:
        subscriber = MqttSubscriber(pipeline, broker.url).start()
        assert subscriber.connected.wait(10), "JSMS could not subscribe"
        time.sleep(0.2)  # the SUBACK
        running.append(subscriber)
        return subscriber

    yield start
    for subscriber in running:
        subscriber.stop()
    pipeline.close()


def _location(seconds_ago: float, **extra: object) -> bytes:
    stamp = int((datetime.now(UTC) - timedelta(seconds=seconds_ago)).timestamp())
    body = {"_type": "location", "tid": "LP", "tst": stamp, "lat": 24.9, "lon": 67.1, "vel": 54}
    return json.dumps({**body, **extra}).encode()


def _wait_for(db: Session, count: int, timeout: float = 10) -> list[Position]:
    deadline = time.monotonic() + timeout
    while True:
        db.rollback()
        rows = list(db.scalars(select(Position).order_by(Position.seq)))
        if len(rows) >= count or time.monotonic() > deadline:
            return rows


def test_a_device_publishes_its_location_and_jsms_stores_it(
    broker: Broker, subscribed, db: Session
) -> None:
    subscribed()
    assert broker.publish("owntracks/li/phone", _location(5)) == 0
    transition = {
        "_type": "transition",
        "tst": int(time.time()),
        "lat": 24.91,
        "lon": 67.11,
        "acc": 15,
        "event": "leave",
        "desc": "Camp",
        "wtst": 1_700_000_000,
    }
    assert broker.publish("owntracks/li/phone/event", json.dumps(transition).encode()) == 0
    rows = _wait_for(db, 2)
    assert [(r.source, round(r.speed_mps or 0, 3), r.alarm) for r in rows] == [
        ("owntracks", 15.0, None),
        ("owntracks", 0.0, "leave:Camp"),
    ]


def test_the_broker_keeps_each_device_to_its_own_topic_and_its_own_key(
    broker: Broker, subscribed, db: Session
) -> None:
    subscribed()
    # li/phone may not speak for wang/phone: the ACL drops it
    assert broker.publish("owntracks/wang/phone", _location(3)) == 0
    assert broker.publish("owntracks/li/phone", _location(3), password="not-the-key") != 0
    assert (
        broker.publish(
            "owntracks/wang/phone", _location(2), user=broker.other, password=broker.other_key
        )
        == 0
    )
    rows = _wait_for(db, 1)
    time.sleep(0.5)
    rows = _wait_for(db, 1)
    assert len(rows) == 1  # only wang's own message


def test_garbage_is_counted_and_the_subscriber_goes_on(
    broker: Broker, subscribed, db: Session
) -> None:
    subscriber = subscribed()
    assert broker.publish("owntracks/li/phone", b"\x00garbage") == 0
    assert broker.publish("owntracks/li/phone", _location(1, lat=123)) == 0
    assert broker.publish("owntracks/li/phone", b'{"_type":"lwt","tst":1781531112}') == 0
    assert broker.publish("owntracks/li/phone", _location(1)) == 0
    assert len(_wait_for(db, 1)) == 1
    counted = refusals(db, subscriber.pipeline)
    assert counted[("mqtt", "bad_json")] == 1
    assert counted[("mqtt", "bad_coordinates")] == 1


def test_what_is_published_while_jsms_is_away_arrives_when_it_returns(
    broker: Broker, subscribed, db: Session
) -> None:
    first = subscribed()
    first.stop()  # the broker keeps the session and queues for it (QoS 1)
    for seconds_ago in (30, 20, 10):
        assert broker.publish("owntracks/li/phone", _location(seconds_ago)) == 0
    assert _wait_for(db, 1, timeout=1) == []
    subscribed()
    assert len(_wait_for(db, 3)) == 3


def test_a_backlog_beyond_the_receive_maximum_drains_once_in_group_commits(
    broker: Broker, subscribed, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart after an outage: more messages wait at the broker than it may send ahead
    of our acknowledgements. Each arrives once (no redelivery) and they share commits."""
    deliveries: list[bool] = []  # the DUP flag of each delivery
    commits: list[int] = []
    handle, commit = MqttSubscriber._handle, Pipeline._commit

    def counted_messages(self: MqttSubscriber, messages: list[Message], generation: int) -> None:
        deliveries.extend(message.dup for message in messages)
        handle(self, messages, generation)

    def counted_commit(self: Pipeline, batch) -> None:
        commits.append(len(batch))
        commit(self, batch)

    monkeypatch.setattr(MqttSubscriber, "_handle", counted_messages)
    monkeypatch.setattr(Pipeline, "_commit", counted_commit)
    subscribed().stop()
    backlog = RECEIVE_MAXIMUM + 500
    publisher = paho.Client(
        CallbackAPIVersion.VERSION2, client_id="test-backlog", protocol=MQTTProtocolVersion.MQTTv5
    )
    publisher.username_pw_set(broker.device, broker.key)
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    try:
        start = int(time.time()) - 10  # a fix time each: a duplicate would not be stored
        sent = [
            publisher.publish("owntracks/li/phone", _location(0, tst=start - n), qos=1)
            for n in range(backlog)
        ]
        for info in sent:
            info.wait_for_publish(10)
    finally:
        publisher.disconnect()
        publisher.loop_stop()
    commits.clear()
    subscribed()
    assert len(_wait_for(db, backlog, timeout=30)) == backlog
    assert len(deliveries) == backlog and not any(deliveries)
    assert len([size for size in commits if size]) < backlog / 10
