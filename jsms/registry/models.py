"""Registry tables. PII columns hold AES-GCM ciphertext only (see jsms.keyring)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Project(IdMixin, TimestampMixin, Base):
    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(String(200))
    client_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    province: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Site(IdMixin, TimestampMixin, Base):
    """A place people live or work: a point and, where known, a perimeter polygon."""

    __tablename__ = "sites"

    name: Mapped[str] = mapped_column(String(200))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    client_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="project_site")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    perimeter: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    province: Mapped[str | None] = mapped_column(String(40), nullable=True)
    district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    h3_cell: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(300), default="")


class ProtectedPerson(IdMixin, TimestampMixin, Base):
    """A foreign worker under protection. Passport, phone, blood group and emergency
    contact are encrypted at rest and read only through an audited call."""

    __tablename__ = "protected_persons"
    __audit_name__ = "person"

    full_name: Mapped[str] = mapped_column(String(200), index=True)
    nationality: Mapped[str] = mapped_column(String(2))
    employer_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="in_country")
    passport_enc: Mapped[str | None] = mapped_column(String(300), nullable=True)
    phone_enc: Mapped[str | None] = mapped_column(String(300), nullable=True)
    blood_group_enc: Mapped[str | None] = mapped_column(String(300), nullable=True)
    emergency_contact_enc: Mapped[str | None] = mapped_column(String(600), nullable=True)
    # Keyed hash of the normalised phone number (jsms.registry.phones): an SMS reply finds
    # its sender without decrypting every phone.
    phone_lookup: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class SecurityUnit(IdMixin, TimestampMixin, Base):
    __tablename__ = "security_units"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    call_sign: Mapped[str] = mapped_column(String(40), unique=True)
    unit_type: Mapped[str] = mapped_column(String(30))
    strength: Mapped[int] = mapped_column(Integer)
    base_name: Mapped[str] = mapped_column(String(200), default="")
    base_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    base_lon: Mapped[float | None] = mapped_column(Float, nullable=True)

    vehicles: Mapped[list[Vehicle]] = relationship(
        back_populates="unit",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Vehicle.registration",
    )


class Vehicle(IdMixin, Base):
    __tablename__ = "vehicles"

    unit_id: Mapped[str] = mapped_column(ForeignKey("security_units.id"), index=True)
    registration: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(40))
    armoured: Mapped[bool] = mapped_column(Boolean, default=False)
    seats: Mapped[int] = mapped_column(Integer, default=4)

    unit: Mapped[SecurityUnit] = relationship(back_populates="vehicles")


class DeploymentAuthorisation(IdMixin, TimestampMixin, Base):
    """The host's grant that lets a guest agency's personnel act in named places and times."""

    __tablename__ = "deployment_authorisations"
    __audit_name__ = "authorisation"

    reference: Mapped[str] = mapped_column(String(40), unique=True)
    host_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    guest_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("security_units.id"), nullable=True)
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    site_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    headcount_cap: Mapped[int] = mapped_column(Integer)
    arms: Mapped[str] = mapped_column(String(200), default="none")
    conditions: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
