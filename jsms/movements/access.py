"""Need-to-know for movements: who may see that a movement exists, and who its route and times.

Pure decision over plain facts, so the rules read in one place:
- the requesting company always sees its own movements in full;
- approvers of a party that must approve see the full plan while it is being decided and until
  it ends (they cannot judge what they cannot see);
- units assigned to the movement (their ops officers and escort commanders) and the protected
  passengers see route and times only from the release time until the movement ends;
- other staff of involved agencies see a summary (reference, status, date, jurisdictions);
- nobody else learns that the movement exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side

__all__ = ["Involvement", "Visibility", "visibility"]

ACTIVE = ("submitted", "approved", "in_progress")
ENDED = ("completed", "aborted", "rejected", "cancelled")


@dataclass(frozen=True)
class Involvement:
    """What the database knows about a movement that bears on need-to-know."""

    status: str
    client_agency_id: str
    release_at: datetime | None
    approver_agency_ids: frozenset[str]
    assigned_agency_ids: frozenset[str]
    passenger_ids: frozenset[str]
    host_agency_ids: frozenset[str]
    guest_agency_ids: frozenset[str]


@dataclass(frozen=True)
class Visibility:
    summary: bool
    details: bool
    reason: str


def visibility(actor: Actor, facts: Involvement, now: datetime) -> Visibility:
    """Whether `actor` may see the movement at all, and its route and times, now."""
    released = facts.release_at is not None and now >= facts.release_at
    live = facts.status in ("approved", "in_progress")
    if (
        actor.side == Side.CLIENT
        and actor.agency_id == facts.client_agency_id
        and (actor.has(Role.REQUESTER) or actor.has(Role.APPROVER))
    ):
        return Visibility(True, True, "your company requested this movement")
    if actor.has(Role.APPROVER) and actor.agency_id in facts.approver_agency_ids:
        if facts.status in ACTIVE:
            return Visibility(True, True, "your agency must approve this movement")
        return Visibility(True, False, "the movement is not open for decision")
    if actor.person_id and actor.person_id in facts.passenger_ids:
        if live and released:
            return Visibility(True, True, "you travel on this movement")
        return Visibility(True, False, "details are released to passengers at the release time")
    if (actor.has(Role.ESCORT_COMMANDER) or actor.has(Role.OPS_OFFICER)) and (
        actor.agency_id in facts.assigned_agency_ids
    ):
        if live and released:
            return Visibility(True, True, "a unit of your agency is assigned to this movement")
        when = f" at {facts.release_at:%Y-%m-%d %H:%M} UTC" if facts.release_at else ""
        return Visibility(
            True,
            False,
            f"route and times are released to assigned units{when} "
            "and withdrawn when the movement ends",
        )
    involved = (
        facts.approver_agency_ids
        | facts.assigned_agency_ids
        | facts.host_agency_ids
        | facts.guest_agency_ids
    )
    if actor.has(Role.AUDITOR) or (
        actor.side != Side.CLIENT
        and actor.agency_id in involved
        and (actor.roles & {Role.OPS_OFFICER, Role.APPROVER, Role.ESCORT_COMMANDER})
    ):
        return Visibility(True, False, "summary only: you are not assigned to this movement")
    return Visibility(False, False, "not involved")
