"""What the live monitor watches, read from the database: the movements on the road (and
those approved and due within two hours), each as a :class:`WatchPlan` with its route,
times, devices (with their roles as ingest assigns them), the SOP's check-in schedule and
no-go zones; their stored positions and check-ins; and incidents recorded since a moment.
A :func:`snapshot` of a thousand movements takes a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from jsms.movements.models import EscortAssignment, Movement
from jsms.movements.sop.facts import FEDERAL
from jsms.movements.sop.policy import PolicySet, default_policies
from jsms.threat.models import Incident
from jsms.tracking.assignment import live_movement, role_on
from jsms.tracking.directory import KnownDevice
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.models import CheckIn, Device, Position
from jsms.tracking.monitor import (
    CheckInSchedule,
    IncidentReport,
    NoGoZone,
    PlannedStop,
    Thresholds,
    WatchPlan,
)

__all__ = [
    "DUE_WITHIN",
    "INCIDENT_RECENT",
    "Snapshot",
    "check_in_schedule",
    "check_ins_since",
    "incidents_since",
    "movements_to_watch",
    "no_go_zones",
    "signatures",
    "snapshot",
    "watched_since",
    "who_checked_in",
]

DUE_WITHIN = timedelta(hours=2)
STALE_APPROVAL = timedelta(hours=24)  # approved this long past departure: no longer watched
REPLAY_SPAN = timedelta(hours=24)  # a rebuilt watch replays at most this much of the road
INCIDENT_RECENT = timedelta(hours=24)  # an incident that happened longer ago is history


def _watchable(now: datetime) -> ColumnElement[bool]:
    return or_(
        Movement.status == "in_progress",
        and_(
            Movement.status == "approved",
            Movement.departure_at <= now + DUE_WITHIN,
            Movement.departure_at >= now - STALE_APPROVAL,
        ),
    )


def movements_to_watch(
    db: Session, now: datetime, ids: Iterable[str] | None = None
) -> list[Movement]:
    """In progress, or approved and due within two hours (not long overdue); only those of
    ``ids`` when given."""
    stmt = select(Movement).where(_watchable(now))
    if ids is not None:
        stmt = stmt.where(Movement.id.in_(list(ids)))
    return list(db.scalars(stmt))


def signatures(db: Session, now: datetime) -> dict[str, tuple[str, int, datetime]]:
    """Status, version and last update of every movement to watch: what tells a watch to be
    built or rebuilt, read without loading routes and verdicts (every few seconds)."""
    rows = db.execute(
        select(Movement.id, Movement.status, Movement.version, Movement.updated_at).where(
            _watchable(now)
        )
    )
    return {row.id: (row.status, row.version, row.updated_at) for row in rows}


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


def _roles(db: Session, movements: Sequence[Movement]) -> dict[str, dict[str, str]]:
    """Per movement, each active device that reports for it and its role, by the rule ingest
    places fixes with (:func:`jsms.tracking.assignment.role_on`): two queries in all."""
    ids = [m.id for m in movements]
    units: dict[str, set[str]] = defaultdict(set)
    for movement_id, unit_id in db.execute(
        select(EscortAssignment.movement_id, EscortAssignment.unit_id).where(
            EscortAssignment.movement_id.in_(ids)
        )
    ):
        units[movement_id].add(unit_id)
    live = [live_movement(m, units[m.id]) for m in movements]
    by_person, by_unit, by_vehicle = defaultdict(list), defaultdict(list), defaultdict(list)
    for movement in live:
        for person in movement.passenger_ids:
            by_person[person].append(movement)
        for unit in movement.unit_ids:
            by_unit[unit].append(movement)
        for registration in movement.vehicle_registrations:
            by_vehicle[registration].append(movement)
    roles: dict[str, dict[str, str]] = {m.id: {} for m in movements}
    rows = db.execute(
        select(
            Device.id,
            Device.agency_id,
            Device.person_id,
            Device.unit_id,
            Device.vehicle_registration,
        ).where(Device.active.is_(True))
    )
    for row in rows:
        device = KnownDevice(
            row.id,
            "",
            "",
            row.agency_id,
            True,
            "",
            row.person_id,
            row.unit_id,
            row.vehicle_registration,
        )
        candidates = [
            *by_person.get(row.person_id or "", []),
            *by_unit.get(row.unit_id or "", []),
            *by_vehicle.get(row.vehicle_registration or "", []),
        ]
        for movement in candidates:
            role = role_on(device, movement)
            if role is not None:
                roles[movement.id][row.id] = role
    return roles


def _plan(
    movement: Movement, devices: dict[str, str], thresholds: Thresholds, policies: PolicySet
) -> WatchPlan:
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
        devices=devices,
        started_at=movement.started_at if movement.status == "in_progress" else None,
        stops=stops,
        check_ins=check_in_schedule(movement.evaluation or {}, thresholds),
        no_go=no_go_zones(movement, policies),
    )


def watched_since(movement: Movement) -> datetime:
    """From when a movement's positions and check-ins count: two hours before departure (or
    before its start, when it started early)."""
    return min(movement.started_at or movement.departure_at, movement.departure_at) - DUE_WITHIN


@dataclass
class Snapshot:
    """What the database says about some movements, to (re)build their watches: each plan
    (or why there is none), stored positions in arrival order, check-ins, recent incidents."""

    plans: dict[str, WatchPlan]
    refused: dict[str, str]
    positions: list[StoredPosition]
    check_ins: list[CheckIn]
    incidents: list[IncidentReport]


def snapshot(
    db: Session,
    movements: Sequence[Movement],
    thresholds: Thresholds,
    now: datetime,
    policies: PolicySet | None = None,
) -> Snapshot:
    """Plans, positions (at most :data:`REPLAY_SPAN` back), check-ins and incidents for the
    movements, in a handful of queries however many there are."""
    policies = policies or default_policies()
    roles = _roles(db, movements) if movements else {}
    plans: dict[str, WatchPlan] = {}
    refused: dict[str, str] = {}
    for movement in movements:
        try:
            plans[movement.id] = _plan(movement, roles[movement.id], thresholds, policies)
        except ValueError as exc:
            refused[movement.id] = f"{movement.reference}: {exc}"
    if not plans:
        return Snapshot(plans, refused, [], [], [])
    ids = list(plans)
    since = max(min(watched_since(m) for m in movements if m.id in plans), now - REPLAY_SPAN)
    device_roles = {d: r for m in ids for d, r in plans[m].devices.items()}
    rows = db.execute(
        select(Position)
        .where(Position.movement_id.in_(ids), Position.fixed_at >= since)
        .order_by(Position.seq)
    ).scalars()
    positions = [
        StoredPosition(
            seq=p.seq,
            device_id=p.device_id,
            movement_id=p.movement_id,
            role=device_roles.get(p.device_id, "unknown"),
            fixed_at=p.fixed_at,
            received_at=p.received_at,
            lat=p.lat,
            lon=p.lon,
            speed_mps=p.speed_mps,
            alarm=p.alarm,
        )
        for p in rows
    ]
    return Snapshot(
        plans,
        refused,
        positions,
        list(check_ins_since(db, ids, since)),
        incidents_since(db, since, now - INCIDENT_RECENT),
    )


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
