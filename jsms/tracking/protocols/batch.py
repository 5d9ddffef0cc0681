"""JSMS's own batch format, for gateways (a fleet server, a satellite tracker's relay, a
phone that buffered its fixes offline) that post many fixes at once:

    {"fixes": [{"device": "353861053849681", "time": "2026-05-01T10:00:00Z",
                "lat": 24.8607, "lon": 67.0011, "speed_mps": 12.5, "bearing": 90,
                "altitude_m": 10, "accuracy_m": 5, "battery": 80, "alarm": "sos"}, ...]}

`time` is ISO 8601 or epoch seconds or milliseconds; speed in metres per second; only
`device`, `time`, `lat` and `lon` are required. Each fix is judged on its own: the answer
lists the refused ones by index, and the rest are stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jsms.tracking.fixes import Fix
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.osmand import device_identifier
from jsms.tracking.protocols.values import (
    alarm_text,
    battery_percent,
    coordinates,
    epoch_time,
    number,
    optional,
    parse_time,
)

__all__ = ["MAX_FIXES", "BatchItem", "parse_batch"]

MAX_FIXES = 5_000
FIELDS = frozenset(
    {"device", "time", "lat", "lon", "speed_mps", "bearing", "altitude_m", "accuracy_m"}
    | {"battery", "alarm"}
)


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One entry of the batch: its fix, or why it was refused."""

    index: int
    fix: Fix | None
    refused: Rejected | None
    sample: str = ""


def parse_batch(body: bytes) -> list[BatchItem]:
    """Every entry of a batch; a body that is not a batch at all is refused whole."""
    try:
        root = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(Reason.BAD_JSON, "the body is not JSON") from None
    fixes = root.get("fixes") if isinstance(root, dict) else None
    if not isinstance(fixes, list):
        raise Rejected(Reason.MALFORMED, 'the body must be {"fixes": [...]}')
    if len(fixes) > MAX_FIXES:
        raise Rejected(Reason.TOO_MANY, f"at most {MAX_FIXES} fixes per request")
    items = []
    for index, entry in enumerate(fixes):
        try:
            items.append(BatchItem(index, _fix(entry), None))
        except Rejected as refused:
            items.append(BatchItem(index, None, refused, json.dumps(entry)[:200]))
    return items


def _fix(entry: object) -> Fix:
    if not isinstance(entry, dict):
        raise Rejected(Reason.MALFORMED, "each fix must be a JSON object")
    if not entry.keys() <= FIELDS:
        unknown = sorted(set(entry) - FIELDS)
        raise Rejected(Reason.MALFORMED, f"unknown field(s): {', '.join(unknown)[:80]}")
    stamp = entry.get("time")
    if stamp is None or isinstance(stamp, bool):
        raise Rejected(Reason.BAD_TIMESTAMP, "time is required")
    fixed_at = parse_time(stamp) if isinstance(stamp, str) else epoch_time(number(stamp, "time"))
    latitude, longitude = coordinates(entry.get("lat"), entry.get("lon"))
    altitude = entry.get("altitude_m")
    return Fix(
        device=device_identifier(entry.get("device")),
        fixed_at=fixed_at,
        lat=latitude,
        lon=longitude,
        source="batch",
        speed_mps=optional(entry.get("speed_mps"), "speed_mps"),
        bearing=optional(entry.get("bearing"), "bearing"),
        altitude_m=None if altitude is None else number(altitude, "altitude_m"),
        accuracy_m=optional(entry.get("accuracy_m"), "accuracy_m"),
        battery=battery_percent(entry.get("battery")),
        alarm=alarm_text(entry.get("alarm")),
    )
