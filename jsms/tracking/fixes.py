"""What every device protocol is turned into (a `Fix`), and what the monitor is handed once a
fix is stored (a `StoredPosition`). Plain data: the protocols, the store, the stream and the
monitor agree on these and on nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Fix", "StoredPosition"]


@dataclass(frozen=True, slots=True)
class Fix:
    """One position report as a device sent it, already parsed and unit-converted (metres,
    metres per second, degrees, UTC), not yet checked against the device registry."""

    device: str  # the identifier the device sent (OsmAnd id, Traccar device_id, "user/device")
    fixed_at: datetime  # when the device took the fix (UTC)
    lat: float
    lon: float
    source: str  # osmand | traccar_json | owntracks | batch
    speed_mps: float | None = None
    bearing: float | None = None
    altitude_m: float | None = None
    accuracy_m: float | None = None
    battery: float | None = None  # percent
    alarm: str | None = None  # "sos", ...
    key: str | None = None  # the device's credential, when the protocol carries it


@dataclass(frozen=True, slots=True)
class StoredPosition:
    """A fix that is durable in the database, with what the monitor needs to place it."""

    seq: int
    device_id: str
    movement_id: str | None
    role: str  # protectee | escort | unknown: who carries the device on that movement
    fixed_at: datetime
    received_at: datetime
    lat: float
    lon: float
    speed_mps: float | None = None
    alarm: str | None = None
