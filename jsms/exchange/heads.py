"""The audit heads partners send us: their keys, receiving a head, and what we hold of them.

A head is kept only if it verifies under the partner's registered key and moves its chain
forward: a head that goes back in number or time (a replay, a rolled-back trail) is refused,
and one that contradicts a head we already hold (the same number with another hash, another
database) is refused and raises a critical alert to the control rooms of the agency running
the partnership: it is evidence that the partner's trail was rewritten. Every head received or
refused is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts import service as alerts
from jsms.alerts.findings import Finding
from jsms.audit import service as audit
from jsms.audit.against import HEADS_FORMAT
from jsms.audit.signing import (
    HeadFormatError,
    SignedHead,
    fingerprint,
    parse_public_key,
    public_key_text,
    signature_holds,
)
from jsms.db import utcnow
from jsms.errors import Invalid
from jsms.exchange.head_models import PartnerHead, PartnerKey
from jsms.exchange.models import Partner

__all__ = [
    "CLOCK_SKEW",
    "HeadRefused",
    "export_heads",
    "heads_of",
    "key_of",
    "receive",
    "refuse",
    "trust_key",
]

log = logging.getLogger("jsms.exchange.heads")
CLOCK_SKEW = timedelta(minutes=5)  # a head signed further ahead than this is refused


@dataclass
class HeadRefused(Exception):
    """Why a head was not kept: `status` 422 (not signed as it should be) or 409 (out of
    order); `tampering` when it contradicts one we hold."""

    reason: str
    tampering: bool = False
    status: int = 422


# Partners' keys -----------------------------------------------------------------------------


def key_of(db: Session, partner: Partner) -> PartnerKey | None:
    """The partner's current public key, if one is registered."""
    return db.scalar(
        select(PartnerKey)
        .where(PartnerKey.partner_id == partner.id, PartnerKey.retired_at.is_(None))
        .order_by(PartnerKey.added_at.desc())
        .limit(1)
    )


def trust_key(db: Session, partner: Partner, public_key: str, *, by: str) -> PartnerKey:
    """Register the partner's public key (as `jsms keys` prints it there); retires the old."""
    try:
        raw = parse_public_key(public_key)
    except HeadFormatError as exc:
        raise Invalid(str(exc), errors=[{"field": "public_key", "reason": str(exc)}]) from None
    now = utcnow()
    current = key_of(db, partner)
    if current is not None:
        if current.fingerprint == fingerprint(raw):
            return current
        current.retired_at = now
    key = PartnerKey(
        partner_id=partner.id,
        public_key=public_key_text(raw),
        fingerprint=fingerprint(raw),
        added_at=now,
        added_by=by[:100],
    )
    db.add(key)
    db.flush()
    return key


# Receiving -----------------------------------------------------------------------------------


def _held(db: Session, partner: Partner) -> list[PartnerHead]:
    return list(
        db.scalars(
            select(PartnerHead)
            .where(PartnerHead.partner_id == partner.id)
            .order_by(PartnerHead.seq, PartnerHead.received_at)
        )
    )


def _check_signature(db: Session, partner: Partner, head: SignedHead) -> None:
    key = key_of(db, partner)
    if key is None:
        raise HeadRefused(
            f"no signing key is registered for partner {partner.name} (`jsms audit heads trust`)"
        )
    if head.key != key.fingerprint:
        raise HeadRefused(
            f"signed with key {head.key}; partner {partner.name}'s key is {key.fingerprint}"
        )
    if not signature_holds(head, parse_public_key(key.public_key)):
        raise HeadRefused("the signature does not verify: forged or altered")


def _newest(db: Session, partner: Partner) -> PartnerHead | None:
    """The head of the highest number we hold of the partner, the latest signed of them."""
    mine = PartnerHead.partner_id == partner.id
    top = db.scalar(select(func.max(PartnerHead.seq)).where(mine))
    if top is None:
        return None
    tied = db.scalars(select(PartnerHead).where(mine, PartnerHead.seq == top)).all()
    return max(tied, key=lambda h: datetime.fromisoformat(h.signed_at))


def _check_order(db: Session, partner: Partner, head: SignedHead, now: datetime) -> None:
    """Refuse a head that contradicts, repeats or goes behind what we hold. The newest head
    signed again later (nothing written meanwhile) is kept: it says the trail still ends
    there."""
    if head.signed_time() > now + CLOCK_SKEW:
        raise HeadRefused(f"signed at {head.signed_at}, ahead of our clock")
    mine = PartnerHead.partner_id == partner.id
    other = db.scalar(
        select(PartnerHead.database_id)
        .where(mine, PartnerHead.database_id != head.database_id)
        .limit(1)
    )
    if other is not None:
        raise HeadRefused(
            f"the head names database {head.database_id}, the partner's heads so far name {other}",
            tampering=True,
            status=409,
        )
    same = db.scalar(
        select(PartnerHead)
        .where(mine, PartnerHead.seq == head.seq, PartnerHead.hash != head.hash)
        .limit(1)
    )
    if same is not None:
        raise HeadRefused(
            f"event {head.seq} had hash {same.hash[:12]}… in the head signed "
            f"{same.signed_at}; now {head.hash[:12]}…: the partner's history was rewritten",
            tampering=True,
            status=409,
        )
    newest = _newest(db, partner)
    if newest is None:
        return
    if head.seq < newest.seq:
        raise HeadRefused(
            f"event {head.seq} is behind the newest head held (event {newest.seq}): "
            "a replayed old head, or a trail rolled back",
            status=409,
        )
    if head.seq == newest.seq and head.signed_time() <= datetime.fromisoformat(newest.signed_at):
        raise HeadRefused(
            f"signed {head.signed_at}, not after the newest head held "
            f"({newest.signed_at}): a replay",
            status=409,
        )


def receive(db: Session, partner: Partner, head: SignedHead) -> PartnerHead:
    """Keep a head the partner sent (audited), or raise HeadRefused (see `refuse`)."""
    _check_signature(db, partner, head)
    _check_order(db, partner, head, utcnow())
    kept = PartnerHead(
        partner_id=partner.id,
        database_id=head.database_id,
        seq=head.seq,
        hash=head.hash,
        signed_at=head.signed_at,
        key=head.key,
        signature=head.signature,
        received_at=utcnow(),
    )
    db.add(kept)
    db.flush()
    audit.record(
        db,
        action="audit.head.receive",
        object_type="exchange_partner",
        object_id=partner.id,
        detail={"partner": partner.name, "seq": head.seq, "database_id": head.database_id},
    )
    return kept


def refuse(
    db: Session,
    partner: Partner | None,
    refused: HeadRefused,
    *,
    sent: dict[str, Any] | None = None,
    who: str = "",
) -> None:
    """Record a refused head in `db`'s transaction; a contradiction also raises a critical
    alert for the control rooms of the agency running the partnership."""
    name = partner.name if partner else who or "unknown"
    detail: dict[str, Any] = {"partner": name, "reason": refused.reason[:500]}
    if sent:
        detail["head"] = {k: sent.get(k) for k in ("database_id", "seq", "hash", "signed_at")}
    if refused.tampering:
        detail["tampering"] = True
    audit.record(
        db,
        action="audit.head.refused",
        object_type="exchange_partner",
        object_id=partner.id if partner else None,
        outcome="refused",
        detail=detail,
    )
    if partner is None or not refused.tampering:
        log.warning("audit head from %s refused: %s", name, refused.reason)
        return
    log.error("audit head from %s contradicts one we hold: %s", name, refused.reason)
    seq = sent.get("seq") if sent else None
    alerts.raise_alert(
        db,
        Finding(
            kind="audit_tampering",
            severity="critical",
            key=f"audit_tampering:{partner.id}:{seq}",
            title=f"Partner {partner.name}: audit head contradicts one it signed before",
            at=utcnow(),
            detail={"partner": partner.name, "reason": refused.reason[:500]},
        ),
        agency_ids=[partner.owner_agency_id],
    )


# What we hold -----------------------------------------------------------------------------


def heads_of(db: Session, partner: Partner) -> list[PartnerHead]:
    """Every head the partner sent us, in order of number."""
    return _held(db, partner)


def export_heads(db: Session, partner: Partner, *, by: Any = None) -> dict[str, Any]:
    """What we hold of the partner, as the file `jsms audit verify --against` reads there
    (audited: it leaves the instance)."""
    held = heads_of(db, partner)
    audit.record(
        db,
        action="audit.heads.export",
        object_type="exchange_partner",
        object_id=partner.id,
        detail={"partner": partner.name, "heads": len(held)},
        actor=by,
    )
    return {
        "format": HEADS_FORMAT,
        "partner": partner.name,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "heads": [
            SignedHead(
                database_id=h.database_id,
                seq=h.seq,
                hash=h.hash,
                signed_at=h.signed_at,
                key=h.key,
                signature=h.signature,
            ).to_dict()
            for h in held
        ],
    }
