"""The device registry: who carries each tracker, which agency answers for it, and its key.

A key is shown once, when it is issued; the database keeps its SHA-256 (what ingest checks)
and Mosquitto's salted PBKDF2 of it (what the broker checks for OwnTracks over MQTT). Every
change is audited by the session hook; every read is recorded here.

Who may: admins any device; ops officers the devices of their own agency (on its units, its
vehicles, or carried by a protected person); a company's requesters their employees' phones
and the company's vehicles. Outside that, a device does not exist for the caller (404).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.errors import Conflict, Forbidden, Invalid, NotFound
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.registry.models import SecurityUnit
from jsms.tracking.models import Device
from jsms.tracking.protocols.owntracks import IDENTIFIER as OWNTRACKS_IDENTIFIER

__all__ = [
    "PROTOCOLS",
    "Issued",
    "deactivate",
    "device_query",
    "get_device",
    "key_hash",
    "register",
    "rotate_key",
]

# osmand: Traccar Client (query form or JSON); owntracks: the OwnTracks app (HTTP or MQTT);
# gateway: a server that posts batches for the devices of its own agency.
PROTOCOLS = ("osmand", "owntracks", "gateway")
_PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z0-9._:-]{1,120}$")
BROKER_ITERATIONS = 101  # what mosquitto_passwd writes; the key itself is random and long


@dataclass(frozen=True)
class Issued:
    """A device and its new key: the only time the key is ever shown."""

    device: Device
    key: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def broker_hash(key: str) -> str:
    """The key in Mosquitto 2's password-file form: $7$iterations$salt$PBKDF2-SHA512."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", key.encode(), salt, BROKER_ITERATIONS)
    encode = base64.b64encode
    return f"$7${BROKER_ITERATIONS}${encode(salt).decode()}${encode(digest).decode()}"


def _new_key(device: Device) -> str:
    key = secrets.token_urlsafe(24)
    device.secret_hash = key_hash(key)
    device.broker_hash = broker_hash(key)
    return key


def scope(actor: Actor) -> ColumnElement[bool]:
    """The devices `actor` may see and manage: all for an admin, else their agency's."""
    return true() if actor.has(Role.ADMIN) else Device.agency_id == actor.agency_id


def device_query(actor: Actor) -> Select[Device]:
    return select(Device).where(scope(actor)).order_by(Device.identifier)


def record_listing(db: Session, actor: Actor, count: int) -> None:
    audit.record(db, action="device.list", object_type="device", detail={"count": count})


def get_device(db: Session, actor: Actor, device_id: str, *, audited: bool = True) -> Device:
    device = db.scalar(select(Device).where(scope(actor), Device.id == device_id))
    if device is None:
        raise NotFound(f"no device {device_id}")
    if audited:
        audit.record(db, action="device.read", object_type="device", object_id=device.id)
    return device


def _check_identifier(protocol: str, identifier: str) -> None:
    if protocol not in PROTOCOLS:
        raise Invalid(f"protocol must be one of {', '.join(PROTOCOLS)}", field="protocol")
    if protocol == "owntracks":
        if not OWNTRACKS_IDENTIFIER.match(identifier):
            raise Invalid(
                "an OwnTracks device is named user/device, as in its topic "
                "owntracks/<user>/<device> (letters, digits, . _ -)",
                field="identifier",
            )
    elif not _PLAIN_IDENTIFIER.match(identifier):
        raise Invalid(
            "the identifier is what the device sends as its id: 1-120 letters, digits, . _ : -",
            field="identifier",
        )


def _owning_agency(db: Session, actor: Actor, agency_id: str | None) -> Agency:
    if agency_id and agency_id != actor.agency_id and not actor.has(Role.ADMIN):
        raise Forbidden("you may register devices only for your own agency")
    agency = db.get(Agency, agency_id or actor.agency_id)
    if agency is None:
        raise Invalid(f"no agency {agency_id}", field="agency_id")
    return agency


def _check_carrier(
    db: Session,
    actor: Actor,
    agency: Agency,
    protocol: str,
    person_id: str | None,
    unit_id: str | None,
    vehicle_registration: str | None,
) -> None:
    """Who carries it: a protected person, a unit (a vehicle of it), or a company vehicle."""
    if protocol == "gateway":
        if person_id or unit_id or vehicle_registration:
            raise Invalid("a gateway posts for other devices and is carried by no one")
        return
    if person_id and (unit_id or vehicle_registration):
        raise Invalid("a device is carried by a person or fitted to a vehicle, not both")
    if person_id:
        person = registry.get_person(db, actor, person_id)  # 404 outside the caller's sight
        if agency.side == Side.CLIENT and person.employer_agency_id != agency.id:
            raise Invalid("a company registers phones of its own employees", field="person_id")
    if unit_id:
        unit = db.get(SecurityUnit, unit_id)
        if unit is None or unit.agency_id != agency.id:
            raise Invalid("the unit must belong to the device's agency", field="unit_id")
        known = {vehicle.registration for vehicle in unit.vehicles}
        if vehicle_registration and vehicle_registration not in known:
            raise Invalid(
                f"{unit.call_sign} has no vehicle {vehicle_registration}",
                field="vehicle_registration",
            )
    elif vehicle_registration and agency.side != Side.CLIENT:
        raise Invalid(
            "a force's vehicle tracker names its unit (unit_id)", field="vehicle_registration"
        )


def register(
    db: Session,
    actor: Actor,
    *,
    identifier: str,
    protocol: str,
    label: str = "",
    agency_id: str | None = None,
    person_id: str | None = None,
    unit_id: str | None = None,
    vehicle_registration: str | None = None,
) -> Issued:
    """A new device and its key (shown once)."""
    identifier = identifier.strip()
    _check_identifier(protocol, identifier)
    agency = _owning_agency(db, actor, agency_id)
    _check_carrier(db, actor, agency, protocol, person_id, unit_id, vehicle_registration)
    if db.scalar(select(Device.id).where(Device.identifier == identifier)):
        raise Conflict(f"a device {identifier!r} is already registered", field="identifier")
    device = Device(
        identifier=identifier,
        protocol=protocol,
        label=label.strip(),
        agency_id=agency.id,
        person_id=person_id,
        unit_id=unit_id,
        vehicle_registration=vehicle_registration or None,
        active=True,
    )
    key = _new_key(device)
    db.add(device)
    db.flush()
    return Issued(device, key)


def rotate_key(db: Session, actor: Actor, device_id: str) -> Issued:
    """A new key for the device; the old one stops working within a second or two."""
    device = get_device(db, actor, device_id, audited=False)
    key = _new_key(device)
    db.flush()
    return Issued(device, key)


def deactivate(db: Session, actor: Actor, device_id: str) -> Device:
    """The device's messages are refused from now on; its positions stay."""
    device = get_device(db, actor, device_id, audited=False)
    device.active = False
    db.flush()
    return device


def describe(device: Device) -> dict[str, Any]:
    """The device as the API and the CLI show it (never its key or hashes)."""
    return {
        "id": device.id,
        "identifier": device.identifier,
        "label": device.label,
        "protocol": device.protocol,
        "agency_id": device.agency_id,
        "person_id": device.person_id,
        "unit_id": device.unit_id,
        "vehicle_registration": device.vehicle_registration,
        "active": device.active,
        "last_fix_at": device.last_fix_at,
        "created_at": device.created_at,
    }
