"""Auditors read and verify the trail; nobody writes it through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from jsms.audit import service, verification
from jsms.audit.schemas import AuditEventOut, VerifyOut
from jsms.deps import Db, Paging, require
from jsms.identity.policy import Actor
from jsms.pagination import Page, paginate

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/events", response_model=Page[AuditEventOut])
def list_events(
    db: Db,
    paging: Paging,
    _: Annotated[Actor, require("audit.read")],
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|refused|denied|failed)$")] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="from this time on, with a zone (e.g. Z)")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(description="before this time, with a zone (e.g. Z)")
    ] = None,
) -> Page[AuditEventOut]:
    """Events newest first, filtered by who, what, which object, outcome and time."""
    stmt = service.event_query(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        since=since,
        until=until,
    )
    rows, total = paginate(db, stmt, paging.page, paging.per_page)
    return Page(
        items=[AuditEventOut.model_validate(e) for e in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.get("/verify", response_model=VerifyOut)
def verify(db: Db, _: Annotated[Actor, require("audit.read")]) -> VerifyOut:
    """Re-check the whole hash chain."""
    checked, broken = verification.verify(db)
    return VerifyOut(
        intact=broken is None,
        checked=checked,
        first_bad_seq=broken.seq if broken else None,
        reason=broken.reason if broken else None,
    )
