"""The device protocols JSMS speaks, as pure parsers: bytes and parameters in, `Fix` out.

Each parser raises `Rejected` with a short reason (counted per source in ingest_rejections)
and a sentence for the device's operator. Nothing here touches the database or the network.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason", "Rejected"]


class Reason(StrEnum):
    """Why a device message was refused: the counter's name and the HTTP status it earns."""

    MALFORMED = "malformed"
    BAD_JSON = "bad_json"
    NO_DEVICE = "no_device_id"
    BAD_COORDINATES = "bad_coordinates"
    ZERO_POSITION = "zero_position"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    TOO_OLD = "too_old"
    TOO_LARGE = "too_large"
    TOO_MANY = "too_many_fixes"
    TRUNCATED = "truncated"
    BAD_HTTP = "bad_http"
    BAD_METHOD = "bad_method"
    BAD_TOPIC = "bad_topic"
    ENCRYPTED = "encrypted"
    UNKNOWN_DEVICE = "unknown_device"
    INACTIVE_DEVICE = "inactive_device"
    MISSING_KEY = "missing_key"
    WRONG_KEY = "wrong_key"
    WRONG_PROTOCOL = "wrong_protocol"
    NOT_YOUR_DEVICE = "not_your_device"

    @property
    def status(self) -> int:
        return _STATUS.get(self, 400)


# Unknown device, inactive device and a wrong key earn the same answer, so the answer does
# not tell a prober which identifiers exist; the counters keep them apart.
_STATUS = {
    Reason.TOO_LARGE: 413,
    Reason.TOO_MANY: 413,
    Reason.BAD_METHOD: 405,
    Reason.UNKNOWN_DEVICE: 401,
    Reason.INACTIVE_DEVICE: 401,
    Reason.MISSING_KEY: 401,
    Reason.WRONG_KEY: 401,
    Reason.NOT_YOUR_DEVICE: 403,
}


class Rejected(Exception):
    """A device message refused: `reason` is counted, `detail` is said to the sender."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail

    @property
    def status(self) -> int:
        return self.reason.status
