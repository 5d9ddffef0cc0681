"""Agencies, users and login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Agency(IdMixin, TimestampMixin, Base):
    """A host force, a guest security detail, or a client company."""

    __tablename__ = "agencies"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    side: Mapped[str] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2))
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    clearance: Mapped[int] = mapped_column(Integer, default=1)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_enc: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # The last accepted code's time step: a code is good for one login only.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Check-in codes (argon2 hashes): the usual one, and a duress one that answers the same
    # on the sender's screen but raises a silent alert.
    checkin_pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    duress_pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)

    agency: Mapped[Agency] = relationship(lazy="joined")


class AuthSession(IdMixin, Base):
    """A login: a browser cookie or an API bearer token, stored only as a hash."""

    __tablename__ = "auth_sessions"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    client: Mapped[str] = mapped_column(String(200), default="")
