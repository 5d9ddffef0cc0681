"""A movement as a person may read it, in the shapes the API returns and the pages show.

Shared by the JSON API and the control-room pages, so both withhold the same things: a
summary carries no route and no times (an approval's deadline is withheld with them), and
the approval queue's look at a plan is audited like any other read of it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.movements import approvals, planning
from jsms.movements.access import Visibility
from jsms.movements.models import Movement, MovementApproval
from jsms.movements.schemas import (
    ApprovalOut,
    EscortOut,
    MovementPlan,
    MovementSummary,
    PendingApproval,
)

__all__ = ["approval_of", "pending_item", "plan_of", "summary_of"]


def approval_of(approval: MovementApproval, seen: Visibility) -> ApprovalOut:
    """One decision; its deadline is set from the departure time, so it is need-to-know too."""
    out = ApprovalOut.model_validate(approval)
    return out if seen.details else out.model_copy(update={"due_at": None})


def summary_of(movement: Movement, seen: Visibility) -> MovementSummary:
    return MovementSummary(
        id=movement.id,
        reference=movement.reference,
        purpose=movement.purpose,
        client_agency_id=movement.client_agency_id,
        status=movement.status,
        version=movement.version,
        departure_date=movement.departure_at.date(),
        jurisdictions=movement.jurisdictions,
        passengers=len(movement.passenger_ids),
        approvals=[
            approval_of(a, seen)
            for a in movement.approvals
            if a.movement_version == movement.version
        ],
        rejection_reason=movement.rejection_reason,
        details_visible=seen.details,
        why=seen.reason,
    )


def plan_of(db: Session, movement: Movement, seen: Visibility) -> MovementPlan:
    """The full plan: only for a caller `service.read_details` has admitted (and audited)."""
    return MovementPlan(
        **summary_of(movement, seen).model_dump(),
        origin_name=movement.origin_name,
        origin_lat=movement.origin_lat,
        origin_lon=movement.origin_lon,
        destination_name=movement.destination_name,
        destination_lat=movement.destination_lat,
        destination_lon=movement.destination_lon,
        departure_at=movement.departure_at,
        arrival_at=movement.arrival_at,
        release_at=movement.release_at,
        passenger_ids=movement.passenger_ids,
        vehicles=movement.vehicles,
        route=movement.route,
        evaluation=movement.evaluation,
        escorts=[EscortOut.model_validate(e) for e in movement.escorts],
        predictability=planning.predictability(db, movement),
        approvals_needed=approvals.approvals_needed(db, movement),
        submitted_at=movement.submitted_at,
        started_at=movement.started_at,
        ended_at=movement.ended_at,
        debrief=movement.debrief,
        history=[
            ApprovalOut.model_validate(a)
            for a in sorted(movement.approvals, key=lambda a: (a.movement_version, a.party))
            if a.movement_version < movement.version
        ],
    )


def pending_item(db: Session, approval: MovementApproval) -> PendingApproval:
    """An approver is a party to the plan: it sees the route summary, and the read is audited."""
    movement = approval.movement
    route = movement.route or {}
    audit.record(
        db,
        action="movement.details.read",
        object_type="movement",
        object_id=movement.id,
        detail={"version": movement.version, "via": "approval queue"},
    )
    distance = route.get("distance_m")
    duration = route.get("duration_s")
    evaluation = movement.evaluation or {}
    return PendingApproval(
        movement_id=movement.id,
        reference=movement.reference,
        purpose=movement.purpose,
        party=approval.party,
        movement_version=approval.movement_version,
        due_at=approval.due_at,
        departure_at=movement.departure_at,
        origin_name=movement.origin_name,
        destination_name=movement.destination_name,
        jurisdictions=movement.jurisdictions,
        distance_km=round(distance / 1000, 1) if distance is not None else None,
        duration_min=round(duration / 60) if duration is not None else None,
        max_level=route.get("max_level"),
        passengers=len(movement.passenger_ids),
        sop_blocked=evaluation.get("blocked"),
        requirements=len(evaluation.get("requirements") or []),
    )
