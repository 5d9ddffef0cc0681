"""Audit trail as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jsms.schemas import OutModel


class AuditEventOut(OutModel):
    seq: int
    at: datetime
    actor_id: str | None
    actor_name: str
    actor_agency_id: str | None
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    detail: dict[str, Any]
    hash: str


class VerifyOut(OutModel):
    intact: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
