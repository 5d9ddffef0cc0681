"""What one person's live feed carries, read from the database.

The feed reads positions by arrival order (`seq`) and alerts by their timeline, so it shows the
same whether the monitor runs in this process or in separate workers. Need-to-know is the
API's: positions and progress only of movements whose route and times the person may see
(`movements.service.visible_to(...).details`), each such movement audited once per connection
as `movement.positions.read` (the action of GET /movements/{id}/positions); alerts only as
`alerts.service.visible` allows (a duress alert never reaches its sender), each audited once per
connection; roll-call counts only over the persons the person may know about.

Events are `(name, data)`: `movement` (on or off the live board), `position`, `progress`,
`alert` (opened, repeated, acknowledged, escalated, resolved; `current` when the feed opens)
and `roll_call`. A :class:`Cursor` after each batch lets a reconnecting browser resume.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.alerts import service as alerts
from jsms.alerts.models import Alert, AlertEvent, RollCall
from jsms.audit import service as audit
from jsms.db import new_session, utcnow
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.movements import service as movements
from jsms.movements.models import Movement
from jsms.tracking import live_plans
from jsms.tracking.models import Device, Position
from jsms.web.pages.live_progress import ProgressBoard

__all__ = ["Cursor", "Event", "Feed"]

Event = tuple[str, dict[str, Any]]
ACTIONS = ("opened", "repeated", "acknowledged", "escalated", "resolved")
TRAIL = timedelta(minutes=30)  # how much of each convoy's path a new screen draws
TRAIL_POINTS = 120  # per device
REFRESH_S = 10.0  # how often to look for movements starting, ending or released
OVERLAP = timedelta(seconds=10)  # alert events may commit a little after their stamp
POSITIONS_PER_POLL = 2000
CLOSED_SHOWN = timedelta(minutes=30)  # a closed roll call stays on the board this long
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """Where a feed stands: the last position sent and the newest alert event seen."""

    seq: int
    alert_at: datetime

    def text(self) -> str:
        return f"{self.seq}-{(self.alert_at - EPOCH) // timedelta(microseconds=1)}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor a browser sends back as Last-Event-ID; None when absent or garbled."""
        seq, _, micros = (text or "").strip().partition("-")
        if not (seq.isdigit() and micros.isdigit()) or len(seq) > 18 or len(micros) > 17:
            return None
        try:
            moment = EPOCH + timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(int(seq), moment)


@dataclass
class _Shown:
    """A movement on this feed's board."""

    reference: str
    status: str
    labels: dict[str, str] = field(default_factory=dict)  # device id -> label


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class Feed:
    """One connection's feed: `open()` once, then `poll()` about every second."""

    def __init__(self, database_url: str, actor: Actor) -> None:
        self.database_url = database_url
        self.actor = actor
        self.cursor = Cursor(0, utcnow())
        self.shown: dict[str, _Shown] = {}
        self.progress = ProgressBoard()
        self.audited_alerts: set[str] = set()
        self.seen_events: dict[str, datetime] = {}
        self.roll_calls: dict[str, tuple[Any, ...]] = {}
        self.tried_devices: set[str] = set()
        self.refreshed = 0.0

    # The two entry points ---------------------------------------------------------------

    def open(self, resume: Cursor | None = None) -> list[Event]:
        """The board as it stands (or, resuming, what changed since the browser's cursor)."""
        now = utcnow()
        with self._session() as db:
            if resume is None:
                top = db.scalar(select(func.max(Position.seq))) or 0
                self.cursor = Cursor(top, now)
                recent = select(AlertEvent.id, AlertEvent.at).where(AlertEvent.at > now - OVERLAP)
                self.seen_events = {row.id: row.at for row in db.execute(recent)}
            else:
                self.cursor = resume
            events = self._refresh(db, now, trails=resume is None)
            events += self._current_alerts(db) if resume is None else self._alert_events(db)
            events += self._positions(db, now) if resume is not None else []
            events += self._roll_call_counts(db, now)
            db.commit()
        return events

    def poll(self) -> list[Event]:
        """What changed since the last look."""
        now = utcnow()
        with self._session() as db:
            events: list[Event] = []
            if time.monotonic() - self.refreshed >= REFRESH_S:
                events += self._refresh(db, now, trails=True)
            events += self._positions(db, now)
            events += self._alert_events(db)
            events += self._roll_call_counts(db, now)
            db.commit()
        return events

    def _session(self) -> Session:
        db = new_session(self.database_url)
        db.info["actor"] = self.actor
        return db

    # Movements ---------------------------------------------------------------------------

    def _refresh(self, db: Session, now: datetime, trails: bool) -> list[Event]:
        """Movements that came into or went out of the person's sight."""
        self.refreshed = time.monotonic()
        if not can(self.actor, "movement.read"):
            return []
        known = movements.directory(db)
        visible: dict[str, tuple[Movement, str]] = {}
        for movement in live_plans.movements_to_watch(db, now):
            seen = movements.visible_to(db, self.actor, movement, known)
            if seen.details:
                visible[movement.id] = (movement, seen.reason)
        events: list[Event] = []
        for movement_id in [m for m in self.shown if m not in visible]:
            gone = self.shown.pop(movement_id)
            self.progress.forget(movement_id)
            events.append(("movement", {"movement": movement_id, "reference": gone.reference,
                                        "watching": False}))  # fmt: skip
        for movement_id, (movement, reason) in visible.items():
            shown = self.shown.get(movement_id)
            if shown is None:
                events += self._show(db, movement, reason, now, trails)
            elif shown.status != movement.status:  # started: it sets off
                shown.status = movement.status
                self.progress.watch(db, movement, now)
                events.append(("movement", self._movement_data(movement)))
        return events

    @staticmethod
    def _movement_data(movement: Movement) -> dict[str, Any]:
        return {
            "movement": movement.id,
            "reference": movement.reference,
            "purpose": movement.purpose,
            "status": movement.status,
            "origin": movement.origin_name,
            "destination": movement.destination_name,
            "arrival_at": _iso(movement.arrival_at),
            "watching": True,
            "href": f"/movements/{movement.id}",
        }

    def _show(
        self, db: Session, movement: Movement, reason: str, now: datetime, trail: bool
    ) -> list[Event]:
        self.progress.watch(db, movement, now)
        shown = self.shown[movement.id] = _Shown(movement.reference, movement.status)
        audit.record(
            db,
            action="movement.positions.read",
            object_type="movement",
            object_id=movement.id,
            detail={"via": "live feed", "reason": reason},
            actor=self.actor,
        )
        events: list[Event] = [("movement", self._movement_data(movement))]
        if trail:
            rows = db.scalars(
                select(Position)
                .where(Position.movement_id == movement.id, Position.fixed_at >= now - TRAIL)
                .where(Position.seq <= self.cursor.seq)
                .order_by(Position.seq)
            ).all()
            per_device: dict[str, list[Position]] = {}
            for row in rows:
                per_device.setdefault(row.device_id, []).append(row)
            recent = [p for track in per_device.values() for p in track[-TRAIL_POINTS:]]
            events += self._position_events(db, sorted(recent, key=lambda p: p.seq), shown)
        progress = self.progress.changed(movement.id, now)
        if progress is not None:
            events.append(("progress", {"movement": movement.id, **progress}))
        return events

    # Positions and progress --------------------------------------------------------------

    def _labels(self, db: Session, shown: _Shown, device_ids: set[str]) -> None:
        missing = device_ids - shown.labels.keys()
        if missing:
            rows = db.execute(
                select(Device.id, Device.label, Device.identifier).where(Device.id.in_(missing))
            ).all()
            shown.labels.update({row.id: row.label or row.identifier for row in rows})

    def _position_events(self, db: Session, rows: list[Position], shown: _Shown) -> list[Event]:
        self._labels(db, shown, {p.device_id for p in rows})
        return [
            (
                "position",
                {
                    "movement": p.movement_id,
                    "reference": shown.reference,
                    "device": p.device_id,
                    "label": shown.labels.get(p.device_id, "device"),
                    "role": self.progress.role(p.movement_id or "", p.device_id),
                    "lat": round(p.lat, 6),
                    "lon": round(p.lon, 6),
                    "speed": None if p.speed_mps is None else round(p.speed_mps, 1),
                    "fixed_at": _iso(p.fixed_at),
                    "alarm": p.alarm,
                    "seq": p.seq,
                },
            )
            for p in rows
        ]

    def _new_devices(self, db: Session, rows: list[Position], now: datetime) -> set[str]:
        """Movements a device joined since they were shown: rebuilt (the replay includes
        these positions). Each device is tried once: one the plan leaves out stays unknown."""
        joined = {
            (p.movement_id, p.device_id)
            for p in rows
            if p.movement_id
            and p.device_id not in self.tried_devices
            and not self.progress.knows_device(p.movement_id, p.device_id)
        }
        self.tried_devices |= {device for _, device in joined}
        rebuilt = set()
        for movement_id in {movement for movement, _ in joined}:
            movement = db.get(Movement, movement_id)
            if movement is not None:
                self.progress.watch(db, movement, now)
                rebuilt.add(movement_id)
        return rebuilt

    def _positions(self, db: Session, now: datetime) -> list[Event]:
        events: list[Event] = []
        if self.shown:
            rows = list(
                db.scalars(
                    select(Position)
                    .where(Position.seq > self.cursor.seq, Position.movement_id.in_(self.shown))
                    .order_by(Position.seq)
                    .limit(POSITIONS_PER_POLL)
                )
            )
            if rows:
                self.cursor = Cursor(rows[-1].seq, self.cursor.alert_at)
                rebuilt = self._new_devices(db, rows, now)
                self.progress.feed([p for p in rows if p.movement_id not in rebuilt])
                for movement_id, shown in self.shown.items():
                    mine = [p for p in rows if p.movement_id == movement_id]
                    events += self._position_events(db, mine, shown)
        for movement_id in self.shown:
            progress = self.progress.changed(movement_id, now)
            if progress is not None:
                events.append(("progress", {"movement": movement_id, **progress}))
        return events

    # Alerts ------------------------------------------------------------------------------

    def _alert(self, db: Session, alert: Alert, action: str, event: AlertEvent | None) -> Event:
        if alert.id not in self.audited_alerts:
            self.audited_alerts.add(alert.id)
            audit.record(
                db,
                action="alert.read",
                object_type="alert",
                object_id=alert.id,
                detail={"via": "live feed"},
                actor=self.actor,
            )
        movement = db.get(Movement, alert.movement_id) if alert.movement_id else None
        # where it happened is route detail: only for a movement on this person's board
        placed = alert.movement_id is None or alert.movement_id in self.shown
        return (
            "alert",
            {
                "id": alert.id,
                "action": action,
                "kind": alert.kind,
                "severity": alert.severity,
                "status": alert.status,
                "title": alert.title,
                "movement": alert.movement_id,
                "reference": movement.reference if movement else None,
                "opened_at": _iso(alert.opened_at),
                "at": _iso(event.at if event else alert.updated_at),
                "by": event.by if event else None,
                "repeats": alert.repeats,
                "step": alert.escalation_step,
                "lat": alert.lat if placed else None,
                "lon": alert.lon if placed else None,
                "href": f"/alerts/{alert.id}",
            },
        )

    def _current_alerts(self, db: Session) -> list[Event]:
        if not can(self.actor, "alert.read"):
            return []
        stmt = alerts.alert_query(self.actor).where(Alert.status.in_(alerts.OPEN)).limit(200)
        return [
            self._alert(db, a, "current", None)
            for a in reversed(db.scalars(stmt).all())
            if alerts.visible(self.actor, a)
        ]

    def _alert_events(self, db: Session) -> list[Event]:
        if not can(self.actor, "alert.read"):
            return []
        since = self.cursor.alert_at - OVERLAP
        rows = db.execute(
            select(AlertEvent, Alert)
            .join(Alert, Alert.id == AlertEvent.alert_id)
            .where(AlertEvent.at > since, AlertEvent.action.in_(ACTIONS))
            .where(alerts.alert_query(self.actor).whereclause)  # type: ignore[arg-type]
            .order_by(AlertEvent.at)
            .limit(500)
        ).all()
        events: list[Event] = []
        newest = self.cursor.alert_at
        for event, alert in rows:
            newest = max(newest, event.at)
            if event.id in self.seen_events:
                continue
            self.seen_events[event.id] = event.at
            if alerts.visible(self.actor, alert):
                events.append(self._alert(db, alert, event.action, event))
        self.cursor = Cursor(self.cursor.seq, newest)
        self.seen_events = {k: v for k, v in self.seen_events.items() if v > newest - 2 * OVERLAP}
        return events

    # Roll calls --------------------------------------------------------------------------

    def _roll_call_counts(self, db: Session, now: datetime) -> list[Event]:
        if not can(self.actor, "rollcall.read"):
            return []
        stmt = select(RollCall).where(
            or_(RollCall.closed_at.is_(None), RollCall.closed_at >= now - CLOSED_SHOWN)
        )
        events: list[Event] = []
        for roll_call in db.scalars(stmt.order_by(RollCall.started_at.desc()).limit(20)):
            targets = rollcall.visible_targets(db, self.actor, roll_call)
            if not targets and self.actor.side == Side.CLIENT:
                continue  # a company knows only roll calls that ask its own people
            counts = rollcall.counts(targets)
            overdue = sum(
                1 for t in targets if t.status == "pending" and now >= roll_call.escalate_at
            )
            state = (tuple(sorted(counts.items())), overdue, roll_call.closed_at)
            if self.roll_calls.get(roll_call.id) == state:
                continue
            self.roll_calls[roll_call.id] = state
            events.append(
                (
                    "roll_call",
                    {
                        "id": roll_call.id,
                        "title": roll_call.title,
                        "lat": roll_call.lat,
                        "lon": roll_call.lon,
                        "radius_km": roll_call.radius_km,
                        "counts": counts,
                        "overdue": overdue,
                        "closed": roll_call.closed_at is not None,
                        "href": f"/roll-calls/{roll_call.id}",
                    },
                )
            )
        return events
