"""Partners, their sharing agreements, what we published to them and what they sent us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jsms.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Partner(IdMixin, TimestampMixin, Base):
    """Another JSMS instance (or any TAXII 2.1 peer) run by a partner agency.

    Two credentials: the one we use to pull from its TAXII server (the secret encrypted with
    the keyring), and the one it uses to pull from ours (only a hash of the secret is kept).
    """

    __tablename__ = "exchange_partners"
    __audit_name__ = "exchange_partner"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    # Our agency that runs this partnership (its admins manage it; its identity signs exports).
    owner_agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    trust_group: Mapped[str] = mapped_column(String(40), index=True)
    taxii_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    taxii_collection: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pull_username: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pull_secret_enc: Mapped[str | None] = mapped_column(String(500), nullable=True)
    inbound_username: Mapped[str] = mapped_column(String(64), unique=True)
    inbound_secret_hash: Mapped[str] = mapped_column(String(64))
    last_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_pull: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the published collection was last built from (agreement version, incidents'
    # newest change): rebuilt only when this changes.
    published_from: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Agreement(IdMixin, Base):
    """One version of what a partner may receive. A change is a new version; the newest is
    the one in force (within its validity period)."""

    __tablename__ = "exchange_agreements"
    __audit_name__ = "exchange_agreement"
    __table_args__ = (UniqueConstraint("partner_id", "version"),)

    partner_id: Mapped[str] = mapped_column(ForeignKey("exchange_partners.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    object_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_tlp: Mapped[str] = mapped_column(String(12))
    removed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    coordinate_decimals: Mapped[int | None] = mapped_column(Integer, nullable=True)
    movements: Mapped[str] = mapped_column(String(10), default="never")
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))


class PublishedObject(IdMixin, Base):
    """A STIX object as a partner's TAXII collection offers it: one row per version, with
    the time it was added (what `added_after` and the manifest speak of). Rows whose object
    the agreement no longer allows are withdrawn and never served again."""

    __tablename__ = "exchange_published"
    __table_args__ = (UniqueConstraint("partner_id", "stix_id", "version"),)

    partner_id: Mapped[str] = mapped_column(ForeignKey("exchange_partners.id"), index=True)
    stix_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(40))
    date_added: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)


class ImportedObject(IdMixin, Base):
    """What a partner sent us, object by object, and what became of it."""

    __tablename__ = "exchange_imports"
    __audit_name__ = "exchange_import"

    partner_id: Mapped[str] = mapped_column(ForeignKey("exchange_partners.id"), index=True)
    stix_id: Mapped[str] = mapped_column(String(120), index=True)
    stix_type: Mapped[str] = mapped_column(String(60))
    version: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(12))
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    candidate_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
