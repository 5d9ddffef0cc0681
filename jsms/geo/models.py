"""Imported administrative boundaries (provinces, districts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jsms.db import Base, IdMixin, TimestampMixin


class AdminArea(IdMixin, TimestampMixin, Base):
    """A province (level 1) or district (level 2) polygon with its bounding box for look-ups."""

    __tablename__ = "admin_areas"
    __table_args__ = (UniqueConstraint("level", "name", "parent_name"),)

    level: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_name: Mapped[str] = mapped_column(String(120), default="")
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300), default="")
