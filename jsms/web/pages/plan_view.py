"""What a page shows of one movement: the summary anyone involved may see, or the plan for
those `service.read_details` admitted (route, times, passengers, SOP verdict rule by rule,
approvals, escorts). Shared by the movement page and the approver's decision page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.identity.models import Agency, User
from jsms.identity.policy import Actor, can
from jsms.movements import planning
from jsms.movements.access import Visibility
from jsms.movements.models import Movement, MovementApproval
from jsms.movements.reads import approval_of, plan_of, summary_of
from jsms.registry import service as registry
from jsms.registry.models import ProtectedPerson, SecurityUnit
from jsms.web.pages import route_maps, sop_findings


@dataclass(frozen=True)
class ApprovalRow:
    """One party's decision as a page shows it: the deadline only to those who may know the
    departure time, the decider only to those who see the plan."""

    party: str
    agency: str
    status: str
    due_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    version: int


def approval_rows(
    db: Session, approvals: list[MovementApproval], seen: Visibility
) -> list[ApprovalRow]:
    agencies = dict(db.execute(select(Agency.id, Agency.short_name)).all())
    ids = {a.decided_by for a in approvals if a.decided_by}
    users = dict(db.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    rows = []
    for approval in approvals:
        shown = approval_of(approval, seen)
        decider = users.get(approval.decided_by or "", approval.decided_by)
        rows.append(
            ApprovalRow(
                party=approval.party,
                agency=agencies.get(approval.agency_id, approval.agency_id),
                status=approval.status,
                due_at=shown.due_at,
                decided_at=approval.decided_at,
                decided_by=decider if seen.details else None,
                reason=approval.reason,
                version=approval.movement_version,
            )
        )
    return rows


def current_approvals(movement: Movement) -> list[MovementApproval]:
    return [a for a in movement.approvals if a.movement_version == movement.version]


def summary_context(db: Session, movement: Movement, seen: Visibility) -> dict[str, Any]:
    """The part anyone involved may know: no route, no times (the date only), no names."""
    return {
        "movement": movement,
        "summary": summary_of(movement, seen),
        "seen": seen,
        "approvals": approval_rows(db, current_approvals(movement), seen),
        "plan": None,
    }


def passenger_names(db: Session, actor: Actor, movement: Movement) -> list[str] | None:
    """Names of the passengers the person may know of (None: they may not see persons)."""
    if not can(actor, "person.read"):
        return None
    stmt = registry.person_query(actor).where(ProtectedPerson.id.in_(movement.passenger_ids))
    return [p.full_name for p in db.scalars(stmt)]


def plan_context(db: Session, actor: Actor, movement: Movement, seen: Visibility) -> dict[str, Any]:
    """The whole plan; only call after `service.read_details` admitted (and audited) the read."""
    assert seen.details, "the plan is need-to-know"
    plan = plan_of(db, movement, seen)
    units = dict(db.execute(select(SecurityUnit.id, SecurityUnit.call_sign)).all())
    rows = sop_findings.rule_rows(movement.evaluation or {})
    return {
        **summary_context(db, movement, seen),
        "plan": plan,
        "zone": planning.local_zone(db, movement),
        "passenger_names": passenger_names(db, actor, movement),
        "rules": rows,
        "rule_counts": sop_findings.counts(rows),
        "history": approval_rows(
            db,
            sorted(
                (a for a in movement.approvals if a.movement_version < movement.version),
                key=lambda a: (a.movement_version, a.party),
            ),
            seen,
        ),
        "escorts": [(e, units.get(e.unit_id, e.unit_id)) for e in movement.escorts],
        "map_config": route_maps.plan_map(movement) if movement.route else None,
    }
