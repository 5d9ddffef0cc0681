"""The demo's devices: a tracker in every vehicle of the units booked on the live movements and
a phone for each of their passengers, registered through the device registry, their keys in
a file only its owner can read (beside the key file, not in the repository); the movement on
the road has the hour it has driven behind it, and the simulator finds both live convoys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.demo.devices import devices_file
from jsms.movements.models import Movement
from jsms.simulator.fleet import live_convoys, read_keys
from jsms.tracking.devices import key_hash
from jsms.tracking.models import Device, Position
from jsms.tracking.monitor import RouteLine


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from jsms.db import get_engine
    from jsms.demo.scenario import load_scenario
    from jsms.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('demo-devices') / 'demo.sqlite3'}"
    upgrade(url)
    load_scenario(url)
    yield url
    get_engine(url).dispose()


@pytest.fixture
def session(demo: str) -> Iterator[Session]:
    from jsms.db import new_session

    db = new_session(demo)
    yield db
    db.close()


def test_every_live_convoy_has_its_trackers_and_phones_with_keys_only_the_owner_reads(
    session: Session,
) -> None:
    path = devices_file()
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert not path.resolve().is_relative_to(Path(__file__).resolve().parents[2])
    keys = read_keys(path)
    stored = {d.identifier: d for d in session.scalars(select(Device))}
    assert set(keys) == set(stored)
    assert all(stored[i].secret_hash == key_hash(k.key) for i, k in keys.items())
    assert json.loads(path.read_text())["tag"].startswith("jsms-")
    live = session.scalars(select(Movement).where(Movement.status.in_(("approved", "in_progress"))))
    for movement in live:
        vehicles = {
            v.registration for e in movement.escorts for v in _unit(session, e.unit_id).vehicles
        }
        trackers = {d.vehicle_registration for d in stored.values() if d.protocol == "osmand"}
        assert vehicles <= trackers, movement.reference
        phones = {d.person_id for d in stored.values() if d.protocol == "owntracks"}
        assert set(movement.passenger_ids) <= phones, movement.reference


def _unit(session: Session, unit_id: str):
    from jsms.registry.models import SecurityUnit

    unit = session.get(SecurityUnit, unit_id)
    assert unit is not None
    return unit


def test_the_movement_on_the_road_has_driven_its_first_hour_along_its_route(
    session: Session,
) -> None:
    (on_the_road,) = session.scalars(select(Movement).where(Movement.status == "in_progress"))
    trail = list(session.scalars(select(Position).where(Position.movement_id == on_the_road.id)))
    assert trail
    hour = max(p.fixed_at for p in trail) - min(p.fixed_at for p in trail)
    assert 55 * 60 <= hour.total_seconds() <= 65 * 60
    route = RouteLine([(lat, lon) for lon, lat in on_the_road.route["coordinates"]])
    off, along = route.locate([p.lat for p in trail], [p.lon for p in trail])
    assert max(off) < 150
    assert 0.25 < max(along) / route.length_m < 0.45  # a third of a three-hour drive


def test_the_simulator_finds_both_live_convoys(session: Session) -> None:
    convoys = live_convoys(session, read_keys(devices_file()), utcnow())
    assert [c.status for c in convoys] == ["in_progress", "approved"]
    for convoy in convoys:
        roles = {m.role for m in convoy.members}
        assert roles == {"escort", "protectee"}, convoy.reference
