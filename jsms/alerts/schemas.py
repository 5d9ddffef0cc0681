"""What the alerts API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from jsms.schemas import OutModel, PatchModel, StrictModel

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Severity = Literal["info", "warning", "critical"]
Channel = Literal["webhook", "email", "sms"]


class AlertEventOut(OutModel):
    at: datetime
    action: str
    by: str
    note: str


class AlertOut(OutModel):
    """An alert as the control rooms see it (`updated_at` moves with every change)."""

    id: str
    kind: str
    severity: str
    status: str
    title: str
    movement_id: str | None
    device_id: str | None
    incident_id: str | None
    lat: float | None
    lon: float | None
    agency_ids: list[str]
    silent: bool
    opened_at: datetime
    updated_at: datetime
    last_seen_at: datetime
    repeats: int
    escalation_step: int
    next_escalation_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class AlertDetail(AlertOut):
    detail: dict[str, Any]
    events: list[AlertEventOut]


class AckIn(StrictModel):
    note: Note = ""


class ResolveIn(StrictModel):
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class ContactPointIn(StrictModel):
    channel: Channel
    target: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
    agency_id: str | None = Field(default=None, description="admins only: another agency")
    min_severity: Severity = "warning"
    from_step: int = Field(default=0, ge=0, le=10)
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="webhook HMAC key"
    )
    active: bool = True


class ContactPointPatch(PatchModel):
    CLEARABLE = frozenset({"secret"})

    target: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
        | None
    ) = None
    min_severity: Severity | None = None
    from_step: int | None = Field(default=None, ge=0, le=10)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool | None = None


class ContactPointOut(OutModel):
    id: str
    agency_id: str
    channel: str
    target: str
    min_severity: str
    from_step: int
    active: bool
    has_secret: bool


class RollCallIn(StrictModel):
    incident_id: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float = Field(gt=0, le=200)
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    answer_within_min: int = Field(default=15, ge=1, le=24 * 60)
    sms: bool = True


class RollCallTargetOut(OutModel):
    person_id: str
    full_name: str
    movement_id: str | None
    why: str
    status: str
    answered_at: datetime | None
    channel: str | None
    escalated: bool
    sms_status: str | None


class RollCallOut(OutModel):
    id: str
    incident_id: str | None
    title: str
    lat: float
    lon: float
    radius_km: float
    started_by: str
    started_at: datetime
    escalate_at: datetime
    closed_at: datetime | None
    counts: dict[str, int]


class RollCallDetail(RollCallOut):
    targets: list[RollCallTargetOut]


class AnswerIn(StrictModel):
    status: Literal["safe", "need_help"]
    channel: Literal["api", "app"] = "api"


class AskingOut(OutModel):
    roll_call_id: str
    title: str
    started_at: datetime


class SmsIn(StrictModel):
    """A text as a generic gateway forwards it."""

    sender: Annotated[str, StringConstraints(min_length=3, max_length=40)] = Field(alias="from")
    body: Annotated[str, StringConstraints(max_length=1600)]


class SmsReply(StrictModel):
    reply: str
