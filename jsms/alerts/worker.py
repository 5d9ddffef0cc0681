"""The alerts loop: climbs escalation ladders, sends notifications (with retries), asks roll
calls by SMS and escalates silence. `tick(now)` is one pass and a plain function of `now`, so
tests drive the clock; `AlertLoop` runs it every second in `jsms serve`.

Each step runs in its own short transaction; nothing is sent while a transaction is open.
Several servers may run the loop on one database: steps are taken by conditional UPDATEs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from jsms.alerts import notify, rollcall, service
from jsms.alerts.channels import DeliveryFailed, sms
from jsms.alerts.channels.settings import channel_settings
from jsms.alerts.models import RollCallTarget
from jsms.db import transaction, utcnow
from jsms.registry import service as registry

log = logging.getLogger("jsms.alerts")
ACTOR = "system:alerts"


@dataclass(frozen=True)
class Pass:
    """What one pass did (for logs and tests)."""

    escalated: int
    unanswered: int
    sent: int
    failed: int
    asked: int


def _dispatch(url: str | None, now: datetime) -> tuple[int, int]:
    with transaction(ACTOR, url) as db:
        claimed = notify.claim_due(db, now)
    sent = failed = 0
    for notification_id in claimed:
        with transaction(ACTOR, url) as db:
            job = notify.prepare(db, notification_id)
        error = notify.send(job)
        with transaction(ACTOR, url) as db:
            notify.record(db, notification_id, error, now)
        sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
    return sent, failed


def _claim_ask(url: str | None, target_id: str) -> tuple[str, str] | None:
    """Take one SMS question to send: (phone, text), or None (taken elsewhere, no phone)."""
    with transaction(ACTOR, url) as db:
        taken = db.execute(
            update(RollCallTarget)
            .where(RollCallTarget.id == target_id, RollCallTarget.sms_status == "pending")
            .values(sms_status="sending", sms_attempts=RollCallTarget.sms_attempts + 1),
            execution_options={"synchronize_session": False},
        )
        if int(getattr(taken, "rowcount", 0) or 0) != 1:
            return None
        target = db.get(RollCallTarget, target_id)
        assert target is not None
        reason = f"roll call {target.roll_call_id}: SMS 'are you safe?'"
        phone = registry.read_phone_for_system(db, target.person_id, reason)
        if phone is None:
            target.sms_status = "no_phone"
            return None
        return phone, rollcall.ASK_TEXT.format(title=target.roll_call.title[:120])


def _ask(url: str | None) -> int:
    with transaction(ACTOR, url) as db:
        pending = rollcall.pending_asks(db)
    asked = 0
    for target_id in pending:
        claimed = _claim_ask(url, target_id)
        if claimed is None:
            continue
        error = ""
        try:
            sms.send(*claimed)
        except DeliveryFailed as exc:
            error = str(exc)[:1000]
        with transaction(ACTOR, url) as db:
            target = db.get(RollCallTarget, target_id)
            assert target is not None
            target.sms_error = error
            if not error:
                target.sms_status = "sent"
                asked += 1
            elif target.sms_attempts >= channel_settings().notify_max_attempts:
                target.sms_status = "failed"
            else:
                target.sms_status = "pending"
    return asked


def tick(url: str | None = None, now: datetime | None = None) -> Pass:
    """One pass of every duty, as of `now`."""
    now = now or utcnow()
    with transaction(ACTOR, url) as db:
        escalated = len(service.escalate_due(db, now))
    with transaction(ACTOR, url) as db:
        unanswered = len(rollcall.escalate_unanswered(db, now))
    sent, failed = _dispatch(url, now)
    asked = _ask(url)
    return Pass(escalated, unanswered, sent, failed, asked)


class AlertLoop(threading.Thread):
    """`tick` every `interval_s` until stopped; a failing pass is logged, never fatal."""

    def __init__(self, url: str | None = None, interval_s: float = 1.0) -> None:
        super().__init__(name="jsms-alerts", daemon=True)
        self.url = url
        self.interval_s = interval_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                tick(self.url)
            except Exception:
                log.exception("alerts loop pass failed; trying again")
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        self._stop_event.set()


def start(url: str | None = None, interval_s: float = 1.0) -> AlertLoop:
    loop = AlertLoop(url, interval_s)
    loop.start()
    return loop
