"""Map configurations for movement pages, in the shape /static/map.js reads (docs/ui.md).

Only a page that has already admitted the person to the plan (`service.read_details`) builds
one: the configuration carries the route's coordinates inline.
"""

from __future__ import annotations

from typing import Any

from jsms.movements.models import Movement

# Each option's colour and dash, so the lines differ by more than colour.
LOOKS: dict[str, tuple[str, str | None]] = {
    "fastest": ("#0b5394", None),
    "safest": ("#1e6b34", "10 6"),
    "balanced": ("#6a1b9a", "3 6"),
    "alternative": ("#8a5300", "14 4 3 4"),
}


def look_of(label: str) -> dict[str, Any]:
    color, dash = LOOKS.get(label, LOOKS["alternative"])
    return {"color": color, "dash": dash}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def _line(route: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": route.get("coordinates", [])},
        "properties": properties,
    }


def _facts(route: dict[str, Any]) -> list[list[str]]:
    jurisdictions = ", ".join(
        j["jurisdiction"] for j in route.get("jurisdictions", []) if j.get("jurisdiction")
    )
    return [
        ["Distance", f"{route.get('distance_m', 0) / 1000:.1f} km"],
        ["Driving", f"{round(route.get('duration_s', 0) / 60)} min"],
        ["Highest level", f"Level {route.get('max_level', '-')}"],
        ["Jurisdictions", jurisdictions or "-"],
    ]


def ends_overlay(movement: Movement) -> dict[str, Any]:
    return {
        "name": "Origin and destination",
        "color": "#1b2430",
        "data": _collection(
            [
                _point(
                    movement.origin_lat,
                    movement.origin_lon,
                    {"title": f"Origin: {movement.origin_name}", "radius": 7},
                ),
                _point(
                    movement.destination_lat,
                    movement.destination_lon,
                    {"title": f"Destination: {movement.destination_name}", "radius": 7},
                ),
            ]
        ),
    }


def option_name(option: dict[str, Any]) -> str:
    return " / ".join(label.capitalize() for label in option.get("labels") or [option["label"]])


def options_map(movement: Movement, options: list[dict[str, Any]]) -> dict[str, Any]:
    """Every route option as its own line (a layer each, to compare), and the two ends."""
    overlays = []
    for option in options:
        name = f"{option_name(option)} ({option['id']})"
        overlays.append(
            {
                "name": name,
                "on": True,
                "weight": 5,
                **look_of(option["label"]),
                "data": _collection([_line(option, {"title": name, "lines": _facts(option)})]),
            }
        )
    return {"overlays": [*overlays, ends_overlay(movement)], "fit": True}


def plan_map(movement: Movement) -> dict[str, Any]:
    """The chosen route, the two ends and the escorts' handover points."""
    route = movement.route or {}
    overlays = []
    if route.get("coordinates"):
        label = str(route.get("label") or "fastest")
        overlays.append(
            {
                "name": f"Chosen route ({option_name(route) if route.get('label') else 'route'})",
                "weight": 5,
                **look_of(label),
                "data": _collection(
                    [_line(route, {"title": "Chosen route", "lines": _facts(route)})]
                ),
            }
        )
    handovers = [
        _point(
            e.handover_lat,
            e.handover_lon,
            {"title": f"Handover: {e.handover_name}", "lines": [["Leg", str(e.leg)]]},
        )
        for e in movement.escorts
        if e.handover_lat is not None and e.handover_lon is not None
    ]
    if handovers:
        overlays.append(
            {"name": "Escort handovers", "color": "#8a5300", "data": _collection(handovers)}
        )
    overlays.append(ends_overlay(movement))
    return {"overlays": overlays, "fit": True}
