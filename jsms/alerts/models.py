"""Alert tables: the alert and its timeline, the notifications sent for it, the contact
points of each agency's control room, and roll calls with every person's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Alert(IdMixin, TimestampMixin, Base):
    """Something the control rooms must act on: open -> acknowledged -> resolved.

    `key` names the episode (movement, kind and what distinguishes one episode from the
    next), so a monitor that sees the same deviation again, or a worker that replays a
    position after a crash, finds the open alert instead of raising a second one.
    """

    __tablename__ = "alerts"

    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    severity: Mapped[str] = mapped_column(String(10))  # info | warning | critical
    status: Mapped[str] = mapped_column(String(14), default="open", index=True)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    movement_id: Mapped[str | None] = mapped_column(
        ForeignKey("movements.id"), nullable=True, index=True
    )
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Agencies whose control rooms must hear of it (host forces, guest detail, company).
    agency_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    silent: Mapped[bool] = mapped_column(Boolean, default=False)  # duress: never to the sender
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="AlertEvent.at",
    )


class AlertEvent(IdMixin, Base):
    """One line of an alert's timeline: opened, repeated, acknowledged, escalated, notified,
    resolved, with who and a note."""

    __tablename__ = "alert_events"

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100), default="system")
    note: Mapped[str] = mapped_column(Text, default="")

    alert: Mapped[Alert] = relationship(back_populates="events")


class ContactPoint(IdMixin, TimestampMixin, Base):
    """Where an agency's control room hears of alerts: a webhook, an e-mail address or an SMS
    number, from a given escalation step and severity up."""

    __tablename__ = "contact_points"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # webhook | email | sms
    target: Mapped[str] = mapped_column(String(300))
    min_severity: Mapped[str] = mapped_column(String(10), default="warning")
    from_step: Mapped[int] = mapped_column(Integer, default=0)
    secret_enc: Mapped[str | None] = mapped_column(String(300), nullable=True)  # webhook HMAC key
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Notification(IdMixin, Base):
    """One message to one contact point about one alert, retried until it is delivered or
    given up (with the last error kept)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("alert_id", "contact_point_id", "step"),)

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    contact_point_id: Mapped[str] = mapped_column(ForeignKey("contact_points.id"))
    step: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class RollCall(IdMixin, TimestampMixin, Base):
    """ "Are you safe?" to everyone within a radius of an incident and on every movement it
    touches, until everyone has answered or the roll call is closed."""

    __tablename__ = "roll_calls"

    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    escalate_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    targets: Mapped[list[RollCallTarget]] = relationship(
        back_populates="roll_call", cascade="all, delete-orphan", lazy="selectin"
    )


class RollCallTarget(IdMixin, Base):
    """One person asked in a roll call, and their answer (safe / need help) or silence."""

    __tablename__ = "roll_call_targets"
    __table_args__ = (UniqueConstraint("roll_call_id", "person_id"),)

    roll_call_id: Mapped[str] = mapped_column(ForeignKey("roll_calls.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("protected_persons.id"), index=True)
    movement_id: Mapped[str | None] = mapped_column(ForeignKey("movements.id"), nullable=True)
    why: Mapped[str] = mapped_column(String(200))  # "last fix 3.2 km away", "on MV-2026-00003"
    status: Mapped[str] = mapped_column(String(12), default="pending")  # safe|need_help|pending
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(10), nullable=True)  # app|api|sms|web
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # "Are you safe?" by SMS: pending until the gateway took it (retried), or why not.
    sms_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    sms_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sms_error: Mapped[str] = mapped_column(Text, default="", server_default="")

    roll_call: Mapped[RollCall] = relationship(back_populates="targets")
