"""The OsmAnd protocol as Traccar Client speaks it, in both of its shapes.

Query form (Traccar Client for Android before 9, OsmAnd, most DIY trackers): HTTP GET or
POST to any path with parameters in the query string, or form-encoded in the body when the
query is empty: `id` (or `deviceid`), `lat`, `lon` (or `location=lat,lon`), `timestamp`
(epoch seconds, milliseconds, ISO 8601 or "yyyy-MM-dd HH:mm:ss"), `speed` in KNOTS,
`bearing` (or `heading`), `altitude`, `accuracy`, `batt` (percent), `alarm` (e.g. `sos`).
Without a timestamp the fix is taken as made when it arrived, as Traccar does.

JSON (Traccar Client 9+, the background-geolocation template), sent with Content-Type
application/json: `{"device_id": ..., "location": {"timestamp": ISO, "coords": {"latitude",
"longitude", "speed" (METRES PER SECOND), "heading", "altitude", "accuracy"}, "battery":
{"level": 0..1}, "event": ..., "extras": {"alarm": "sos"}}}`; -1 means unknown. `location`
may also be a list (the plugin's batch sync).

The device key travels as the `key` query parameter (Traccar Client keeps parameters of its
configured server URL) or as the password of HTTP Basic authentication (decided by the caller).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from jsms.tracking.fixes import Fix
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.values import (
    KNOT_MPS,
    alarm_text,
    battery_percent,
    coordinates,
    number,
    optional,
    parse_time,
)

__all__ = ["parse_params", "parse_query", "parse_traccar_json", "query_params"]

MAX_FIELDS = 64
MAX_IDENTIFIER = 120


def query_params(query: str) -> dict[str, str]:
    """Parameters of a query string or form body; a repeated name keeps its last value.
    (urllib's parse_qsl, minus the decoding work a plain OsmAnd query does not need: it
    is most of the cost of a request.)"""
    parts = query.split("&")
    if len(parts) > MAX_FIELDS:
        raise Rejected(Reason.MALFORMED, f"more than {MAX_FIELDS} parameters")
    params: dict[str, str] = {}
    for part in parts:
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in part or "+" in part:
            name, value = unquote_plus(name), unquote_plus(value)
        params[name] = value
    return params


def parse_query(query: str, received_at: datetime) -> Fix:
    return parse_params(query_params(query), received_at)


def device_identifier(value: Any) -> str:
    identifier = str(value).strip() if value is not None else ""
    if not identifier:
        raise Rejected(Reason.NO_DEVICE, "the device identifier (id) is missing")
    if len(identifier) > MAX_IDENTIFIER or not identifier.isprintable():
        raise Rejected(Reason.MALFORMED, "the device identifier is too long or not printable")
    return identifier


def parse_params(params: Mapping[str, str], received_at: datetime) -> Fix:
    """One fix from OsmAnd parameters."""
    device = device_identifier(params.get("id") or params.get("deviceid"))
    if "location" in params and "lat" not in params:
        lat, _, lon = params["location"].partition(",")
    else:
        lat, lon = params.get("lat", ""), params.get("lon", "")
    latitude, longitude = coordinates(lat, lon)
    stamp = params.get("timestamp", "")
    return Fix(
        device=device,
        fixed_at=parse_time(stamp) if stamp else received_at,
        lat=latitude,
        lon=longitude,
        source="osmand",
        speed_mps=optional(params.get("speed"), "speed", scale=KNOT_MPS),
        bearing=optional(params.get("bearing", params.get("heading")), "bearing"),
        altitude_m=_signed(params.get("altitude"), "altitude"),
        accuracy_m=optional(params.get("accuracy"), "accuracy"),
        battery=battery_percent(params.get("batt")),
        alarm=alarm_text(params.get("alarm")),
        key=params.get("key") or None,
    )


def _signed(value: Any, name: str) -> float | None:
    """Altitude may be below sea level: negative is a value here, not "unknown"."""
    if value is None or value == "":
        return None
    return number(value, name)


def parse_traccar_json(body: bytes, key: str | None = None) -> list[Fix]:
    """Every fix of a Traccar Client 9+ JSON body (one location, or a list of them)."""
    try:
        root = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(Reason.BAD_JSON, "the body is not JSON") from None
    if not isinstance(root, dict):
        raise Rejected(Reason.BAD_JSON, "the body must be a JSON object")
    locations = root.get("location")
    if isinstance(locations, dict):
        locations = [locations]
    if not isinstance(locations, list) or not locations:
        raise Rejected(Reason.MALFORMED, "the body has no location")
    device = device_identifier(root.get("device_id") or _id_from_template(locations[0]))
    return [_location(device, location, key) for location in locations]


def _id_from_template(location: Any) -> str | None:
    """The template's "_" field repeats the query form ("&id=...&lat=..."): a fallback."""
    if isinstance(location, dict) and isinstance(location.get("_"), str):
        return query_params(location["_"].strip("&")).get("id")
    return None


def _location(device: str, location: Any, key: str | None) -> Fix:
    if not isinstance(location, dict):
        raise Rejected(Reason.MALFORMED, "each location must be a JSON object")
    coords = location.get("coords")
    if not isinstance(coords, dict):
        raise Rejected(Reason.BAD_COORDINATES, "the location has no coords")
    stamp = location.get("timestamp")
    if not isinstance(stamp, str | int | float) or isinstance(stamp, bool):
        raise Rejected(Reason.BAD_TIMESTAMP, "the location has no timestamp")
    latitude, longitude = coordinates(coords.get("latitude"), coords.get("longitude"))
    battery = location.get("battery")
    extras = location.get("extras")
    alarm = location.get("alarm")
    if alarm is None and isinstance(extras, dict):
        alarm = extras.get("alarm")
    return Fix(
        device=device,
        fixed_at=parse_time(str(stamp)),
        lat=latitude,
        lon=longitude,
        source="traccar_json",
        speed_mps=optional(coords.get("speed"), "speed"),
        bearing=optional(coords.get("heading"), "heading"),
        altitude_m=_signed(coords.get("altitude"), "altitude"),
        accuracy_m=optional(coords.get("accuracy"), "accuracy"),
        battery=battery_percent(
            battery.get("level") if isinstance(battery, dict) else None, fraction=True
        ),
        alarm=alarm_text(alarm),
        key=key,
    )
