"""Mosquitto's password file and ACL, written from the device registry, so each OwnTracks
device may publish only to its own topic and JSMS may read them all.

The password file holds each active OwnTracks device's key in Mosquitto's own hash form
(kept in `devices.broker_hash` since the key was issued: the key itself is never stored),
and JSMS's own broker account (the user and password of JSMS_MQTT_URL). Reload the broker
after writing (`kill -HUP` its process, or restart it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.tracking.devices import broker_hash
from jsms.tracking.models import Device

__all__ = ["BrokerFiles", "broker_files", "write_private"]


@dataclass(frozen=True)
class BrokerFiles:
    passwords: str
    acl: str
    devices: int
    without_hash: list[str]  # registered before broker hashes existed: rotate their keys


def broker_files(db: Session, ingest_user: str | None, ingest_password: str | None) -> BrokerFiles:
    """The two files' contents for the active OwnTracks devices."""
    rows = db.scalars(
        select(Device)
        .where(Device.protocol == "owntracks", Device.active.is_(True))
        .order_by(Device.identifier)
    ).all()
    stamp = f"# written by `jsms devices mosquitto-passwd` at {datetime.now(UTC):%Y-%m-%d %H:%M}Z"
    passwords = [stamp]
    acl = [stamp, "# each device publishes only to its own topic; JSMS reads them all", ""]
    if ingest_user and ingest_password:
        passwords.append(f"{ingest_user}:{broker_hash(ingest_password)}")
        acl += [f"user {ingest_user}", "topic read owntracks/#", ""]
    missing = []
    for device in rows:
        if not device.broker_hash:
            missing.append(device.identifier)
            continue
        topic = f"owntracks/{device.identifier}"
        passwords.append(f"{device.identifier}:{device.broker_hash}")
        acl += [
            f"user {device.identifier}",
            f"topic write {topic}",
            f"topic write {topic}/event",
            f"topic read {topic}/cmd",
            "",
        ]
    return BrokerFiles(
        "\n".join(passwords) + "\n", "\n".join(acl) + "\n", len(rows) - len(missing), missing
    )


def write_private(path: Path, content: str) -> None:
    """Write `content` readable by its owner only, replacing the file in one step."""
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(temporary, path)
