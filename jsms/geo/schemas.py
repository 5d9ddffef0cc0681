"""Geography as the API shows it."""

from __future__ import annotations

from jsms.schemas import OutModel


class PlaceOut(OutModel):
    name: str
    lat: float
    lon: float
    province: str | None
    district: str | None
    kind: str
    source: str


class LocationOut(OutModel):
    lat: float
    lon: float
    province: str | None
    district: str | None
    how: str
    h3_cell: str


class AdminAreaOut(OutModel):
    id: str
    level: int
    name: str
    parent_name: str
    source: str
