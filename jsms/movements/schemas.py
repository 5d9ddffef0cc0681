"""Movement requests and plans as the API shows them (summaries carry no route or times)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from jsms.schemas import Id, OutModel, PatchModel, PlanTime, StrictModel


class PlaceIn(StrictModel):
    """A place by name (gazetteer or a registered site) or by coordinates."""

    name: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _given(self) -> PlaceIn:
        if self.name is None and (self.lat is None or self.lon is None):
            raise ValueError("give a place name, or lat and lon")
        return self


class VehicleIn(StrictModel):
    registration: str = Field(min_length=2, max_length=30)
    armoured: bool
    seats: int = Field(ge=1, le=60)
    passengers: int = Field(ge=0, le=60)


class MovementIn(StrictModel):
    purpose: str = Field(min_length=3, max_length=300)
    origin: PlaceIn
    destination: PlaceIn
    departure_at: PlanTime
    arrival_at: PlanTime
    passenger_ids: list[Id] = Field(min_length=1, max_length=200)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=50)


class MovementPatch(PatchModel):
    purpose: str | None = Field(default=None, min_length=3, max_length=300)
    departure_at: PlanTime | None = None
    arrival_at: PlanTime | None = None
    passenger_ids: list[Id] | None = Field(default=None, min_length=1, max_length=200)
    vehicles: list[VehicleIn] | None = Field(default=None, max_length=50)


class ApprovalOut(OutModel):
    """One party's decision on one version. ``due_at`` is withheld (None) from those who may
    not know the departure time, since the deadline is set from it."""

    party: str
    agency_id: str
    status: str
    due_at: datetime | None
    decided_at: datetime | None
    reason: str | None
    movement_version: int


class PendingApproval(OutModel):
    """A decision an approver owes, with what they need to decide it."""

    movement_id: str
    reference: str
    purpose: str
    party: str
    movement_version: int
    due_at: datetime
    departure_at: datetime
    origin_name: str
    destination_name: str
    jurisdictions: list[str]
    distance_km: float | None
    duration_min: int | None
    max_level: int | None
    passengers: int
    sop_blocked: bool | None
    requirements: int


class MovementSummary(OutModel):
    """What staff of an involved agency may know without being assigned."""

    id: str
    reference: str
    purpose: str
    client_agency_id: str
    status: str
    version: int
    departure_date: date
    jurisdictions: list[str]
    passengers: int
    approvals: list[ApprovalOut]
    rejection_reason: str | None = None
    details_visible: bool
    why: str


class EscortOut(OutModel):
    id: str
    leg: int
    jurisdiction: str
    ring: str
    unit_id: str
    headcount: int
    starts_at: datetime
    ends_at: datetime
    handover_name: str
    handover_lat: float | None
    handover_lon: float | None
    authorisation_reason: str


class MovementPlan(MovementSummary):
    """The need-to-know part: places, times, route, vehicles, escorts, SOP evaluation."""

    origin_name: str
    origin_lat: float
    origin_lon: float
    destination_name: str
    destination_lat: float
    destination_lon: float
    departure_at: datetime
    arrival_at: datetime
    release_at: datetime | None
    passenger_ids: list[str]
    vehicles: list[dict[str, Any]]
    route: dict[str, Any]
    evaluation: dict[str, Any]
    escorts: list[EscortOut]
    predictability: list[dict[str, Any]] = Field(default_factory=list)
    approvals_needed: list[str] = Field(default_factory=list)
    history: list[ApprovalOut] = Field(default_factory=list)
    submitted_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    debrief: str | None = None


class DecisionIn(StrictModel):
    approve: bool
    reason: str | None = Field(default=None, max_length=2000)
    totp_code: str = Field(
        pattern=r"^\d{6}$",
        description="a fresh code from the approver's authenticator app: a decision binds "
        "the agency, so it is confirmed by the person at the time (each code works once)",
    )


class EscortIn(StrictModel):
    unit_id: Id
    leg: int = Field(ge=0, le=50)
    ring: str = Field(pattern="^(inner|outer)$")
    headcount: int | None = Field(default=None, ge=1, le=1000)


class ReleaseIn(StrictModel):
    reason: str = Field(
        min_length=10,
        max_length=500,
        description="why the order goes out before its usual time (audited)",
    )


class FinishIn(StrictModel):
    outcome: str = Field(pattern="^(completed|aborted)$")
    debrief: str = Field(min_length=3, max_length=10_000)


class RouteChoiceIn(StrictModel):
    """A route option by its label (any label it carries) or by its id."""

    label: str | None = Field(default=None, pattern="^(fastest|safest|balanced|alternative)$")
    option_id: str | None = Field(default=None, pattern="^R-[0-9a-f]{10}$")

    @model_validator(mode="after")
    def _one(self) -> RouteChoiceIn:
        if (self.label is None) == (self.option_id is None):
            raise ValueError("give either label or option_id")
        return self


class CloneIn(StrictModel):
    departure_at: PlanTime
    arrival_at: PlanTime


class WhoKnewRow(OutModel):
    user_id: str | None
    username: str
    roles: list[str]
    agency_id: str | None
    agency: str | None = Field(description="the agency's name")
    first_seen: datetime
    views: int
    how: list[str]


class LeakIn(StrictModel):
    text: str = Field(min_length=20, max_length=200_000)
    movement_id: Id | None = None


class LeakSuspect(OutModel):
    user_id: str
    username: str
    movement_id: str
    reference: str
    confidence: float
    evidence: dict[str, Any]
