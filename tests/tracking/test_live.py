"""The live monitor service against a real database: watches built from the movements on the
road, positions handed over by the bus, check-ins and incidents read back, findings raised as
alerts (exactly once, also after a restart)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts.models import Alert
from jsms.movements import planning
from jsms.movements.models import Movement
from jsms.threat.service import create_incident
from jsms.tracking.bus import InProcessBus
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.live import LiveMonitor, thresholds_from_env
from jsms.tracking.models import CheckIn, Device, Position
from jsms.tracking.monitor import RouteLine
from jsms.tracking.monitor.route import METRES_PER_DEGREE
from tests.movements import conftest as movement_fixtures
from tests.movements.conftest import MovementWorld

# The movement world's fixtures: Karachi airport to Hub, approved, escorts booked.
mworld = movement_fixtures.mworld
approved = movement_fixtures.approved


def on_the_road(db: Session, movement_id: str, minutes_ago: float = 10) -> Movement:
    """Start the movement ``minutes_ago`` (departing then, arriving in an hour)."""
    movement = db.get(Movement, movement_id)
    assert movement is not None
    now = datetime.now(UTC)
    movement.status = "in_progress"
    movement.departure_at = movement.started_at = now - timedelta(minutes=minutes_ago)
    movement.arrival_at = now + timedelta(hours=1)
    movement.evaluation = planning.evaluate(db, movement)  # as the movement flows leave it
    db.commit()
    return movement


def devices(db: Session, mworld: MovementWorld) -> tuple[str, str]:
    phone = Device(
        identifier="phone-eng-0",
        protocol="osmand",
        agency_id=mworld.world.company_a,
        person_id=mworld.passengers[0],
        secret_hash="0" * 64,
    )
    escort = Device(
        identifier="sindh-escort-1",
        protocol="osmand",
        agency_id=mworld.world.host_sindh,
        unit_id=mworld.sindh_unit,
        secret_hash="0" * 64,
    )
    db.add_all([phone, escort])
    db.commit()
    return phone.id, escort.id


def route_of(movement: Movement) -> RouteLine:
    return RouteLine([(lat, lon) for lon, lat in movement.route["coordinates"]])


def store(
    db: Session,
    movement: Movement,
    device_id: str,
    at: datetime,
    along_m: float,
    north_m: float = 0.0,
    speed: float = 12.0,
    alarm: str | None = None,
) -> StoredPosition:
    """A position as ingest stores it, handed on as the bus would."""
    lat, lon = route_of(movement).point_at(along_m)
    lat += north_m / METRES_PER_DEGREE
    row = Position(
        device_id=device_id,
        movement_id=movement.id,
        fixed_at=at,
        received_at=at,
        lat=lat,
        lon=lon,
        speed_mps=speed,
        alarm=alarm,
        source="osmand",
    )
    db.add(row)
    db.commit()
    role = "protectee"
    return StoredPosition(row.seq, device_id, movement.id, role, at, at, lat, lon, speed, alarm)


def alerts(db: Session, kind: str | None = None) -> list[Alert]:
    db.expire_all()
    stmt = select(Alert).order_by(Alert.opened_at)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    return list(db.scalars(stmt))


def drive_with_a_deviation(db: Session, movement: Movement, phone: str) -> list[StoredPosition]:
    start = movement.started_at
    assert start is not None
    out = []
    for i in range(12):  # every 20 s; 2 minutes 1.5 km north of the road from the fifth fix
        north = 1_500.0 if 4 <= i < 10 else 0.0
        out.append(
            store(db, movement, phone, start + timedelta(seconds=20 * i), 300 + 240 * i, north)
        )
    return out


def test_a_movement_on_the_road_is_watched_with_its_devices_and_check_in_schedule(
    db: Session,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, escort = devices(db, mworld)
    on_the_road(db, approved)
    live = LiveMonitor(db.get_bind().url.render_as_string(hide_password=False))
    live.refresh()
    watch = live.core.watches[approved]
    assert dict(watch.plan.devices) == {phone: "protectee", escort: "escort"}
    # the strictest of the SOPs in force: Balochistan's 30 minutes beats the federal hour
    assert [(s.who, s.every, s.rule_id) for s in watch.plan.check_ins] == [
        ("escort_commander", timedelta(minutes=30), "BL-CHECKIN-1")
    ]
    assert watch.started_at is not None and watch.under_way


def test_a_deviation_is_raised_once_and_a_restart_does_not_raise_it_again(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, _ = devices(db, mworld)
    movement = on_the_road(db, approved)
    live = LiveMonitor(db_url)
    live.refresh()
    positions = drive_with_a_deviation(db, movement, phone)
    assert live.deliver(live.handle(positions))
    (deviation,) = alerts(db, "deviation")
    assert deviation.movement_id == approved and deviation.device_id == phone
    assert deviation.status == "open"
    assert mworld.world.host_sindh in deviation.agency_ids
    # the server restarts: the watch is rebuilt by replaying the stored positions
    again = LiveMonitor(db_url)
    assert again.deliver(again.refresh())
    assert [a.key for a in alerts(db, "deviation")] == [deviation.key]
    # the bus re-delivers the same batch after the restart: still the one alert
    assert again.deliver(again.handle(positions))
    assert len(alerts(db, "deviation")) == 1


def test_positions_of_a_movement_not_yet_watched_build_its_watch(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, _ = devices(db, mworld)
    live = LiveMonitor(db_url)
    live.refresh()  # nothing live yet: the movement leaves in two days
    assert live.core.watches == {}
    movement = on_the_road(db, approved)
    positions = drive_with_a_deviation(db, movement, phone)
    assert live.deliver(live.handle(positions[-3:]))  # only the last batch reaches this monitor
    assert approved in live.core.watches
    assert len(alerts(db, "deviation")) == 1  # found by replaying what was stored


def test_an_overdue_check_in_is_raised_and_a_check_in_prevents_it(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    devices(db, mworld)
    on_the_road(db, approved, minutes_ago=70)  # every 30 min (BL-CHECKIN-1), grace 5
    live = LiveMonitor(db_url)
    live.refresh()
    now = datetime.now(UTC)
    db.add(CheckIn(movement_id=approved, at=now - timedelta(minutes=10), kind="ok", channel="app"))
    db.commit()
    live.poll(now)
    assert [f.kind for f in live.tick(now) if f.kind == "overdue_check_in"] == []
    assert [f for f in live.tick(now + timedelta(minutes=24)) if f.kind == "overdue_check_in"] == []
    later = now + timedelta(minutes=26)
    found = [f for f in live.tick(later) if f.kind == "overdue_check_in"]
    assert len(found) == 1 and found[0].detail["rule_id"] == "BL-CHECKIN-1"
    assert live.deliver(found)
    (overdue,) = alerts(db, "overdue_check_in")
    assert overdue.movement_id == approved


def test_late_departure_of_an_approved_movement_due_now(
    db: Session,
    db_url: str,
    approved: str,
) -> None:
    movement = db.get(Movement, approved)
    assert movement is not None
    movement.departure_at = datetime.now(UTC) - timedelta(minutes=20)
    movement.arrival_at = movement.departure_at + timedelta(hours=1)
    db.commit()
    live = LiveMonitor(db_url)
    live.refresh()
    assert live.deliver(live.tick())
    assert [a.movement_id for a in alerts(db, "late_departure")] == [approved]


def test_a_new_incident_near_the_route_ahead_is_raised(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, _ = devices(db, mworld)
    movement = on_the_road(db, approved)
    live = LiveMonitor(db_url)
    live.refresh()
    live.deliver(live.handle([store(db, movement, phone, datetime.now(UTC), 2_000)]))
    lat, lon = route_of(movement).point_at(25_000)
    incident = create_incident(
        db,
        sources=[],
        review_status="accepted",
        title="IED on the Hub road",
        occurred_at=datetime.now(UTC),
        lat=lat + 0.01,
        lon=lon,
        attack_type="bombing",
    )
    db.commit()
    assert live.deliver(live.poll())
    (nearby,) = alerts(db, "incident_nearby")
    assert nearby.incident_id == incident.id and nearby.movement_id == approved
    assert live.deliver(live.poll())  # read again: no second alert
    assert len(alerts(db, "incident_nearby")) == 1


def test_a_finished_movement_is_no_longer_watched(
    db: Session,
    db_url: str,
    approved: str,
) -> None:
    movement = on_the_road(db, approved)
    live = LiveMonitor(db_url)
    live.refresh()
    assert approved in live.core.watches
    movement.status, movement.ended_at = "completed", datetime.now(UTC)
    db.commit()
    live.refresh()
    assert approved not in live.core.watches
    assert live.tick(datetime.now(UTC) + timedelta(hours=3)) == []


def test_embedded_in_the_serving_process_through_the_bus(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, _ = devices(db, mworld)
    movement = on_the_road(db, approved)
    live = LiveMonitor(db_url, tick_seconds=0.2, poll_seconds=0.5).start()
    bus = InProcessBus()
    bus.subscribe(live.publish)
    try:
        now = datetime.now(UTC)
        bus.publish([store(db, movement, phone, now, 1_000, alarm="sos")])
        deadline = time.monotonic() + 10
        while not alerts(db, "sos") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        live.stop()
    (sos,) = alerts(db, "sos")
    assert sos.severity == "critical" and sos.device_id == phone
    assert (sos.opened_at - now).total_seconds() < 5


def test_a_database_failure_keeps_the_finding_until_it_is_raised(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, _ = devices(db, mworld)
    movement = on_the_road(db, approved)
    calls = {"n": 0}

    def flaky(session: Session, finding: object) -> None:
        from jsms.alerts.service import raise_alert

        calls["n"] += 1
        if calls["n"] <= 2:
            raise RuntimeError("database went away")
        raise_alert(session, finding)  # type: ignore[arg-type]

    live = LiveMonitor(db_url, raise_alert=flaky)
    live.refresh()
    assert not live.deliver(
        live.handle([store(db, movement, phone, datetime.now(UTC), 500, alarm="sos")])
    )
    assert alerts(db, "sos") == [] and len(live.pending) == 1
    assert live.deliver([])
    assert len(alerts(db, "sos")) == 1 and live.pending == []


def test_thresholds_come_from_the_environment() -> None:
    t = thresholds_from_env({"JSMS_MONITOR_CORRIDOR_M": "450", "JSMS_ENV": "test"})
    assert t.corridor_m == 450
    with pytest.raises(ValueError, match="unknown monitor threshold 'corridor'"):
        thresholds_from_env({"JSMS_MONITOR_CORRIDOR": "450"})


def test_no_alert_counts_twice_across_many_batches(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    approved: str,
) -> None:
    phone, _ = devices(db, mworld)
    movement = on_the_road(db, approved)
    live = LiveMonitor(db_url)
    live.refresh()
    for position in drive_with_a_deviation(db, movement, phone):
        assert live.deliver(live.handle([position]))
    assert db.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "deviation")) == 1


def test_a_submitted_batch_is_always_answered_even_an_empty_one(db_url: str) -> None:
    """A monitor worker waits on the answer before acknowledging: it must never hang."""
    live = LiveMonitor(db_url, tick_seconds=0.2, poll_seconds=0.5).start()
    try:
        assert live.submit([]).result(timeout=10) is True
    finally:
        live.stop()
