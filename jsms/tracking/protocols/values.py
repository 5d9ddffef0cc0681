"""The values every protocol carries, read the forgiving way devices write them: times in
seconds, milliseconds or ISO 8601; numbers as text or JSON; "unknown" as a negative value."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from jsms.tracking.protocols import Reason, Rejected

KNOT_MPS = 1852 / 3600  # one knot in metres per second
KMH_MPS = 1 / 3.6
# Traccar's rule: an integer timestamp below 2^31 counts seconds, anything larger milliseconds.
_SECONDS_LIMIT = 2**31 - 1
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def epoch_time(value: float) -> datetime:
    """Seconds, or milliseconds when the number is too large to be seconds."""
    if not math.isfinite(value):
        raise Rejected(Reason.BAD_TIMESTAMP, f"timestamp {value!r} is not a number")
    seconds = value / 1000 if abs(value) > _SECONDS_LIMIT else value
    return _plausible(datetime.fromtimestamp(seconds, UTC))


def parse_time(text: str) -> datetime:
    """A device's timestamp: epoch seconds or milliseconds, ISO 8601 (naive is UTC), or
    "yyyy-MM-dd HH:mm:ss" in UTC as older OsmAnd clients send it."""
    text = text.strip()
    try:
        return epoch_time(float(text)) if _looks_numeric(text) else _calendar_time(text)
    except (ValueError, OverflowError, OSError):
        raise Rejected(Reason.BAD_TIMESTAMP, f"timestamp {text[:40]!r} is not a time") from None


def _looks_numeric(text: str) -> bool:
    return bool(text) and text.replace(".", "", 1).lstrip("-").isdigit()


def _calendar_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _plausible(moment.astimezone(UTC))


def _plausible(moment: datetime) -> datetime:
    if not _EARLIEST <= moment < _LATEST:
        raise Rejected(
            Reason.BAD_TIMESTAMP, f"timestamp {moment:%Y-%m-%d} is not a plausible fix time"
        )
    return moment


def number(value: Any, name: str) -> float:
    """A finite number from text or JSON; anything else refuses the message."""
    if isinstance(value, bool):
        raise Rejected(Reason.MALFORMED, f"{name} must be a number")
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer past 1e308
        raise Rejected(Reason.MALFORMED, f"{name} {str(value)[:30]!r} is not a number") from None
    if not math.isfinite(result):
        raise Rejected(Reason.MALFORMED, f"{name} must be a finite number")
    return result


def optional(value: Any, name: str, *, scale: float = 1.0) -> float | None:
    """An optional measurement: absent, empty or negative (devices' "unknown") is None."""
    if value is None or value == "":
        return None
    result = number(value, name)
    return None if result < 0 else result * scale


def coordinates(lat: Any, lon: Any) -> tuple[float, float]:
    """Latitude and longitude in range; both missing or unreadable refuses the message."""
    if lat is None or lon is None or lat == "" or lon == "":
        raise Rejected(Reason.BAD_COORDINATES, "lat and lon are both required")
    try:
        latitude, longitude = number(lat, "lat"), number(lon, "lon")
    except Rejected as refused:
        raise Rejected(Reason.BAD_COORDINATES, refused.detail) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Rejected(
            Reason.BAD_COORDINATES, f"lat {latitude} / lon {longitude} is outside the globe"
        )
    if latitude == 0 and longitude == 0:
        raise Rejected(Reason.ZERO_POSITION, "0,0 is a device without a fix, not a position")
    return latitude, longitude


def battery_percent(value: Any, *, fraction: bool = False) -> float | None:
    """Battery level in percent (Traccar's JSON sends 0..1, the others percent)."""
    level = optional(value, "battery")
    if level is None:
        return None
    return min(level * 100 if fraction else level, 100.0)


def alarm_text(value: Any) -> str | None:
    """An alarm name as stored (e.g. "sos"), lower case, at most 20 characters."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value).strip().lower()[:20] or None
