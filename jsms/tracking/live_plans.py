"""What the live monitor watches, read from the database: the movements on the road (and
those approved and due within two hours), each as a :class:`WatchPlan` with its route,
times, devices, the SOP's check-in schedule and no-go zones; their stored positions and
check-ins; and incidents recorded since a moment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from jsms.movements.models import EscortAssignment, Movement
from jsms.movements.sop.facts import FEDERAL
from jsms.movements.sop.policy import PolicySet, default_policies
from jsms.threat.models import Incident
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.models import CheckIn, Device, Position
from jsms.tracking.monitor import (
    ESCORT,
    PROTECTEE,
    CheckInSchedule,
    IncidentReport,
    NoGoZone,
    PlannedStop,
    Thresholds,
    WatchPlan,
)

__all__ = [
    "DUE_WITHIN",
    "build_plan",
    "check_in_schedule",
    "check_ins_since",
    "incidents_since",
    "movements_to_watch",
    "no_go_zones",
    "stored_positions",
    "who_checked_in",
]

DUE_WITHIN = timedelta(hours=2)
STALE_APPROVAL = timedelta(hours=24)  # approved this long past departure: no longer watched
REPLAY_SPAN = timedelta(hours=24)  # a rebuilt watch replays at most this much of the road


def movements_to_watch(db: Session, now: datetime) -> list[Movement]:
    """In progress, or approved and due within two hours (not long overdue)."""
    return list(
        db.scalars(
            select(Movement).where(
                or_(
                    Movement.status == "in_progress",
                    and_(
                        Movement.status == "approved",
                        Movement.departure_at <= now + DUE_WITHIN,
                        Movement.departure_at >= now - STALE_APPROVAL,
                    ),
                )
            )
        )
    )


def check_in_schedule(
    evaluation: dict[str, Any], thresholds: Thresholds
) -> tuple[CheckInSchedule, ...]:
    """The strictest check-in interval per kind of person among the SOP verdict's
    requirements (``check_in`` rules carry ``check_in_minutes``)."""
    best: dict[str, CheckInSchedule] = {}
    for requirement in evaluation.get("requirements", []):
        data = requirement.get("data") or {}
        minutes = data.get("check_in_minutes")
        if not isinstance(minutes, int | float) or minutes <= 0:
            continue
        grace = data.get("check_in_grace_minutes")
        for who in data.get("check_in_by") or ["escort_commander"]:
            schedule = CheckInSchedule(
                who=who,
                every=timedelta(minutes=minutes),
                grace=timedelta(minutes=grace) if grace is not None else thresholds.check_in_grace,
                rule_id=requirement.get("rule_id", ""),
            )
            if who not in best or schedule.every < best[who].every:
                best[who] = schedule
    return tuple(best[who] for who in sorted(best))


def no_go_zones(movement: Movement, policies: PolicySet | None = None) -> tuple[NoGoZone, ...]:
    """The zones of every ``no_go`` rule in force on the movement's date in the federal
    baseline and the jurisdictions it crosses (a level-only rule has no zone: the SOP check
    before departure handles it)."""
    policies = policies or default_policies()
    on = movement.departure_at.date()
    zones: list[NoGoZone] = []
    for jurisdiction in dict.fromkeys([FEDERAL, *(movement.jurisdictions or [])]):
        policy = policies.latest(jurisdiction, on)
        for rule in policy.rules if policy else ():
            if rule.kind != "no_go":
                continue
            for area in rule.spec.zones:
                zones.append(
                    NoGoZone(
                        name=area.name,
                        rule_id=rule.id,
                        geometry=area.geometry,
                        lat=area.lat,
                        lon=area.lon,
                        radius_km=area.radius_km,
                    )
                )
    return tuple(zones)


def _devices(db: Session, movement: Movement) -> dict[str, str]:
    """Each device that reports for the movement, with its role (as ingest assigns it)."""
    unit_ids = list(
        db.scalars(
            select(EscortAssignment.unit_id).where(EscortAssignment.movement_id == movement.id)
        )
    )
    registrations = [
        str(v["registration"]) for v in movement.vehicles or [] if v.get("registration")
    ]
    rows = db.execute(
        select(Device.id, Device.person_id, Device.unit_id).where(
            Device.active.is_(True),
            or_(
                Device.person_id.in_(movement.passenger_ids or []),
                Device.unit_id.in_(unit_ids),
                and_(
                    Device.unit_id.is_(None),
                    Device.agency_id == movement.client_agency_id,
                    Device.vehicle_registration.in_(registrations),
                ),
            ),
        )
    ).all()
    return {
        row.id: ESCORT if row.unit_id in unit_ids and not row.person_id else PROTECTEE
        for row in rows
    }


def build_plan(
    db: Session, movement: Movement, thresholds: Thresholds, policies: PolicySet | None = None
) -> WatchPlan:
    """The movement as the monitor watches it. Raises ``ValueError`` when it has no route."""
    coordinates = movement.route.get("coordinates") or []
    route = tuple((float(lat), float(lon)) for lon, lat in coordinates)
    stops = tuple(
        PlannedStop(float(s["lat"]), float(s["lon"]), str(s.get("name", "")))
        for s in movement.route.get("stops") or []
    )
    return WatchPlan(
        movement_id=movement.id,
        reference=movement.reference,
        route=route,
        departure=movement.departure_at,
        arrival=movement.arrival_at,
        devices=_devices(db, movement),
        started_at=movement.started_at if movement.status == "in_progress" else None,
        stops=stops,
        check_ins=check_in_schedule(movement.evaluation or {}, thresholds),
        no_go=no_go_zones(movement, policies),
    )


def stored_positions(
    db: Session, movement: Movement, roles: dict[str, str], now: datetime
) -> list[StoredPosition]:
    """The movement's stored positions in arrival order, for rebuilding its watch (from
    two hours before departure or the start, at most a day's worth)."""
    since = max(
        min(movement.started_at or movement.departure_at, movement.departure_at) - DUE_WITHIN,
        now - REPLAY_SPAN,
    )
    rows = db.execute(
        select(Position)
        .where(Position.movement_id == movement.id, Position.fixed_at >= since)
        .order_by(Position.seq)
    ).scalars()
    return [
        StoredPosition(
            seq=p.seq,
            device_id=p.device_id,
            movement_id=p.movement_id,
            role=roles.get(p.device_id, "unknown"),
            fixed_at=p.fixed_at,
            received_at=p.received_at,
            lat=p.lat,
            lon=p.lon,
            speed_mps=p.speed_mps,
            alarm=p.alarm,
        )
        for p in rows
    ]


def who_checked_in(check_in: CheckIn) -> str:
    """A protected person's check-in (it names the person) or an escort commander's."""
    return "protectee" if check_in.person_id else "escort_commander"


def check_ins_since(db: Session, movement_ids: Iterable[str], since: datetime) -> Sequence[CheckIn]:
    """Check-ins for these movements at or after ``since``, oldest first."""
    ids = list(movement_ids)
    if not ids:
        return []
    return db.scalars(
        select(CheckIn)
        .where(CheckIn.movement_id.in_(ids), CheckIn.at >= since)
        .order_by(CheckIn.at)
    ).all()


def incidents_since(
    db: Session, recorded_after: datetime, occurred_after: datetime
) -> list[IncidentReport]:
    """Incidents recorded after ``recorded_after`` that happened after ``occurred_after``
    (an old attack imported today is history, not news), with a place, not rejected and not
    a duplicate."""
    rows = db.scalars(
        select(Incident)
        .where(
            Incident.created_at > recorded_after,
            Incident.occurred_at >= occurred_after,
            Incident.lat.is_not(None),
            Incident.lon.is_not(None),
            Incident.review_status != "rejected",
            Incident.duplicate_of_id.is_(None),
        )
        .order_by(Incident.created_at)
    ).all()
    return [
        IncidentReport(i.id, float(i.lat or 0), float(i.lon or 0), i.created_at, i.title)
        for i in rows
    ]
