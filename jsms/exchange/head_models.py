"""Partners' signing keys and the signed audit heads they sent us.

A received head is evidence: kept for good, never changed or deleted (the session refuses
to), so a partner can later check its own chain against what we hold of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from jsms.db import Base, IdMixin, UTCDateTime


class PartnerKey(IdMixin, Base):
    """A partner's Ed25519 public key: the heads it sends must verify under it. A new key
    retires the old one (kept, as heads signed with it stay on file)."""

    __tablename__ = "exchange_partner_keys"
    __audit_name__ = "exchange_partner_key"

    partner_id: Mapped[str] = mapped_column(ForeignKey("exchange_partners.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(44))  # base64 of the 32 bytes
    fingerprint: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(100))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PartnerHead(IdMixin, Base):
    """One signed audit head a partner sent, exactly as signed (append-only)."""

    __tablename__ = "exchange_partner_heads"
    __audit_name__ = "exchange_partner_head"
    __table_args__ = (UniqueConstraint("partner_id", "database_id", "seq", "signed_at"),)

    partner_id: Mapped[str] = mapped_column(ForeignKey("exchange_partners.id"), index=True)
    database_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(40))  # the text signed, to check it again
    key: Mapped[str] = mapped_column(String(80))
    signature: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HeadsAreKept(Exception):
    """Something tried to change or delete a head a partner sent."""


@event.listens_for(Session, "before_flush")
def _keep_heads(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, PartnerHead) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise HeadsAreKept("a partner's audit head is kept as received: never changed")
