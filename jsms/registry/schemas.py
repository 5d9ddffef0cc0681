"""Registry inputs and outputs. Person outputs never carry PII; PiiOut is its own call."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from jsms.geo.geometry import polygon_from_geojson
from jsms.schemas import (
    CountryCode,
    Id,
    Name,
    OutModel,
    PatchModel,
    PlanTime,
    ShortText,
    StrictModel,
)


class BloodGroup(StrEnum):
    A_POS = "A+"
    A_NEG = "A-"
    B_POS = "B+"
    B_NEG = "B-"
    AB_POS = "AB+"
    AB_NEG = "AB-"
    O_POS = "O+"
    O_NEG = "O-"


class UnitType(StrEnum):
    ESCORT = "escort"
    CLOSE_PROTECTION = "close_protection"
    QRF = "qrf"
    STATIC_GUARD = "static_guard"


LatField = Field(ge=-90, le=90)
LonField = Field(ge=-180, le=180)


class ProjectIn(StrictModel):
    name: Name
    client_agency_id: Id | None = Field(default=None, description="defaults to your own company")
    description: ShortText = ""
    province: str | None = Field(default=None, max_length=40)


class ProjectOut(OutModel):
    id: str
    name: str
    client_agency_id: str
    description: str
    province: str | None


class SiteIn(StrictModel):
    name: Name
    project_id: Id | None = None
    client_agency_id: Id | None = Field(default=None, description="defaults to your own company")
    kind: str = Field(default="project_site", max_length=30)
    lat: float = LatField
    lon: float = LonField
    perimeter: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon")
    source: str = Field(default="", max_length=300)

    @field_validator("perimeter")
    @classmethod
    def _valid_perimeter(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                polygon_from_geojson(value, what="perimeter")
            except Exception as exc:
                raise ValueError(str(exc)) from None
        return value


class SiteOut(OutModel):
    id: str
    name: str
    project_id: str | None
    client_agency_id: str
    kind: str
    lat: float
    lon: float
    perimeter: dict[str, Any] | None
    province: str | None
    district: str | None
    h3_cell: str
    source: str


class PersonIn(StrictModel):
    full_name: Name
    nationality: CountryCode
    employer_agency_id: Id | None = Field(default=None, description="defaults to your company")
    project_id: Id | None = None
    site_id: Id | None = None
    job_title: str = Field(default="", max_length=120)
    passport_number: str | None = Field(default=None, pattern=r"^[A-Z0-9]{5,20}$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{6,24}$")
    blood_group: BloodGroup | None = None
    emergency_contact: str | None = Field(default=None, max_length=300)


class PersonPatch(PatchModel):
    CLEARABLE = frozenset({"project_id", "site_id", "phone", "emergency_contact"})

    project_id: Id | None = None
    site_id: Id | None = None
    job_title: str | None = Field(default=None, max_length=120)
    status: str | None = Field(default=None, pattern=r"^(in_country|departed|on_leave)$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{6,24}$")
    emergency_contact: str | None = Field(default=None, max_length=300)


class PersonOut(OutModel):
    id: str
    full_name: str
    nationality: str
    employer_agency_id: str
    project_id: str | None
    site_id: str | None
    job_title: str
    status: str
    has_passport: bool
    has_phone: bool


class PiiOut(OutModel):
    person_id: str
    passport_number: str | None
    phone: str | None
    blood_group: str | None
    emergency_contact: str | None


class VehicleIn(StrictModel):
    registration: str = Field(min_length=2, max_length=30)
    kind: str = Field(min_length=2, max_length=40)
    armoured: bool = False
    seats: int = Field(default=4, ge=1, le=60)


class VehicleOut(OutModel):
    id: str
    registration: str
    kind: str
    armoured: bool
    seats: int


class UnitIn(StrictModel):
    name: Name
    call_sign: str = Field(min_length=2, max_length=40)
    agency_id: Id
    unit_type: UnitType
    strength: int = Field(ge=1, le=1000)
    base_name: str = Field(default="", max_length=200)
    base_lat: float | None = Field(default=None, ge=-90, le=90)
    base_lon: float | None = Field(default=None, ge=-180, le=180)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=100)


class UnitOut(OutModel):
    id: str
    name: str
    call_sign: str
    agency_id: str
    unit_type: str
    strength: int
    base_name: str
    base_lat: float | None
    base_lon: float | None
    vehicles: list[VehicleOut]
    armoured_vehicles: int


class AuthorisationIn(StrictModel):
    guest_agency_id: Id
    unit_id: Id | None = Field(default=None, description="one unit, or every unit of the guest")
    provinces: list[str] = Field(default_factory=list, max_length=10)
    districts: list[str] = Field(default_factory=list, max_length=200)
    site_ids: list[Id] = Field(default_factory=list, max_length=200)
    starts_at: PlanTime
    ends_at: PlanTime
    headcount_cap: int = Field(ge=1, le=10_000)
    arms: str = Field(default="none", max_length=200)
    conditions: ShortText = ""

    @model_validator(mode="after")
    def _sane(self) -> AuthorisationIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if not (self.provinces or self.districts or self.site_ids):
            raise ValueError("give at least one province, district or site")
        return self


class AuthorisationOut(OutModel):
    id: str
    reference: str
    host_agency_id: str
    guest_agency_id: str
    unit_id: str | None
    provinces: list[str]
    districts: list[str]
    site_ids: list[str]
    starts_at: datetime
    ends_at: datetime
    headcount_cap: int
    arms: str
    conditions: str
    revoked_at: datetime | None
    revoked_reason: str | None


class RevokeIn(StrictModel):
    reason: str = Field(min_length=3, max_length=2000)


class CheckIn(StrictModel):
    unit_id: Id
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    site_id: Id | None = None
    at: datetime | None = None
    headcount: int | None = Field(default=None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _place(self) -> CheckIn:
        if self.site_id is None and (self.lat is None or self.lon is None):
            raise ValueError("give a site_id, or lat and lon")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("at needs a timezone")
        return self


class CheckOut(OutModel):
    allowed: bool
    reason: str
    authorisation_id: str | None
    province: str | None
    district: str | None
