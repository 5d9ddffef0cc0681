"""Monitoring survives kill -9 of `jsms serve` (the monitor embedded): a convoy leaves its
route, the server is killed before the dwell has passed, restarted (the deviation is then
raised with the episode's true start, found by replaying the stored positions), killed again
after the alert and restarted once more: one alert, the same one, open, never a duplicate.
Fixes are sent in real time, as a device sends them."""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts.models import Alert
from jsms.identity import service as identity
from jsms.identity.roles import Role, Side
from jsms.movements.models import Movement
from jsms.tracking import devices
from jsms.tracking.monitor.route import METRES_PER_DEGREE
from tests.conftest import World
from tests.movements.conftest import actor_of
from tests.tracking.test_durability import Server

LAT, LON = 24.9, 67.0
LON_PER_M = 1 / (METRES_PER_DEGREE * 0.907)  # at 24.9 N
OFF_FROM = 5  # fixes every 2 s; from the fifth, 1.2 km north of the road
DWELL_S = 20  # the corridor dwell for this test (JSMS_MONITOR_CORRIDOR_DWELL_S)


def on_the_road(db: Session, world: World) -> tuple[str, str, str]:
    user = identity.create_user(
        db,
        username="restart-requester",
        display_name="r",
        agency_id=world.company_a,
        roles=[Role.REQUESTER],
        password="restart-password-1",
    ).user
    now = datetime.now(UTC)
    movement = Movement(
        reference="MV-RESTART",
        purpose="kill -9 test",
        client_agency_id=world.company_a,
        created_by=user.id,
        status="in_progress",
        origin_name="west",
        origin_lat=LAT,
        origin_lon=LON,
        destination_name="east",
        destination_lat=LAT,
        destination_lon=LON + 40_000 * LON_PER_M,
        departure_at=now - timedelta(minutes=1),
        started_at=now - timedelta(minutes=1),
        arrival_at=now + timedelta(hours=1),
        vehicles=[{"registration": "CO-A-9", "armoured": True, "seats": 4, "passengers": 1}],
        route={"coordinates": [[LON, LAT], [LON + 40_000 * LON_PER_M, LAT]]},
    )
    db.add(movement)
    issued = devices.register(
        db,
        actor_of(world.company_a, Side.CLIENT),
        identifier="restart-car",
        protocol="osmand",
        vehicle_registration="CO-A-9",
    )
    db.commit()
    return movement.id, issued.device.identifier, issued.key


def send(server: Server, identifier: str, key: str, fixes: range, sent: dict[int, int]) -> None:
    """Traccar Client's OsmAnd requests in real time, a fix every 2 s, 15 m/s east; from fix
    OFF_FROM on, 1.2 km north of the road. ``sent`` keeps each fix's time (whole seconds)."""
    for i in fixes:
        north = 1_200.0 if i >= OFF_FROM else 0.0
        lat, lon = LAT + north / METRES_PER_DEGREE, LON + 30 * i * LON_PER_M
        sent[i] = stamp = int(time.time())
        url = (
            f"http://127.0.0.1:{server.osmand_port}/?id={identifier}&key={key}"
            f"&lat={lat:.6f}&lon={lon:.6f}&timestamp={stamp}&speed=29"
        )
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.status == 200
        time.sleep(max(0.0, stamp + 2 - time.time()))


def deviations(db: Session, movement_id: str) -> list[Alert]:
    db.expire_all()
    return list(
        db.scalars(select(Alert).where(Alert.movement_id == movement_id, Alert.kind == "deviation"))
    )


def wait_for_alert(db: Session, movement_id: str, timeout: float = 30) -> list[Alert]:
    deadline = time.monotonic() + timeout
    while not (found := deviations(db, movement_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def test_kill_9_of_the_server_keeps_one_deviation_alert_with_its_true_start(
    db: Session, db_url: str, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JSMS_MONITOR_CORRIDOR_DWELL_S", str(DWELL_S))
    movement_id, identifier, key = on_the_road(db, world)
    log = tmp_path / "serve.log"
    sent: dict[int, int] = {}

    first = Server(db_url, log)
    try:
        send(first, identifier, key, range(0, OFF_FROM + 3), sent)  # 6 s off: under the dwell
        assert time.time() - sent[OFF_FROM] < DWELL_S
        assert deviations(db, movement_id) == []
    finally:
        first.kill_9()

    second = Server(db_url, log)  # replays the stored fixes; the dwell passes
    try:
        send(second, identifier, key, range(OFF_FROM + 3, OFF_FROM + 6), sent)
        (alert,) = wait_for_alert(db, movement_id)
        episode_start = datetime.fromtimestamp(sent[OFF_FROM], UTC)
        assert alert.key.endswith(episode_start.isoformat())  # found by replaying pre-crash fixes
    finally:
        second.kill_9()

    third = Server(db_url, log)
    try:
        send(third, identifier, key, range(OFF_FROM + 6, OFF_FROM + 9), sent)  # still off
        time.sleep(3.0)  # replayed, handed on, ticked
    finally:
        third.stop()
    (again,) = deviations(db, movement_id)
    assert again.id == alert.id and again.status == "open"
