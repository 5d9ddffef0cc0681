"""Tracking inputs and outputs: devices (a key appears only in the answer that issues it),
a movement's positions, and the refused-message counters."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from jsms.schemas import Id, OutModel, StrictModel


class DeviceIn(StrictModel):
    identifier: str = Field(
        min_length=1,
        max_length=120,
        description="what the device sends: the OsmAnd/Traccar id, or OwnTracks user/device",
    )
    protocol: Literal["osmand", "owntracks", "gateway"]
    label: str = Field(default="", max_length=120)
    agency_id: Id | None = Field(default=None, description="defaults to your own agency")
    person_id: Id | None = Field(default=None, description="the protected person carrying it")
    unit_id: Id | None = Field(default=None, description="the unit whose vehicle carries it")
    vehicle_registration: str | None = Field(default=None, min_length=2, max_length=30)


class DeviceOut(OutModel):
    id: str
    identifier: str
    label: str
    protocol: str
    agency_id: str
    person_id: str | None
    unit_id: str | None
    vehicle_registration: str | None
    active: bool
    last_fix_at: datetime | None
    created_at: datetime


class DeviceKeyOut(DeviceOut):
    key: str = Field(description="the device key: shown this once, never again")


class PositionOut(OutModel):
    seq: int
    device_id: str
    device_label: str
    role: str
    fixed_at: datetime
    received_at: datetime
    lat: float
    lon: float
    speed_mps: float | None
    bearing: float | None
    altitude_m: float | None
    accuracy_m: float | None
    battery: float | None
    alarm: str | None
    source: str


class MovementPositionsOut(OutModel):
    movement_id: str
    reference: str
    positions: list[PositionOut]
    next_after_seq: int = Field(description="pass as after_seq to get only newer positions")


class RejectionOut(OutModel):
    source: str
    reason: str
    count: int
    last_at: datetime
    last_sample: str


class StoredOut(OutModel):
    stored: int
    duplicates: int
    refused: list[dict[str, object]] = Field(default_factory=list)
