"""Partners and their sharing agreements: who they are, how each side authenticates, and
what each may receive. Every change is audited; an agreement is never edited, only followed
by a new version.

Admins of a host or guest agency manage the partnerships their agency runs; auditors and
other admins read them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.errors import Conflict, Forbidden, Invalid, NotFound
from jsms.exchange.agreements import Terms, problems
from jsms.exchange.models import Agreement, Partner
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.keyring import get_keyring


def _refused(errors: dict[str, str]) -> Invalid:
    """A refusal naming each field it concerns (a form puts each reason beside its field)."""
    first = next(iter(errors.values()))
    return Invalid(first, errors=[{"field": k, "reason": v} for k, v in errors.items()])


def secret_hash(secret: str) -> str:
    """The stored form of a partner's random secret (SHA-256: it is long and random)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _pull_context(partner_id: str) -> str:
    return f"exchange_partner:{partner_id}:pull_secret"


def pull_secret(partner: Partner) -> str | None:
    """The secret we send when pulling from this partner (decrypted only to use it)."""
    if not partner.pull_secret_enc:
        return None
    return get_keyring().decrypt(partner.pull_secret_enc, _pull_context(partner.id))


def partner_query() -> Select[Partner]:
    return select(Partner).order_by(Partner.name)


def get_partner(db: Session, partner_id: str) -> Partner:
    partner = db.get(Partner, partner_id)
    if partner is None:
        partner = db.scalar(select(Partner).where(Partner.name == partner_id))
    if partner is None:
        raise NotFound(f"no partner {partner_id}")
    return partner


def may_manage(actor: Actor, partner: Partner) -> None:
    if partner.owner_agency_id != actor.agency_id:
        raise Forbidden(
            "Only the admins of the agency that runs this partnership may change it.",
            permission="exchange.write",
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64] or "partner"


@dataclass
class NewPartner:
    partner: Partner
    inbound_secret: str
    """Shown once: the partner pulls from us with it; only its hash is kept."""


def _check_agency(db: Session, agency_id: str, field: str) -> Agency:
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise _refused({field: f"no agency {agency_id}"})
    return agency


def create_partner(
    db: Session,
    actor: Actor,
    *,
    name: str,
    agency_id: str,
    trust_group: str,
    taxii_url: str | None = None,
    taxii_collection: str | None = None,
    pull_username: str | None = None,
    pull_secret: str | None = None,
    inbound_username: str | None = None,
    inbound_secret: str | None = None,
) -> NewPartner:
    """A partner run by `agency_id`, in `trust_group`; our side is the actor's agency."""
    _check_agency(db, agency_id, "agency_id")
    if agency_id == actor.agency_id:
        raise _refused({"agency_id": "a partner is another agency's instance, not our own"})
    if db.scalar(select(Partner.id).where(Partner.name == name)):
        raise _refused({"name": f"there is already a partner called {name!r}"})
    username = inbound_username or _slug(name)
    if db.scalar(select(Partner.id).where(Partner.inbound_username == username)):
        raise _refused({"inbound_username": f"the username {username!r} is taken"})
    secret = inbound_secret or secrets.token_urlsafe(32)
    partner = Partner(
        name=name,
        agency_id=agency_id,
        owner_agency_id=actor.agency_id,
        trust_group=_slug(trust_group),
        taxii_url=taxii_url,
        taxii_collection=taxii_collection,
        pull_username=pull_username,
        inbound_username=username,
        inbound_secret_hash=secret_hash(secret),
    )
    db.add(partner)
    db.flush()
    if pull_secret:
        partner.pull_secret_enc = get_keyring().encrypt(pull_secret, _pull_context(partner.id))
        db.flush()
    return NewPartner(partner, secret)


def update_partner(db: Session, actor: Actor, partner_id: str, **changes: Any) -> Partner:
    """Change the address, the pull credential or the trust group (a secret only if given)."""
    partner = get_partner(db, partner_id)
    may_manage(actor, partner)
    secret = changes.pop("pull_secret", None)
    for name in ("taxii_url", "taxii_collection", "pull_username", "trust_group", "active"):
        if name in changes:
            value = changes[name]
            setattr(partner, name, _slug(value) if name == "trust_group" else value)
    if secret:
        partner.pull_secret_enc = get_keyring().encrypt(secret, _pull_context(partner.id))
    db.flush()
    return partner


def rotate_inbound_secret(db: Session, actor: Actor, partner_id: str) -> str:
    """A new secret for the partner to pull with (the old one stops working at once)."""
    partner = get_partner(db, partner_id)
    may_manage(actor, partner)
    secret = secrets.token_urlsafe(32)
    partner.inbound_secret_hash = secret_hash(secret)
    db.flush()
    audit.record(
        db,
        action="exchange.partner.secret_rotated",
        object_type="exchange_partner",
        object_id=partner.id,
    )
    return secret


def authenticate_partner(db: Session, username: str, secret: str) -> Partner | None:
    """The active partner these Basic credentials belong to, or None (same answer for an
    unknown name and a wrong secret)."""
    partner = db.scalar(select(Partner).where(Partner.inbound_username == username))
    expected = partner.inbound_secret_hash if partner else secret_hash("no-such-partner")
    good = hmac.compare_digest(expected, secret_hash(secret))
    if partner is None or not good or not partner.active:
        return None
    return partner


# Agreements ------------------------------------------------------------------------------


def agreements_of(db: Session, partner_id: str) -> list[Agreement]:
    """Every version, the newest first."""
    return list(
        db.scalars(
            select(Agreement)
            .where(Agreement.partner_id == partner_id)
            .order_by(Agreement.version.desc())
        )
    )


def current_agreement(db: Session, partner_id: str) -> Agreement | None:
    return db.scalar(
        select(Agreement)
        .where(Agreement.partner_id == partner_id)
        .order_by(Agreement.version.desc())
        .limit(1)
    )


def terms_of(agreement: Agreement) -> Terms:
    return Terms(
        object_types=frozenset(agreement.object_types),
        max_tlp=agreement.max_tlp,
        removed_fields=frozenset(agreement.removed_fields),
        coordinate_decimals=agreement.coordinate_decimals,
        movements=agreement.movements,
        valid_from=agreement.valid_from,
        valid_until=agreement.valid_until,
        version=agreement.version,
        changed_at=agreement.created_at,
    )


def terms_in_force(db: Session, partner: Partner, at: datetime | None = None) -> Terms | None:
    """The terms a partner receives under now, or None (no agreement, not yet or no longer
    valid, or the partner is switched off): then nothing is shared."""
    agreement = current_agreement(db, partner.id)
    if agreement is None or not partner.active:
        return None
    terms = terms_of(agreement)
    return terms if terms.in_force(at or utcnow()) else None


def set_agreement(
    db: Session,
    actor: Actor,
    partner_id: str,
    *,
    object_types: list[str],
    max_tlp: str,
    removed_fields: list[str],
    coordinate_decimals: int | None,
    movements: str = "never",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    note: str = "",
) -> Agreement:
    """The next version of the partner's agreement (the previous ones stay on record)."""
    partner = get_partner(db, partner_id)
    may_manage(actor, partner)
    start = valid_from or utcnow()
    errors = problems(
        object_types, max_tlp, removed_fields, coordinate_decimals, movements, start, valid_until
    )
    if errors:
        raise _refused(errors)
    latest = db.scalar(
        select(func.max(Agreement.version)).where(Agreement.partner_id == partner.id)
    )
    agreement = Agreement(
        partner_id=partner.id,
        version=(latest or 0) + 1,
        object_types=sorted(set(object_types)),
        max_tlp=max_tlp,
        removed_fields=sorted(set(removed_fields)),
        coordinate_decimals=coordinate_decimals,
        movements=movements,
        valid_from=start,
        valid_until=valid_until,
        note=note,
        created_at=utcnow(),
        created_by=actor.username,
    )
    db.add(agreement)
    try:
        db.flush()
    except IntegrityError as exc:  # two admins saving at once: the version is taken
        raise Conflict("another version of this agreement was saved just now; reload") from exc
    audit.record(
        db,
        action="exchange.agreement.set",
        object_type="exchange_partner",
        object_id=partner.id,
        detail={
            "version": agreement.version,
            "object_types": agreement.object_types,
            "max_tlp": max_tlp,
            "removed_fields": agreement.removed_fields,
            "coordinate_decimals": coordinate_decimals,
            "movements": movements,
        },
    )
    return agreement
