"""Where movements meet the other engines: routing, the SOP check and predictability."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.errors import Invalid
from jsms.movements.models import Movement
from jsms.movements.predictability import Plan, find_repeats, suggestions
from jsms.movements.sop.local_time import LocalZone


def _plan(movement: Movement) -> Plan:
    coords = tuple((lat, lon) for lon, lat in movement.route.get("coordinates", []))
    return Plan(
        movement.reference,
        (movement.origin_lat, movement.origin_lon),
        (movement.destination_lat, movement.destination_lon),
        movement.departure_at,
        coords,
    )


def predictability(db: Session, movement: Movement) -> list[dict[str, Any]]:
    """Earlier movements this one repeats (same ends, same hour, same road), with advice."""
    window = timedelta(days=30)
    recent = db.scalars(
        select(Movement).where(
            Movement.id != movement.id,
            Movement.departure_at >= movement.departure_at - window,
            Movement.departure_at < movement.departure_at,
            Movement.status.in_(("submitted", "approved", "in_progress", "completed")),
        )
    ).all()
    plan = _plan(movement)
    repeats = find_repeats(plan, [_plan(m) for m in recent])
    if not repeats:
        return []
    advice = suggestions(plan, repeats)
    return [
        {
            "repeats": r.reference,
            "departure_at": r.departure_at.isoformat(),
            "minutes_apart": r.minutes_apart,
            "route_overlap": r.route_overlap,
            "suggestions": advice,
        }
        for r in repeats
    ]


# Local time ----------------------------------------------------------------------------------


def zone_at(db: Session, lat: float, lon: float, on: date) -> LocalZone:
    """The zone times are written in at a place: that of the SOP policy in force there on
    ``on`` (each policy file names its jurisdiction's zone), else the federal baseline's."""
    from jsms.geo.service import locate
    from jsms.movements.sop import FEDERAL, default_policies

    province = locate(db, lat, lon).province
    return default_policies().zone(province or FEDERAL, on)


def local_zone(db: Session, movement: Movement) -> LocalZone:
    """The zone a movement's times are written in: where it starts (the route's first
    jurisdiction once a route is chosen, else the origin's province)."""
    from jsms.movements.sop import default_policies

    crossed = movement.route.get("jurisdictions") or []
    on = movement.departure_at.date()
    if crossed and crossed[0].get("jurisdiction"):
        return default_policies().zone(crossed[0]["jurisdiction"], on)
    return zone_at(db, movement.origin_lat, movement.origin_lon, on)


# Routing ------------------------------------------------------------------------------------

_locators: dict[tuple[Any, ...], Any] = {}


def province_locator(db: Session) -> Any:
    """Point -> province: the imported boundaries when there are any, else the gazetteer."""
    from sqlalchemy import func

    from jsms.geo.models import AdminArea
    from jsms.geo.routing import gazetteer_locator, polygon_locator

    count, newest = db.execute(
        select(func.count(AdminArea.id), func.max(AdminArea.updated_at)).where(AdminArea.level == 1)
    ).one()
    key = (count, newest)
    if key not in _locators:
        _locators.clear()
        if not count:
            _locators[key] = gazetteer_locator()
        else:
            areas = db.scalars(select(AdminArea).where(AdminArea.level == 1)).all()
            _locators[key] = polygon_locator(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "properties": {"name": a.name}, "geometry": a.geometry}
                        for a in areas
                    ],
                },
                name_property="name",
            )
    return _locators[key]


def road_graph() -> Any:
    """The imported road graph (`jsms geo import-osm`), else the built-in national corridors."""
    from jsms.geo.roads import default_graph_path, load_graph, national_corridors

    path = default_graph_path()
    return load_graph(path) if path.exists() else national_corridors()


def _plan_on_graphs(db: Session, movement: Movement) -> tuple[list[Any], Any, str | None]:
    """Routes on the imported graph; on the national corridors, saying so, when an end of the
    journey lies outside the imported extract (never snapped silently across the map)."""
    from jsms.geo.roads import national_corridors
    from jsms.geo.routing import NoRouteError, OutsideCoverage, is_night, plan_routes, reweight
    from jsms.threat.surface import surface_at

    surface = surface_at(db, movement.departure_at)
    locate = province_locator(db)
    night = is_night(movement.departure_at, movement.origin_lat, movement.origin_lon)

    def plan_on(graph: Any) -> list[Any]:
        return plan_routes(
            graph,
            reweight(graph, surface, night=night),
            (movement.origin_lat, movement.origin_lon),
            (movement.destination_lat, movement.destination_lon),
            departure=movement.departure_at,
            surface=surface,
            locate=locate,
        )

    graph, national = road_graph(), national_corridors()
    try:
        try:
            return plan_on(graph), locate, None
        except OutsideCoverage as exc:
            if graph is national:
                raise
            return plan_on(national), locate, f"routed on {national.source}: {exc}"
    except OutsideCoverage as exc:
        raise Invalid(f"no route: {exc}") from None
    except NoRouteError as exc:
        raise Invalid(f"no route between the two places on the road graph: {exc}") from None


def _levels_along(
    db: Session, coordinates: Sequence[tuple[float, float]], departure: datetime, locate: Any
) -> list[list[Any]]:
    """[lat, lon, level, province] at up to ~400 points of a route, levels as at departure."""
    from jsms.threat.surface import levels_along

    step = max(1, len(coordinates) // 400)
    sampled = [*coordinates[::step], coordinates[-1]]
    located = levels_along(db, sampled, departure, locate)
    return [[lat, lon, level, province] for lat, lon, level, province in located]


def option_id(coordinates: Sequence[Sequence[float]]) -> str:
    """A short id that names one path (the same road gives the same id on every read)."""
    rounded = [[round(x, 5), round(y, 5)] for x, y in coordinates]
    return "R-" + hashlib.sha256(json.dumps(rounded).encode()).hexdigest()[:10]


def route_options(db: Session, movement: Movement) -> list[dict[str, Any]]:
    """Fastest, safest and balanced routes, each with its effective threat levels."""
    routes, locate, note = _plan_on_graphs(db, movement)
    options = []
    for route in routes:
        points = _levels_along(db, route.coordinates, movement.departure_at, locate)
        coordinates = [[lon, lat] for lat, lon in route.coordinates]
        options.append(
            {
                "id": option_id(coordinates),
                "label": route.label,
                "labels": list(route.labels),
                "coordinates": coordinates,
                "distance_m": round(route.distance_m),
                "duration_s": round(route.duration_s),
                "exposure": round(route.exposure, 3),
                "max_level": max([route.max_level, *(p[2] for p in points)]),
                "computed_max_level": route.max_level,
                "jurisdictions": [
                    {"jurisdiction": c.jurisdiction, "enter": list(c.enter), "exit": list(c.exit)}
                    for c in route.jurisdictions
                ],
                "chokepoints": list(route.chokepoints),
                "via": list(route.via),
                "after_dark": route.after_dark,
                "arrival": route.arrival.isoformat() if route.arrival else None,
                "points": points,
                "road_graph_note": note,
            }
        )
    return options


def choose_option(
    options: list[dict[str, Any]], *, label: str | None, option_id: str | None
) -> dict[str, Any]:
    """The option named by id, or the one carrying ``label`` among its labels."""
    if option_id is not None:
        for option in options:
            if option["id"] == option_id:
                return option
        known = ", ".join(o["id"] for o in options)
        raise Invalid(f"no route option {option_id} (it may have changed); options are {known}")
    matching = [o for o in options if label in o["labels"]]
    if not matching:
        shown = sorted({lbl for o in options for lbl in o["labels"]})
        raise Invalid(f"no {label} route; options are {', '.join(shown)}")
    if len(matching) > 1:
        ids = ", ".join(o["id"] for o in matching)
        raise Invalid(
            f"{len(matching)} routes are labelled {label}: choose one by option_id ({ids})"
        )
    return matching[0]


def retime_route(db: Session, movement: Movement) -> None:
    """Bring the adopted route's time-dependent facts (arrival, darkness, threat levels along
    it) to the movement's current departure time, keeping the same road."""
    from jsms.geo.daylight import journey_after_dark

    route = dict(movement.route)
    coordinates = [(lat, lon) for lon, lat in route.get("coordinates", [])]
    if not coordinates:
        return
    departure = movement.departure_at
    duration_s = float(route.get("duration_s", 0))
    route["arrival"] = (departure + timedelta(seconds=duration_s)).isoformat()
    route["after_dark"] = journey_after_dark(departure, duration_s, coordinates[0], coordinates[-1])
    route["points"] = _levels_along(db, coordinates, departure, province_locator(db))
    levels = [int(p[2]) for p in route["points"]]
    route["max_level"] = max([int(route.get("computed_max_level", 1)), *levels])
    movement.route = route


def refresh(db: Session, movement: Movement) -> None:
    """Recompute every derived fact of the plan after a change: route times and levels, and
    the SOP evaluation, so no read shows the verdict of an earlier version."""
    retime_route(db, movement)
    movement.evaluation = evaluate(db, movement)


# SOP check ----------------------------------------------------------------------------------

# Escorts are assigned after approval: at submission their rules are requirements to meet,
# and the check before departure (`service.start`) enforces them.
MET_BEFORE_START = frozenset({"escort"})


def _segments(db: Session, movement: Movement) -> list[Any]:
    from jsms.movements.sop.facts import RoutePoint, RouteSegment
    from jsms.threat.surface import levels_along

    points = movement.route.get("points")
    if not points:
        coords = [(lat, lon) for lon, lat in movement.route.get("coordinates", [])]
        if not coords:
            return []
        located = levels_along(db, coords, movement.departure_at, province_locator(db))
        points = [[lat, lon, level, province] for lat, lon, level, province in located]
    segments: list[Any] = []
    current: list[Any] = []
    jurisdiction = None
    for lat, lon, level, province in points:
        province = province or jurisdiction or "unknown"
        if province != jurisdiction and current:
            segments.append(RouteSegment(jurisdiction, tuple(current)))  # type: ignore[arg-type]
            current = []
        jurisdiction = province
        current.append(RoutePoint(lat, lon, int(level)))
    if current:
        segments.append(RouteSegment(jurisdiction, tuple(current)))  # type: ignore[arg-type]
    return segments


def movement_facts(db: Session, movement: Movement, *, requested_at: Any) -> Any:
    """What the SOP engine needs to know about this movement, from the database."""
    from jsms.movements.sop.facts import Escort, MovementFacts, Vehicle
    from jsms.registry.models import ProtectedPerson, SecurityUnit

    people = db.scalars(
        select(ProtectedPerson).where(ProtectedPerson.id.in_(movement.passenger_ids))
    ).all()
    host_vehicles: dict[str, int] = {}
    guest_team = 0
    for escort in movement.escorts:
        unit = db.get(SecurityUnit, escort.unit_id)
        if unit is None:
            continue
        if escort.ring == "outer":
            host_vehicles[escort.jurisdiction] = host_vehicles.get(escort.jurisdiction, 0) + len(
                unit.vehicles
            )
        else:
            guest_team = max(guest_team, escort.headcount)
    vehicles = tuple(
        Vehicle(
            armoured=bool(v["armoured"]),
            seats=int(v["seats"]),
            passengers=int(v["passengers"]),
            label=v.get("registration"),
        )
        for v in movement.vehicles
    )
    return MovementFacts(
        departure=movement.departure_at,
        arrival=movement.arrival_at,
        requested_at=requested_at,
        passengers=len(movement.passenger_ids),
        foreign_nationals=sum(1 for p in people if p.nationality != "PK"),
        vehicles=vehicles,
        escort=Escort(host_vehicles=host_vehicles, guest_team=guest_team),
        route=tuple(_segments(db, movement)),
    )


def evaluate(db: Session, movement: Movement, *, before_start: bool = False) -> dict[str, Any]:
    """The SOP verdict as stored with the plan: what blocks it, what it requires, and why."""
    from jsms.db import utcnow
    from jsms.movements.sop import evaluate as check
    from jsms.movements.sop.facts import FactsError

    if not movement.route:
        return {}
    try:
        facts = movement_facts(db, movement, requested_at=movement.submitted_at or utcnow())
    except FactsError as exc:
        raise Invalid(f"the plan is inconsistent: {exc}") from None
    result = check(facts)
    blocking = [
        v
        for v in result.violations
        if v.blocking and (before_start or v.kind not in MET_BEFORE_START)
    ]
    deferred = [v for v in result.violations if v.blocking and v not in blocking]
    return {
        "version": movement.version,
        "evaluated_at": utcnow().isoformat(),
        "blocked": bool(blocking),
        "violations": [v.to_dict() for v in blocking],
        "before_start": [v.to_dict() for v in deferred],
        "other_violations": [v.to_dict() for v in result.violations if not v.blocking],
        "requirements": [r.to_dict() for r in result.requirements],
        "advisories": [a.to_dict() for a in result.advisories],
        "policies": list(result.policies),
        "uncovered": list(result.uncovered),
        "explanation": _explain(result.explanation(), deferred),
    }


def _explain(text: str, deferred: list[Any]) -> str:
    """The engine's explanation, with rules still to be met before departure marked so."""
    ids = {v.rule_id for v in deferred}
    lines = []
    for line in text.splitlines():
        if line.startswith("Blocked:") and any(f"rule {i} " in line for i in ids):
            line = "Before departure:" + line.removeprefix("Blocked:")
        lines.append(line)
    return "\n".join(lines)
