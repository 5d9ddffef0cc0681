"""Incidents, their sources, and analyst overrides of the threat level."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Incident(IdMixin, TimestampMixin, Base):
    """One event, coded as actor / act / location / impact."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("origin", "external_key"),)

    title: Mapped[str] = mapped_column(String(300))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    time_precision: Mapped[str] = mapped_column(String(10), default="day")
    place_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    province: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    """ISO 3166-1 alpha-2 of where it happened."""
    h3_cell: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    attack_type: Mapped[str] = mapped_column(String(20), index=True)
    target_type: Mapped[str | None] = mapped_column(String(120), nullable=True)
    killed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kidnapped: Mapped[int | None] = mapped_column(Integer, nullable=True)
    nationals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attackers_killed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    perpetrator_claimed: Mapped[str | None] = mapped_column(String(200), nullable=True)
    perpetrator_attributed: Mapped[str | None] = mapped_column(String(200), nullable=True)
    verification: Mapped[str] = mapped_column(String(12), default="unverified")
    tlp: Mapped[str] = mapped_column(String(12), default="green")
    origin: Mapped[str] = mapped_column(String(12), index=True)
    external_key: Mapped[str] = mapped_column(String(80))
    review_status: Mapped[str] = mapped_column(String(10), default="accepted", index=True)
    duplicate_of_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    severity: Mapped[float] = mapped_column(Float, default=0.0)
    notes: Mapped[str] = mapped_column(Text, default="")

    sources: Mapped[list[IncidentSource]] = relationship(
        back_populates="incident",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="IncidentSource.published_at",
    )


class IncidentSource(IdMixin, Base):
    """One report of an incident, with the figures that report gives."""

    __tablename__ = "incident_sources"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    outlet: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    killed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kidnapped: Mapped[int | None] = mapped_column(Integer, nullable=True)
    nationals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    role: Mapped[str] = mapped_column(String(12), default="primary")

    incident: Mapped[Incident] = relationship(back_populates="sources")


class ThreatOverride(IdMixin, TimestampMixin, Base):
    """An analyst's level for an area, with the reason, until it expires."""

    __tablename__ = "threat_overrides"

    area_kind: Mapped[str] = mapped_column(String(10))
    area: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
