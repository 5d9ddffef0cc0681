"""The simulator against a real JSMS: its trackers' OsmAnd requests and its phones' OwnTracks
messages are taken by ingest (each device by its own key), placed on the movement in
progress and stored along the approved route; OwnTracks goes through a real Mosquitto with
per-device credentials, and without a broker the phones fall back to HTTP and say so."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.simulator.runner import Settings, Simulator
from jsms.simulator.script import Script
from jsms.simulator.senders import OwnTracksHttp, OwnTracksMqtt, choose_owntracks
from jsms.simulator.wire import Report
from jsms.tracking.models import Position
from jsms.tracking.monitor import RouteLine
from jsms.tracking.mqtt import BrokerAddress
from tests.movements.conftest import approved, mworld
from tests.tracking.test_mqtt import Broker, broker, subscribed
from tests.web.live_world import AIRPORT, BORDER, HUB, LiveWorld, live, quick_hashing

__all__ = ["approved", "broker", "live", "mworld", "quick_hashing", "subscribed"]


def _keys_file(tmp_path: Path, live: LiveWorld) -> Path:
    rows = [
        {"identifier": name, "key": key, "label": name,
         "protocol": "osmand" if name.startswith("trk") else "owntracks"}
        for name, key in live.keys.items()
    ]  # fmt: skip
    path = tmp_path / "demo-devices.json"
    path.write_text(json.dumps({"tag": "co-a", "devices": rows}))
    return path


def _positions(db: Session, at_least: int, timeout: float = 15) -> list[Position]:
    deadline = time.monotonic() + timeout
    while True:
        db.rollback()
        rows = list(db.scalars(select(Position).order_by(Position.seq)))
        if len(rows) >= at_least or time.monotonic() > deadline:
            return rows


def test_the_simulator_drives_the_movement_through_ingest_along_its_route(
    db: Session, db_url: str, live: LiveWorld, live_server: str, tmp_path: Path
) -> None:
    said: list[str] = []
    simulator = Simulator(
        Settings(
            database_url=db_url,
            keys_file=_keys_file(tmp_path, live),
            osmand_url=f"{live_server}/api/v1/tracking/osmand",
            server_url=live_server,
            mqtt_url=None,
            speed_up=20.0,
            script=Script.quiet(),
        ),
        say=said.append,
    )
    simulator.run(duration=6)
    assert any("OwnTracks over HTTP" in line for line in said)
    assert any("on the road" in line for line in said)
    stored = _positions(db, 3)
    sources = {p.source for p in stored}
    assert sources == {"osmand", "owntracks"}, simulator.summary()
    assert {p.movement_id for p in stored} == {live.movement_id}
    assert {p.device_id for p in stored} == {live.tracker, live.phone}
    route = RouteLine([AIRPORT, BORDER, HUB])
    off, _ = route.locate([p.lat for p in stored], [p.lon for p in stored])
    assert max(off) < 150  # within the corridor, convoy spacing and GPS noise included
    assert all(abs((p.fixed_at - utcnow()).total_seconds()) < 30 for p in stored)
    assert simulator.refused.total() == 0


def test_a_phone_publishes_owntracks_over_mqtt_with_its_own_credentials(
    broker: Broker, subscribed, db: Session
) -> None:
    subscribed()
    sender = OwnTracksMqtt(BrokerAddress.parse(f"mqtt://127.0.0.1:{broker.port}"))
    try:
        report = Report(broker.device, utcnow().replace(microsecond=0), 24.91, 67.12, 12.0, 90.0)
        assert sender.send(report, broker.key)
        forged = Report(broker.other, utcnow().replace(microsecond=0), 24.0, 67.0, 0.0, 0.0)
        assert not sender.send(forged, "not-the-key")
        (stored,) = _positions(db, 1)
        assert (stored.lat, stored.lon, stored.source) == (24.91, 67.12, "owntracks")
        assert stored.fixed_at == report.at
        time.sleep(1)
        assert len(_positions(db, 2, timeout=1)) == 1  # the forged one never arrived
    finally:
        sender.close()


def test_without_a_broker_the_phones_use_http_and_say_so(live_server: str) -> None:
    said: list[str] = []
    sender = choose_owntracks("mqtt://127.0.0.1:9/", live_server, said.append)
    assert isinstance(sender, OwnTracksHttp)
    assert said == [
        "no MQTT broker answers at 127.0.0.1:9: the phones use OwnTracks over HTTP instead"
    ]
