"""The demo's tracking devices: a Traccar Client tracker in every vehicle of the units booked
on the movements that are live (on the road, or approved and about to leave), and an
OwnTracks phone for each of their passengers. Registered through the device registry, like an
operator would; each key is shown once, so the demo writes them to `demo-devices.json`
beside the key file (mode 0600, never in the repository) for `jsms simulate`.

OwnTracks names a phone "user/device" and the topic follows it, so the user part carries a
tag of this demo (`jsms-<6 hex>`): two demos on one machine never read each other's phones
from a shared broker.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.config import get_settings
from jsms.demo.organisations import loader_actor
from jsms.identity.models import Agency
from jsms.movements.models import Movement
from jsms.registry.models import ProtectedPerson, SecurityUnit
from jsms.simulator.fleet import DeviceKey, live_convoys
from jsms.simulator.route import RouteWalk
from jsms.simulator.script import Drive
from jsms.tracking import devices
from jsms.tracking.broker import write_private
from jsms.tracking.models import Device, Position

__all__ = [
    "DEVICES_FILE",
    "DemoDevice",
    "devices_file",
    "read_tag",
    "register_devices",
    "seed_trails",
    "write_keys",
]

DEVICES_FILE = "demo-devices.json"
LIVE = ("approved", "in_progress")
SEED_EVERY_S = 30


@dataclass(frozen=True)
class DemoDevice:
    identifier: str
    protocol: str
    key: str
    label: str


def devices_file(key_file: Path | None = None) -> Path:
    """Where the demo keeps its devices' keys: beside the key file."""
    return (key_file or get_settings().key_file).with_name(DEVICES_FILE)


def _agency(db: Session, agency_id: str) -> Agency:
    agency = db.get(Agency, agency_id)
    assert agency is not None
    return agency


def register_devices(db: Session, movements: list[Movement]) -> tuple[str, list[DemoDevice]]:
    """Register the live movements' devices; the demo's tag and each device with its key."""
    tag = f"jsms-{secrets.token_hex(3)}"
    made: list[DemoDevice] = []
    done: set[str] = set()
    live = [m for m in movements if m.status in LIVE]
    for movement in live:
        for unit_id in dict.fromkeys(e.unit_id for e in movement.escorts):
            unit = db.get(SecurityUnit, unit_id)
            if unit is None or unit.id in done:
                continue
            done.add(unit.id)
            actor = loader_actor(_agency(db, unit.agency_id))
            for vehicle in unit.vehicles:
                issued = devices.register(
                    db,
                    actor,
                    identifier=f"trk-{vehicle.registration}".lower(),
                    protocol="osmand",
                    label=f"{unit.call_sign} {vehicle.registration}",
                    unit_id=unit.id,
                    vehicle_registration=vehicle.registration,
                )
                made.append(DemoDevice(issued.device.identifier, "osmand", issued.key,
                                       issued.device.label))  # fmt: skip
    for movement in live:
        for person_id in movement.passenger_ids:
            person = db.get(ProtectedPerson, person_id)
            if person is None or person.id in done:
                continue
            done.add(person.id)
            actor = loader_actor(_agency(db, person.employer_agency_id))
            issued = devices.register(
                db,
                actor,
                identifier=f"{tag}/phone-{len(done):03d}",
                protocol="owntracks",
                label=f"{person.full_name}'s phone",
                person_id=person.id,
            )
            made.append(DemoDevice(issued.device.identifier, "owntracks", issued.key,
                                   issued.device.label))  # fmt: skip
    return tag, made


def seed_trails(db: Session, made: list[DemoDevice], now: datetime) -> int:
    """The hour already driven by the movement on the road, as its devices reported it (a fix
    every half minute), so the control room opens on a convoy with a trail behind it and the
    monitor finds it departed and on its route. The simulator carries on from where it is."""
    keys = {d.identifier: DeviceKey(d.identifier, d.protocol, d.key, d.label) for d in made}
    ids = dict(db.execute(select(Device.identifier, Device.id)).all())
    stored = 0
    for convoy in live_convoys(db, keys, now):
        if convoy.status != "in_progress":
            continue
        walk = RouteWalk.from_geojson(convoy.route)
        planned = max((convoy.arrival_at - convoy.departure_at).total_seconds(), 60.0)
        drive = Drive(convoy.reference, walk, list(convoy.members), walk.length_m / planned)
        since = (now - (convoy.started_at or convoy.departure_at)).total_seconds()
        drive.begin(-since)
        for step in range(int(since // SEED_EVERY_S) + 1):
            t = -since + step * SEED_EVERY_S
            for member in drive.members:
                member.next_at = t  # one fix from each device at every step
            moment = now + timedelta(seconds=t)
            for report in drive.advance(t, moment):
                db.add(
                    Position(
                        device_id=ids[report.identifier],
                        movement_id=convoy.movement_id,
                        fixed_at=moment.replace(microsecond=0),
                        received_at=moment,
                        lat=report.lat,
                        lon=report.lon,
                        speed_mps=report.speed_mps,
                        bearing=report.bearing,
                        battery=report.battery,
                        source="osmand"
                        if keys[report.identifier].protocol == "osmand"
                        else "owntracks",
                    )
                )
                stored += 1
    db.flush()
    return stored


def write_keys(path: Path, tag: str, made: list[DemoDevice]) -> None:
    """The keys for the simulator, readable by their owner only."""
    rows = [d.__dict__ for d in made]
    write_private(path, json.dumps({"tag": tag, "devices": rows}, indent=1) + "\n")


def read_tag(path: Path) -> str | None:
    """This demo's tag, from its keys file (None when there is none)."""
    try:
        tag = json.loads(path.read_text(encoding="utf-8")).get("tag")
    except (OSError, ValueError, AttributeError):
        return None
    return tag if isinstance(tag, str) and tag else None
