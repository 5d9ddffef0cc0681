"""The device registry as ingest sees it: held in memory and kept fresh, so a position is
checked without a database round trip.

Changes are picked up by polling the devices changed since the last look (every device
change moves its `updated_at`; ingest's own `last_fix_at` updates do not), so a device
registered, rotated or deactivated by another process counts within about a second. An
identifier not found triggers an early look, at most a few times a second, so a flood of
unknown identifiers cannot turn into a flood of queries.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from jsms.db import utcnow
from jsms.tracking.models import Device

__all__ = ["DeviceDirectory", "KnownDevice"]

POLL_SECONDS = 1.0
MISS_LOOK_SECONDS = 0.25
OVERLAP = timedelta(seconds=2)  # re-read a margin: a slow transaction commits an older stamp


@dataclass(frozen=True, slots=True)
class KnownDevice:
    id: str
    identifier: str
    protocol: str
    agency_id: str
    active: bool
    secret_hash: str
    person_id: str | None
    unit_id: str | None
    vehicle_registration: str | None

    def key_matches(self, key: str) -> bool:
        presented = hashlib.sha256(key.encode()).hexdigest()
        return hmac.compare_digest(presented, self.secret_hash)


_COLUMNS = (
    Device.id,
    Device.identifier,
    Device.protocol,
    Device.agency_id,
    Device.active,
    Device.secret_hash,
    Device.person_id,
    Device.unit_id,
    Device.vehicle_registration,
    Device.updated_at,
)


class DeviceDirectory:
    """identifier -> KnownDevice, refreshed from the database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._by_identifier: dict[str, KnownDevice] = {}
        self._by_id: dict[str, KnownDevice] = {}
        self._mark: datetime | None = None
        self._lock = threading.Lock()
        self._last_look = 0.0

    def get(self, identifier: str) -> KnownDevice | None:
        found = self._by_identifier.get(identifier)
        if found is None and time.monotonic() - self._last_look > MISS_LOOK_SECONDS:
            self.refresh()
            found = self._by_identifier.get(identifier)
        return found

    def by_id(self, device_id: str) -> KnownDevice | None:
        return self._by_id.get(device_id)

    def refresh(self) -> None:
        """Read the devices changed since the last look (all of them the first time)."""
        with self._lock:
            self._last_look = time.monotonic()
            stmt = select(*_COLUMNS)
            if self._mark is not None:  # what changed since, and what changed just now
                recent = utcnow() - OVERLAP
                stmt = stmt.where(or_(Device.updated_at > self._mark, Device.updated_at >= recent))
            with self._engine.connect() as connection:
                rows = connection.execute(stmt).all()
            for row in rows:
                device = KnownDevice(**{k: v for k, v in row._mapping.items() if k != "updated_at"})
                old = self._by_id.get(device.id)
                if old is not None and old.identifier != device.identifier:
                    self._by_identifier.pop(old.identifier, None)
                self._by_identifier[device.identifier] = device
                self._by_id[device.id] = device
                if self._mark is None or row.updated_at > self._mark:
                    self._mark = row.updated_at

    def __len__(self) -> int:
        return len(self._by_id)
