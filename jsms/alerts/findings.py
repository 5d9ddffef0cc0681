"""What the live monitor (and check-ins, roll calls, incidents) report, before it becomes an
alert: plain data, so the monitor stays pure and testable without a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["KINDS", "SEVERITIES", "Finding"]

SEVERITIES = ("info", "warning", "critical")

# Every kind of alert JSMS raises, with the words a control room reads.
KINDS: dict[str, str] = {
    "deviation": "left the approved route corridor",
    "unplanned_stop": "stopped where the plan has no stop",
    "late_departure": "has not left at the planned time",
    "overdue_check_in": "missed a scheduled check-in",
    "no_go_entry": "entered a no-go zone",
    "stale_fix": "no position received for too long",
    "sos": "SOS pressed",
    "convoy_split": "escort vehicle separated from the protectee vehicle",
    "incident_nearby": "a new incident near the position or the route ahead",
    "duress": "duress check-in",
    "need_help": "asked for help in a roll call",
    "roll_call_unanswered": "did not answer a roll call",
    "audit_tampering": "a partner's audit head contradicts one it signed before",
}


@dataclass(frozen=True)
class Finding:
    """One thing the control rooms must hear about.

    `key` names the episode: the same key seen again is the same alert (repeats are
    counted, not re-raised), so replays after a crash never duplicate an alert.
    """

    kind: str
    severity: str
    key: str
    title: str
    at: datetime
    movement_id: str | None = None
    device_id: str | None = None
    incident_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    silent: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}")
