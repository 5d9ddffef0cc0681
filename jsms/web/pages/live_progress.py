"""Progress and ETA for the live feed, computed by the movement monitor's own pure core.

Each feed connection keeps a small :class:`~jsms.tracking.monitor.Monitor` of the movements it
shows, built from the database exactly as the live monitor builds its watches
(:func:`jsms.tracking.live_plans.snapshot`) and fed the same stored positions, so the fraction
and the ETA on the screen are the monitor's figures whether it runs in this process or in
workers. Its findings are dropped here: raising alerts is the live monitor's job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jsms.movements.models import Movement
from jsms.tracking import live_plans
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.live import thresholds_from_env
from jsms.tracking.models import Position
from jsms.tracking.monitor import Monitor

__all__ = ["ProgressBoard"]

log = logging.getLogger(__name__)

RESEND_EVERY = timedelta(seconds=30)  # the ETA moves with the clock even without positions


class ProgressBoard:
    """The progress of the movements one feed shows."""

    def __init__(self) -> None:
        try:
            thresholds = thresholds_from_env()
        except ValueError:
            thresholds = None  # a bad setting is the monitor's to report; defaults here
        self.monitor = Monitor(thresholds)
        self.roles: dict[str, dict[str, str]] = {}  # movement -> device -> role
        self.sent: dict[str, tuple[float, str | None, datetime]] = {}

    def watch(self, db: Session, movement: Movement, now: datetime) -> dict[str, str]:
        """Start following a movement (replaying its stored positions); its devices' roles."""
        snapshot = live_plans.snapshot(db, [movement], self.monitor.thresholds, now)
        plan = snapshot.plans.get(movement.id)
        if plan is None:
            log.info("no progress for %s", snapshot.refused.get(movement.id, movement.reference))
            self.roles[movement.id] = {}
            return {}
        self.monitor.watch(plan)
        roles = dict(plan.devices)
        self.roles[movement.id] = roles
        self.monitor.feed(snapshot.positions)
        return roles

    def forget(self, movement_id: str) -> None:
        self.monitor.forget(movement_id)
        self.roles.pop(movement_id, None)
        self.sent.pop(movement_id, None)

    def role(self, movement_id: str, device_id: str) -> str:
        return self.roles.get(movement_id, {}).get(device_id, "unknown")

    def knows_device(self, movement_id: str, device_id: str) -> bool:
        return device_id in self.roles.get(movement_id, {})

    def feed(self, positions: list[Position]) -> None:
        self.monitor.feed(
            [
                StoredPosition(
                    seq=p.seq,
                    device_id=p.device_id,
                    movement_id=p.movement_id,
                    role=self.role(p.movement_id or "", p.device_id),
                    fixed_at=p.fixed_at,
                    received_at=p.received_at,
                    lat=p.lat,
                    lon=p.lon,
                    speed_mps=p.speed_mps,
                    alarm=p.alarm,
                )
                for p in positions
            ]
        )

    def changed(self, movement_id: str, now: datetime) -> dict[str, Any] | None:
        """The movement's progress when it moved on (or a while has passed), else None."""
        progress = self.monitor.progress(movement_id, now)
        if progress is None:
            return None
        eta = f"{progress.eta:%Y-%m-%d %H:%M}" if progress.eta else None  # to the minute
        fraction = round(progress.fraction, 3)
        last = self.sent.get(movement_id)
        if last and last[0] == fraction and last[1] == eta and now - last[2] < RESEND_EVERY:
            return None
        self.sent[movement_id] = (fraction, eta, now)
        return progress.to_dict()
