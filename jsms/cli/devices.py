"""`jsms devices ...`: register tracking devices, show them, rotate keys, deactivate, and
write Mosquitto's password file and ACL. The command line acts as an admin (audited as
cli:<user>)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jsms.audit.service import cli_actor
from jsms.cli.main import app, console, err, friendly_errors
from jsms.config import get_settings
from jsms.db import transaction
from jsms.errors import Invalid, NotFound
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side

devices_app = typer.Typer(help="Tracking devices and their keys.", no_args_is_help=True)
app.add_typer(devices_app, name="devices")


def _agency(db: Session, short_name: str) -> Agency:
    agency = db.scalar(select(Agency).where(Agency.short_name == short_name))
    if agency is None:
        raise Invalid(f"no agency with short name {short_name!r}")
    return agency


def _operator(agency: Agency) -> Actor:
    return Actor(
        user_id="",
        username=cli_actor(),
        agency_id=agency.id,
        side=Side(agency.side),
        roles=frozenset({Role.ADMIN}),
    )


def _device(db: Session, identifier: str) -> tuple[str, Actor]:
    """The device (by identifier or id) and an admin of its agency to act on it."""
    from jsms.tracking.models import Device

    device = db.scalar(
        select(Device).where(or_(Device.identifier == identifier, Device.id == identifier))
    )
    if device is None:
        raise NotFound(f"no device {identifier!r}")
    agency = db.get(Agency, device.agency_id)
    assert agency is not None
    return device.id, _operator(agency)


def _unit_id(db: Session, unit: str | None) -> str | None:
    from jsms.registry.models import SecurityUnit

    if not unit:
        return None
    found = db.scalar(
        select(SecurityUnit.id).where(or_(SecurityUnit.call_sign == unit, SecurityUnit.id == unit))
    )
    if found is None:
        raise Invalid(f"no unit with call sign or id {unit!r}")
    return found


@devices_app.command("add")
def add(
    identifier: Annotated[str, typer.Argument(help="what the device sends as its id")],
    protocol: Annotated[str, typer.Option(help="osmand, owntracks or gateway")],
    agency: Annotated[str, typer.Option(help="owning agency's short name")],
    label: Annotated[str, typer.Option()] = "",
    person: Annotated[
        str | None, typer.Option(help="id of the protected person carrying it")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="call sign of the unit whose vehicle")] = None,
    vehicle: Annotated[str | None, typer.Option(help="vehicle registration")] = None,
) -> None:
    """Register a device and print its key (shown this once)."""
    from jsms.tracking import devices

    with friendly_errors(), transaction(cli_actor()) as db:
        owner = _agency(db, agency)
        issued = devices.register(
            db,
            _operator(owner),
            identifier=identifier,
            protocol=protocol,
            label=label,
            agency_id=owner.id,
            person_id=person,
            unit_id=_unit_id(db, unit),
            vehicle_registration=vehicle,
        )
        identifier = issued.device.identifier
    console.print(f"device [bold]{identifier}[/] registered; its key (shown once): {issued.key}")


@devices_app.command("list")
def list_devices(
    agency: Annotated[str | None, typer.Option(help="only this agency's (short name)")] = None,
) -> None:
    """Registered devices, with their carrier and last fix (audited)."""
    from jsms.audit import service as audit
    from jsms.tracking.models import Device

    with friendly_errors(), transaction(cli_actor()) as db:
        stmt = select(Device, Agency.short_name).join(Agency, Agency.id == Device.agency_id)
        if agency:
            stmt = stmt.where(Device.agency_id == _agency(db, agency).id)
        rows = db.execute(stmt.order_by(Device.identifier)).all()
        audit.record(db, action="device.list", object_type="device", detail={"count": len(rows)})
    table = Table(title=f"{len(rows)} device(s)")
    for column in ("identifier", "protocol", "agency", "carried by", "active", "last fix (UTC)"):
        table.add_column(column)
    for device, short_name in rows:
        carrier = (
            f"person {device.person_id}"
            if device.person_id
            else " ".join(
                part
                for part in (
                    f"unit {device.unit_id}" if device.unit_id else "",
                    device.vehicle_registration or "",
                )
                if part
            )
        )
        table.add_row(
            device.identifier,
            device.protocol,
            short_name,
            carrier or "-",
            "yes" if device.active else "no",
            f"{device.last_fix_at:%Y-%m-%d %H:%M:%S}" if device.last_fix_at else "-",
        )
    console.print(table)


@devices_app.command("rotate-key")
def rotate_key(identifier: Annotated[str, typer.Argument(help="identifier or id")]) -> None:
    """Issue a new key (printed once); the old one is refused within a second or two."""
    from jsms.tracking import devices

    with friendly_errors(), transaction(cli_actor()) as db:
        device_id, actor = _device(db, identifier)
        issued = devices.rotate_key(db, actor, device_id)
        name = issued.device.identifier
    console.print(f"new key for [bold]{name}[/] (shown once): {issued.key}")


@devices_app.command("deactivate")
def deactivate(identifier: Annotated[str, typer.Argument(help="identifier or id")]) -> None:
    """Refuse the device's messages from now on (its positions stay)."""
    from jsms.tracking import devices

    with friendly_errors(), transaction(cli_actor()) as db:
        device_id, actor = _device(db, identifier)
        device = devices.deactivate(db, actor, device_id)
        name = device.identifier
    console.print(f"device [bold]{name}[/] deactivated")


@devices_app.command("mosquitto-passwd")
def mosquitto_passwd(
    password_file: Annotated[Path, typer.Option(help="Mosquitto's password_file")],
    acl_file: Annotated[Path, typer.Option(help="Mosquitto's acl_file")],
) -> None:
    """Write Mosquitto's password file and ACL for the active OwnTracks devices and for JSMS
    itself (the user and password of JSMS_MQTT_URL); then reload the broker."""
    from jsms.audit import service as audit
    from jsms.tracking.broker import broker_files, write_private
    from jsms.tracking.mqtt import BrokerAddress

    with friendly_errors():
        user = password = None
        url = get_settings().mqtt_url
        if url:
            try:
                address = BrokerAddress.parse(url)
            except ValueError as error:
                raise Invalid(str(error)) from None
            user, password = address.username, address.password
        for path in (password_file, acl_file):
            if not path.parent.is_dir():
                raise Invalid(f"no such folder: {path.parent}")
        with transaction(cli_actor()) as db:
            files = broker_files(db, user, password)
            audit.record(
                db,
                action="device.broker_files",
                object_type="device",
                detail={"devices": files.devices, "password_file": str(password_file)},
            )
        write_private(password_file, files.passwords)
        write_private(acl_file, files.acl)
    console.print(
        f"{files.devices} OwnTracks device(s) written to {password_file} and {acl_file}; "
        "reload Mosquitto (kill -HUP) to apply"
    )
    if not user:
        err.print("note: JSMS_MQTT_URL names no user, so JSMS itself has no broker account here")
    if files.without_hash:
        err.print(
            f"note: rotate the keys of {', '.join(files.without_hash)} to give them broker access"
        )
