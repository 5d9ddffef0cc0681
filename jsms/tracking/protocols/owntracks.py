"""OwnTracks JSON (the booklet's `_type` payloads), the same over MQTT and over HTTP.

- `location`: `lat`, `lon`, `tst` (epoch seconds of the fix), `vel` (KM/H), `cog`, `alt`,
  `acc`, `batt` (percent), `tid`, `topic` (HTTP only) -> a Fix.
- `transition`: entering or leaving one of the device's waypoints (`event` enter/leave, `desc`
  its name, where and when) -> a Fix whose alarm says so ("enter:Camp gate"), so the trail
  shows it at its place and time.
- `lwt`: the broker's last will when the app's connection dropped -> a `LastWill`.
- anything else (waypoints, cards, cmd, steps, ...) -> None: ignored politely.
- `encrypted`: refused, because JSMS holds no payload keys and the position would be lost.

A device is named "user/device", as in its topic `owntracks/<user>/<device>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from jsms.tracking.fixes import Fix
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.values import (
    KMH_MPS,
    alarm_text,
    battery_percent,
    coordinates,
    epoch_time,
    number,
    optional,
)

__all__ = ["LastWill", "identifier_from_topic", "parse_owntracks"]

_NAME = r"[A-Za-z0-9._-]{1,59}"
IDENTIFIER = re.compile(rf"^{_NAME}/{_NAME}$")
_TOPIC = re.compile(rf"^owntracks/({_NAME})/({_NAME})(/event)?$")


@dataclass(frozen=True, slots=True)
class LastWill:
    """The broker reports that the device's connection dropped without a goodbye."""

    device: str
    connected_at: datetime | None


def identifier_from_topic(topic: str) -> str:
    """ "owntracks/jane/phone" (or its "/event" subtopic) -> "jane/phone"."""
    match = _TOPIC.match(topic)
    if match is None:
        raise Rejected(Reason.BAD_TOPIC, f"topic {topic[:80]!r} is not owntracks/<user>/<device>")
    return f"{match.group(1)}/{match.group(2)}"


def parse_owntracks(
    payload: bytes, device: str | None, key: str | None = None
) -> Fix | LastWill | None:
    """What one OwnTracks message says about `device` (over HTTP without a user and device
    named, the payload's own `topic` names it)."""
    try:
        message = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(Reason.BAD_JSON, "the payload is not JSON") from None
    if not isinstance(message, dict):
        raise Rejected(Reason.BAD_JSON, "the payload must be a JSON object")
    kind = message.get("_type")
    if device is None and kind in ("location", "transition", "lwt"):
        topic = message.get("topic")
        if not isinstance(topic, str):
            raise Rejected(Reason.NO_DEVICE, "name the device: user and device, or a topic")
        device = identifier_from_topic(topic)
    device = device or ""
    if kind == "location":
        return _location(message, device, key, alarm=None)
    if kind == "transition":
        event = alarm_text(message.get("event")) or "transition"
        place = str(message.get("desc") or "").strip()
        return _location(message, device, key, alarm=f"{event}:{place}" if place else event)
    if kind == "lwt":
        tst = message.get("tst")
        return LastWill(device, epoch_time(number(tst, "tst")) if tst is not None else None)
    if kind == "encrypted":
        raise Rejected(Reason.ENCRYPTED, "encrypted payloads cannot be read: turn encryption off")
    return None


def _location(message: dict[str, object], device: str, key: str | None, alarm: str | None) -> Fix:
    if "tst" not in message:
        raise Rejected(Reason.BAD_TIMESTAMP, "tst (the fix time) is missing")
    latitude, longitude = coordinates(message.get("lat"), message.get("lon"))
    return Fix(
        device=device,
        fixed_at=epoch_time(number(message["tst"], "tst")),
        lat=latitude,
        lon=longitude,
        source="owntracks",
        speed_mps=optional(message.get("vel"), "vel", scale=KMH_MPS),
        bearing=optional(message.get("cog"), "cog"),
        altitude_m=_altitude(message.get("alt")),
        accuracy_m=optional(message.get("acc"), "acc"),
        battery=battery_percent(message.get("batt")),
        alarm=(alarm or "")[:20] or None,
        key=key,
    )


def _altitude(value: object) -> float | None:
    return None if value is None or value == "" else number(value, "alt")
