"""Incidents, review decisions and overrides as the API shows them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field, model_validator

from jsms.schemas import Id, Name, OutModel, StrictModel
from jsms.threat.osint.types import ATTACK_TYPES

# The one list lives with the extractor; importers and the API use the same values.
AttackType = StrEnum("AttackType", {t.upper(): t for t in ATTACK_TYPES})  # type: ignore[misc]


class Verification(StrEnum):
    UNVERIFIED = "unverified"
    PROBABLE = "probable"
    CONFIRMED = "confirmed"


class Tlp(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


class Casualties(StrictModel):
    killed: int | None = Field(default=None, ge=0, le=100_000)
    injured: int | None = Field(default=None, ge=0, le=100_000)
    kidnapped: int | None = Field(default=None, ge=0, le=100_000)


class SourceIn(StrictModel):
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    outlet: str = Field(default="", max_length=200)
    published_at: datetime | None = None
    killed: int | None = Field(default=None, ge=0, le=100_000)
    injured: int | None = Field(default=None, ge=0, le=100_000)
    kidnapped: int | None = Field(default=None, ge=0, le=100_000)
    nationals: dict[str, Casualties] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)


class SourceOut(OutModel):
    id: str
    url: str | None
    outlet: str
    published_at: datetime | None
    killed: int | None
    injured: int | None
    kidnapped: int | None
    nationals: dict[str, Any]
    evidence: dict[str, Any]
    role: str


class IncidentIn(StrictModel):
    title: Name
    occurred_at: AwareDatetime
    time_precision: str = Field(default="day", pattern="^(exact|day|month|year)$")
    place_name: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    province: str | None = Field(default=None, max_length=80)
    district: str | None = Field(default=None, max_length=80)
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$")
    """ISO 3166-1 alpha-2 of where it happened."""
    attack_type: AttackType
    target_type: str | None = Field(default=None, max_length=120)
    killed: int | None = Field(default=None, ge=0, le=100_000)
    injured: int | None = Field(default=None, ge=0, le=100_000)
    kidnapped: int | None = Field(default=None, ge=0, le=100_000)
    nationals: dict[str, Casualties] = Field(default_factory=dict)
    attackers_killed: int | None = Field(default=None, ge=0, le=10_000)
    perpetrator_claimed: str | None = Field(default=None, max_length=200)
    perpetrator_attributed: str | None = Field(default=None, max_length=200)
    verification: Verification = Verification.UNVERIFIED
    tlp: Tlp = Tlp.GREEN
    sources: list[SourceIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _sane(self) -> IncidentIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class IncidentOut(OutModel):
    id: str
    title: str
    occurred_at: datetime
    time_precision: str
    place_name: str | None
    lat: float | None
    lon: float | None
    province: str | None
    district: str | None
    country: str | None
    attack_type: str
    target_type: str | None
    killed: int | None
    injured: int | None
    kidnapped: int | None
    killed_range: tuple[int | None, int | None]
    injured_range: tuple[int | None, int | None]
    nationals: dict[str, Any]
    attackers_killed: int | None
    perpetrator_claimed: str | None
    perpetrator_attributed: str | None
    verification: str
    tlp: str
    origin: str
    review_status: str
    duplicate_of_id: str | None
    supersedes_id: str | None
    severity: float
    notes: str
    """Analysts' and ingest notes, e.g. why an OSINT report waits for review and the known
    incident it may duplicate."""
    sources: list[SourceOut]


class MarkIn(StrictModel):
    """An analyst's marking of an incident: how sure, and who may share it."""

    verification: Verification
    tlp: Tlp


class ReviewIn(StrictModel):
    decision: str = Field(pattern="^(accept|reject|merge)$")
    merge_into: Id | None = None
    note: str = Field(default="", max_length=2000)


class OverrideIn(StrictModel):
    area_kind: str = Field(pattern="^(cell|district|province)$")
    area: str = Field(min_length=1, max_length=120)
    level: int = Field(ge=1, le=6)
    reason: str = Field(min_length=3, max_length=2000)
    expires_at: AwareDatetime
    starts_at: AwareDatetime | None = None


class OverrideOut(OutModel):
    id: str
    area_kind: str
    area: str
    level: int
    reason: str
    starts_at: datetime
    expires_at: datetime
    created_by: str


class PointRiskOut(OutModel):
    lat: float
    lon: float
    at: datetime
    score: float
    level: int
    level_name: str
    computed_level: int
    override_reason: str | None
    province: str | None
    district: str | None
    cell: str


class LineIn(StrictModel):
    """A route as a GeoJSON LineString ([longitude, latitude] pairs)."""

    type: str = Field(pattern="^LineString$")
    coordinates: list[tuple[float, float]] = Field(min_length=2, max_length=20_000)
    at: AwareDatetime | None = None
    step_km: float = Field(default=1.0, gt=0.05, le=50)

    @model_validator(mode="after")
    def _valid(self) -> LineIn:
        for lon, lat in self.coordinates:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError("coordinates are [longitude, latitude] within range")
        return self


class LineRiskOut(OutModel):
    length_km: float
    samples: int
    exposure: float
    max_score: float
    max_level: int
    """The worst effective level: analysts' overrides in force replace computed levels."""
    max_level_name: str
    computed_max_level: int
    """The worst level the incidents alone give."""
    cells_crossed: int


class AreaRiskOut(OutModel):
    name: str
    level: int
    level_name: str
    computed_level: int
    override_reason: str | None


class RebuildOut(OutModel):
    events: int
    cells: int
    regions: int
    seconds: float
    cells_by_level: dict[str, int]


class ArticleIn(StrictModel):
    """A news article to extract incidents from and store."""

    text: str = Field(min_length=20, max_length=200_000)
    title: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    outlet: str = Field(default="", max_length=200)
    published: AwareDatetime | None = None


class IngestOut(OutModel):
    article: str
    relevant: bool
    created: list[str]
    merged: list[str]
    linked: list[str]
    aggregates: int
    skipped: str | None
    extraction: dict[str, Any]
