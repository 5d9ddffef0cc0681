"""Movements (journey plans), their approvals, escorts and need-to-know order copies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Movement(IdMixin, TimestampMixin, Base):
    """A journey plan: who goes where, when, by which route, with what protection.

    Route and exact times are need-to-know (see jsms.movements.access)."""

    __tablename__ = "movements"

    reference: Mapped[str] = mapped_column(String(30), unique=True)
    purpose: Mapped[str] = mapped_column(String(300))
    client_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    origin_name: Mapped[str] = mapped_column(String(200))
    origin_lat: Mapped[float] = mapped_column(Float)
    origin_lon: Mapped[float] = mapped_column(Float)
    destination_name: Mapped[str] = mapped_column(String(200))
    destination_lat: Mapped[float] = mapped_column(Float)
    destination_lon: Mapped[float] = mapped_column(Float)
    departure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    arrival_at: Mapped[datetime] = mapped_column(UTCDateTime())
    passenger_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    vehicles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    route: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    jurisdictions: Mapped[list[str]] = mapped_column(JSON, default=list)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    debrief: Mapped[str | None] = mapped_column(Text, nullable=True)

    approvals: Mapped[list[MovementApproval]] = relationship(
        back_populates="movement",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="MovementApproval.party",
    )
    escorts: Mapped[list[EscortAssignment]] = relationship(
        back_populates="movement",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="EscortAssignment.leg",
    )


class MovementApproval(IdMixin, Base):
    """One key of the dual (or multiple) key: a party that must approve this version."""

    __tablename__ = "movement_approvals"
    __table_args__ = (UniqueConstraint("movement_id", "party", "movement_version"),)

    movement_id: Mapped[str] = mapped_column(ForeignKey("movements.id"), index=True)
    movement_version: Mapped[int] = mapped_column(Integer)
    party: Mapped[str] = mapped_column(String(60))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    movement: Mapped[Movement] = relationship(back_populates="approvals")


class EscortAssignment(IdMixin, Base):
    """A unit protecting one leg: the guest inner ring or the host outer ring."""

    __tablename__ = "escort_assignments"

    movement_id: Mapped[str] = mapped_column(ForeignKey("movements.id"), index=True)
    leg: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(40))
    ring: Mapped[str] = mapped_column(String(6))
    unit_id: Mapped[str] = mapped_column(ForeignKey("security_units.id"), index=True)
    headcount: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    handover_name: Mapped[str] = mapped_column(String(200), default="")
    handover_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    handover_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    authorisation_reason: Mapped[str] = mapped_column(Text, default="")

    movement: Mapped[Movement] = relationship(back_populates="escorts")


class OrderCopy(IdMixin, Base):
    """A recipient's watermarked copy of a movement order: who was given what, when."""

    __tablename__ = "order_copies"
    __table_args__ = (UniqueConstraint("movement_id", "user_id", "movement_version"),)

    movement_id: Mapped[str] = mapped_column(ForeignKey("movements.id"), index=True)
    movement_version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The order as issued (route and times): a leak of an older version is still traceable.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
