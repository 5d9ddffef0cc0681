"""The demo's movements, one at every stage of the lifecycle, planned, approved, escorted and
run through the same services an operator uses.

Times are relative to when the demo is loaded. A movement that is ready to leave now must have
been requested days ago (the SOPs want notice) and approved since; the loader makes those
requests and decisions through the services and then dates them back, and records each
back-dating in the audit trail as the loader's own act.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.demo.organisations import Organisations
from jsms.geo.gazetteer import Gazetteer
from jsms.identity import service as identity
from jsms.identity.models import User
from jsms.identity.roles import Role, Side
from jsms.movements import approvals, escorts, planning, service
from jsms.movements.models import Movement
from jsms.registry.models import ProtectedPerson, SecurityUnit

LOCAL_OFFSET = timedelta(hours=5)  # Pakistan Standard Time, no daylight saving
STAGES = ("draft", "submitted", "approved", "in_progress", "completed")
DECISION_AFTER_REQUEST = timedelta(hours=2)


def departure_of(spec: dict[str, Any], now: datetime) -> datetime:
    """`{"in_minutes": m}` from now, or `{"day": d, "local_hour": h}` on a local calendar day."""
    if "in_minutes" in spec:
        return now + timedelta(minutes=spec["in_minutes"])
    day = (now + LOCAL_OFFSET).date() + timedelta(days=spec["day"])
    local = datetime(day.year, day.month, day.day, spec["local_hour"], tzinfo=UTC)
    return local - LOCAL_OFFSET


def _split(total: int, per_vehicle: int) -> list[int]:
    return [min(per_vehicle, total - i) for i in range(0, total, per_vehicle)]


def _user(users: dict[str, User], agency_id: str, *roles: Role) -> User:
    """The agency's demo user holding one of `roles` (the first listed role preferred)."""
    for role in roles:
        for user in users.values():
            if user.agency_id == agency_id and role.value in user.roles:
                return user
    raise LookupError(f"the demo has no {'/'.join(r.value for r in roles)} in agency {agency_id}")


def _book_escorts(
    db: Session,
    movement: Movement,
    row: dict[str, Any],
    orgs: Organisations,
    users: dict[str, User],
) -> None:
    """Each unit on the legs it may cover: host units in their own jurisdiction, the guest
    team on every leg; booked by the unit's own agency."""
    for call_sign, ring in row["escorts"]:
        unit = orgs.units[call_sign]
        agency = next(a for a in orgs.agencies.values() if a.id == unit.agency_id)
        booker = identity.actor_of(_user(users, agency.id, Role.OPS_OFFICER, Role.APPROVER))
        for leg in escorts.legs_of(movement):
            if agency.side == Side.HOST.value and leg.jurisdiction not in agency.provinces:
                continue
            escorts.assign(db, booker, movement, unit_id=unit.id, leg=leg.index, ring=ring)


def _approve(db: Session, movement: Movement, users: dict[str, User], decided_at: datetime) -> None:
    """Every required party decides through the service; the decisions are dated `decided_at`."""
    for approval in [a for a in movement.approvals if a.movement_version == movement.version]:
        approver = identity.actor_of(_user(users, approval.agency_id, Role.APPROVER))
        decided = approvals.decide(db, approver, movement, approve=True, reason="approved")
        decided.decided_at = decided_at
    movement.release_at = max(
        decided_at, movement.departure_at - approvals.RELEASE_BEFORE_DEPARTURE
    )


def _run(db: Session, movement: Movement, row: dict[str, Any], users: dict[str, User]) -> None:
    """Start (and for a completed movement finish) as the escort commander of the outer ring."""
    outer = next(e for e in movement.escorts if e.ring == "outer")
    commander = identity.actor_of(
        _user(users, _unit_agency(db, outer.unit_id), Role.ESCORT_COMMANDER, Role.OPS_OFFICER)
    )
    service.start(db, commander, movement, planning.evaluate(db, movement, before_start=True))
    movement.started_at = movement.departure_at
    if row["stage"] == "completed":
        service.finish(db, commander, movement, outcome="completed", debrief=row["debrief"])
        movement.ended_at = movement.arrival_at


def _unit_agency(db: Session, unit_id: str) -> str:
    unit = db.get(SecurityUnit, unit_id)
    assert unit is not None
    return unit.agency_id


def load_movements(
    db: Session,
    scenario: dict[str, Any],
    orgs: Organisations,
    persons: list[ProtectedPerson],
    users: dict[str, User],
    gazetteer: Gazetteer,
    now: datetime,
) -> list[Movement]:
    """Movements at every stage: draft, submitted, approved (ready to leave), in progress and
    completed with a debrief."""
    movements = []
    for row in scenario["movements"]:
        if row["stage"] not in STAGES:
            raise ValueError(f"unknown demo movement stage {row['stage']!r}")
        company = orgs.agencies[row["company"]]
        owner = identity.actor_of(_user(users, company.id, Role.REQUESTER))
        staff = [p for p in persons if p.employer_agency_id == company.id][: row["passengers"]]
        departure = departure_of(row["depart"], now)
        origin = gazetteer.lookup(row["origin"])[0]
        destination = gazetteer.lookup(row["destination"])[0]
        movement = service.create_movement(
            db,
            owner,
            purpose=row["purpose"],
            origin_name=origin.name,
            origin_lat=origin.lat,
            origin_lon=origin.lon,
            destination_name=destination.name,
            destination_lat=destination.lat,
            destination_lon=destination.lon,
            departure_at=departure,
            arrival_at=departure + timedelta(hours=row["hours"]),
            passenger_ids=[p.id for p in staff],
            vehicles=[
                {
                    "registration": f"{row['company']}-{i + 1:02d}",
                    "armoured": True,
                    "seats": 4,
                    "passengers": n,
                }
                for i, n in enumerate(_split(row["passengers"], 3))
            ],
        )
        movements.append(movement)
        if row.get("route") is None and row["stage"] == "draft":
            continue  # the requester still has to choose among the route options
        options = {o["label"]: o for o in planning.route_options(db, movement)}
        chosen = options.get(row.get("route") or "", next(iter(options.values())))
        service.set_route(db, owner, movement, chosen)
        if row["stage"] == "draft":
            movement.evaluation = planning.evaluate(db, movement)
            continue
        # The request went in days before departure, as the SOP notice rules require.
        requested = min(now, departure - timedelta(hours=row["submitted_hours_before"]))
        movement.submitted_at = requested  # what the notice rule is judged against
        service.submit(db, owner, movement, planning.evaluate(db, movement))
        movement.submitted_at = requested
        _book_escorts(db, movement, row, orgs, users)
        movement.evaluation = planning.evaluate(db, movement)
        backdated: dict[str, Any] = {"submitted_at": requested.isoformat()}
        if row["stage"] != "submitted":
            decided_at = min(now, requested + DECISION_AFTER_REQUEST)
            _approve(db, movement, users, decided_at)
            backdated["decided_at"] = decided_at.isoformat()
        if row["stage"] in ("in_progress", "completed"):
            _run(db, movement, row, users)
            backdated["started_at"] = movement.departure_at.isoformat()
            if movement.ended_at is not None:
                backdated["ended_at"] = movement.ended_at.isoformat()
        audit.record(
            db,
            action="demo.backdated",
            object_type="movement",
            object_id=movement.id,
            detail={
                **backdated,
                "why": "demo scenario: times are relative to when the demo was loaded "
                f"({now.isoformat()}); the loader dated these steps back",
            },
        )
        db.flush()
    return movements
