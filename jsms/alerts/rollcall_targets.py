"""Who a roll call asks "are you safe?", and why: protected persons whose device's last
recent fix is within the radius, passengers of movements in progress whose last position or
route ahead passes within it, and persons whose site is within it. A person found several
ways is asked once, for the first reason in that order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.identity.policy import Actor, person_scope
from jsms.movements.models import Movement
from jsms.movements.sop.geo import haversine_km, nearest_on_route
from jsms.registry.models import ProtectedPerson, Site
from jsms.tracking.models import Device, Position

RECENT_FIX = timedelta(minutes=30)


@dataclass(frozen=True)
class Target:
    person_id: str
    why: str
    movement_id: str | None = None


@dataclass(frozen=True)
class Area:
    lat: float
    lon: float
    radius_km: float

    def distance(self, lat: float, lon: float) -> float:
        return haversine_km(self.lat, self.lon, lat, lon)


@dataclass(frozen=True)
class _RoutePoint:
    lat: float
    lon: float
    index: int


def _last_fixes(db: Session, since: datetime, movement: bool) -> list[Position]:
    """The newest fix since `since` of every device (or of every movement in progress)."""
    key = Position.movement_id if movement else Position.device_id
    newest = (
        select(key.label("k"), func.max(Position.fixed_at).label("at"))
        .where(Position.fixed_at >= since, key.is_not(None))
        .group_by(key)
        .subquery()
    )
    return list(
        db.scalars(
            select(Position).join(newest, (key == newest.c.k) & (Position.fixed_at == newest.c.at))
        )
    )


def _by_device(db: Session, area: Area, now: datetime) -> list[Target]:
    found = []
    fixes = _last_fixes(db, now - RECENT_FIX, movement=False)
    devices = {d.id: d for d in db.scalars(select(Device).where(Device.person_id.is_not(None)))}
    for fix in fixes:
        device = devices.get(fix.device_id)
        if device is None or device.person_id is None:
            continue
        km = area.distance(fix.lat, fix.lon)
        if km <= area.radius_km:
            why = f"last fix {km:.1f} km away at {fix.fixed_at:%H:%M} UTC"
            found.append(Target(device.person_id, why, fix.movement_id))
    return found


def _route_ahead_km(
    movement: Movement, area: Area, lat: float | None, lon: float | None
) -> float | None:
    coordinates = (movement.route or {}).get("coordinates") or []
    points = [_RoutePoint(float(c[1]), float(c[0]), i) for i, c in enumerate(coordinates)]
    if not points:
        return None
    if lat is not None and lon is not None:
        _, a, _b, _t = nearest_on_route(lat, lon, points)
        points = points[a.index :]
    return nearest_on_route(area.lat, area.lon, points)[0]


def _by_movement(db: Session, area: Area, now: datetime) -> list[Target]:
    found = []
    last = {p.movement_id: p for p in _last_fixes(db, now - RECENT_FIX, movement=True)}
    for movement in db.scalars(select(Movement).where(Movement.status == "in_progress")):
        fix = last.get(movement.id)
        why = None
        if fix is not None and (km := area.distance(fix.lat, fix.lon)) <= area.radius_km:
            why = f"on {movement.reference}: last position {km:.1f} km away"
        else:
            ahead = _route_ahead_km(
                movement, area, fix.lat if fix else None, fix.lon if fix else None
            )
            if ahead is not None and ahead <= area.radius_km:
                why = f"on {movement.reference}: the route ahead passes {ahead:.1f} km away"
        if why:
            found += [Target(p, why, movement.id) for p in movement.passenger_ids]
    return found


def _by_site(db: Session, area: Area) -> list[Target]:
    found = []
    rows = db.execute(
        select(ProtectedPerson.id, Site.name, Site.lat, Site.lon).join(
            Site, Site.id == ProtectedPerson.site_id
        )
    ).all()
    for person_id, name, lat, lon in rows:
        km = area.distance(lat, lon)
        if km <= area.radius_km:
            found.append(Target(person_id, f"based at {name}, {km:.1f} km away"))
    return found


def targets_in(db: Session, actor: Actor, area: Area, now: datetime) -> list[Target]:
    """Everyone to ask, each once with the first reason found, among the persons `actor` may
    know about (persons who have left the country are not asked)."""
    visible = set(
        db.scalars(
            select(ProtectedPerson.id).where(
                person_scope(actor, ProtectedPerson), ProtectedPerson.status != "departed"
            )
        )
    )
    chosen: dict[str, Target] = {}
    for target in [*_by_device(db, area, now), *_by_movement(db, area, now), *_by_site(db, area)]:
        if target.person_id in visible and target.person_id not in chosen:
            chosen[target.person_id] = target
    return list(chosen.values())
