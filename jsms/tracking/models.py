"""Tracking tables: devices with their own credentials, positions, check-ins, and counters of
device messages that were refused.

Positions arrive by the thousand per second, so they are written with Core inserts (not the
ORM) and are not audited one by one; their *reads* are audited like any movement detail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only


class Device(IdMixin, TimestampMixin, Base):
    """A phone or tracker that reports positions: Traccar Client (OsmAnd protocol) or
    OwnTracks. It is carried by a protected person or fitted to a vehicle of a unit or of a
    company; the movement it reports for is derived from who carries it."""

    __tablename__ = "devices"

    # What the device calls itself: OsmAnd `id` / Traccar `device_id`, OwnTracks "user/device".
    identifier: Mapped[str] = mapped_column(String(120), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    protocol: Mapped[str] = mapped_column(String(12))  # osmand | owntracks
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("protected_persons.id"), nullable=True, index=True
    )
    unit_id: Mapped[str | None] = mapped_column(
        ForeignKey("security_units.id"), nullable=True, index=True
    )
    vehicle_registration: Mapped[str | None] = mapped_column(String(30), nullable=True)
    # sha256 of the device key; the key itself is shown once when the device is registered
    secret_hash: Mapped[str] = mapped_column(String(64))
    # The same key as Mosquitto's password file wants it (salted PBKDF2-SHA512), so
    # `jsms devices mosquitto-passwd` can write the broker's files without the key being kept.
    broker_hash: Mapped[str | None] = mapped_column(String(160), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Position(Base):
    """One fix as the device reported it, and when it reached us. Duplicates (same device,
    same fix time) are dropped on insert; late store-and-forward fixes keep their own time."""

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("device_id", "fixed_at"),
        Index("ix_positions_movement_fixed", "movement_id", "fixed_at"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    movement_id: Mapped[str | None] = mapped_column(ForeignKey("movements.id"), nullable=True)
    fixed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    bearing: Mapped[float | None] = mapped_column(Float, nullable=True)
    altitude_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    battery: Mapped[float | None] = mapped_column(Float, nullable=True)
    alarm: Mapped[str | None] = mapped_column(String(20), nullable=True)  # e.g. "sos"
    source: Mapped[str] = mapped_column(String(16))  # osmand | traccar_json | owntracks | batch


class CheckIn(IdMixin, Base):
    """ "All well" from an escort commander or a protectee. A duress check-in is stored as
    such and raises a silent alert, but the person who sent it is shown a normal answer."""

    __tablename__ = "check_ins"

    movement_id: Mapped[str | None] = mapped_column(
        ForeignKey("movements.id"), nullable=True, index=True
    )
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("protected_persons.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # ok | duress | help
    channel: Mapped[str] = mapped_column(String(10))  # app | api | sms | web
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class IngestRejection(Base):
    """How many device messages were refused, per source and reason (never per message: a
    flood of garbage must not fill the database)."""

    __tablename__ = "ingest_rejections"
    __table_args__ = (UniqueConstraint("source", "reason"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sample: Mapped[str] = mapped_column(String(200), default="")
