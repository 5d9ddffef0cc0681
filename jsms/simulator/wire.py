"""What a device sends, in its own wire format: Traccar Client's OsmAnd query (speed in
knots, time in epoch seconds, `alarm=sos` for its SOS button, the key as `key`) and an
OwnTracks `location` message (speed in km/h) with its topic `owntracks/<user>/<device>`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from jsms.tracking.protocols.values import KMH_MPS, KNOT_MPS

__all__ = ["Report", "osmand_query", "owntracks_location", "owntracks_topic"]


@dataclass(frozen=True)
class Report:
    """One fix a device is about to send."""

    identifier: str
    at: datetime
    lat: float
    lon: float
    speed_mps: float
    bearing: float
    battery: float = 87.0
    accuracy_m: float = 8.0
    alarm: str | None = None


def osmand_query(report: Report, key: str) -> str:
    """The query string Traccar Client sends (to port 5055, or /api/v1/tracking/osmand)."""
    params = {
        "id": report.identifier,
        "timestamp": str(int(report.at.timestamp())),
        "lat": f"{report.lat:.6f}",
        "lon": f"{report.lon:.6f}",
        "speed": f"{report.speed_mps / KNOT_MPS:.1f}",
        "bearing": f"{report.bearing:.0f}",
        "altitude": "15",
        "accuracy": f"{report.accuracy_m:.0f}",
        "batt": f"{report.battery:.0f}",
    }
    if report.alarm:
        params["alarm"] = report.alarm
    params["key"] = key
    return urlencode(params)


def owntracks_topic(identifier: str) -> str:
    """ "user/device" -> "owntracks/user/device"."""
    return f"owntracks/{identifier}"


def owntracks_location(report: Report) -> bytes:
    """The JSON an OwnTracks phone publishes for a location (the same over MQTT and HTTP)."""
    device = report.identifier.rpartition("/")[2]
    message = {
        "_type": "location",
        "tid": (device[-2:] or "ph").upper(),
        "tst": int(report.at.timestamp()),
        "lat": round(report.lat, 6),
        "lon": round(report.lon, 6),
        "vel": round(report.speed_mps / KMH_MPS),
        "cog": round(report.bearing),
        "acc": round(report.accuracy_m),
        "alt": 15,
        "batt": round(report.battery),
        "conn": "m",
        "t": "t",
    }
    return json.dumps(message, separators=(",", ":")).encode()
