"""Contact points: where an agency's control room hears of alerts (a webhook, an e-mail
address, an SMS number), managed by its ops officers, and by admins for any agency. A
webhook's signing secret is encrypted at rest and never shown again after it is set."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jsms.alerts.channels import CHANNELS
from jsms.alerts.findings import SEVERITIES
from jsms.alerts.models import ContactPoint
from jsms.alerts.notify import secret_context
from jsms.db import new_id
from jsms.errors import Invalid, NotFound
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role
from jsms.keyring import get_keyring

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[0-9]{7,15}$")


class BadTarget(Invalid):
    """The target does not suit the channel; names the field for forms."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[{"field": "target", "reason": detail}])


def check_target(channel: str, target: str) -> None:
    if channel not in CHANNELS:
        raise Invalid(f"channel must be one of {', '.join(CHANNELS)}")
    if channel == "webhook" and not re.match(r"^https?://[^\s/]+", target):
        raise BadTarget("a webhook target is an http:// or https:// URL")
    if channel == "email" and not EMAIL.match(target):
        raise BadTarget("an e-mail target is an address such as ops@example.org")
    if channel == "sms" and not PHONE.match(target):
        raise BadTarget("an SMS target is a number in international form, e.g. +923001234567")


def _manageable(actor: Actor) -> Any:
    """Admins manage every agency's contact points; ops officers their own agency's."""
    if actor.has(Role.ADMIN):
        return None
    return ContactPoint.agency_id == actor.agency_id


def point_query(actor: Actor) -> Select[ContactPoint]:
    stmt = select(ContactPoint).order_by(ContactPoint.agency_id, ContactPoint.from_step)
    scope = _manageable(actor)
    return stmt if scope is None else stmt.where(scope)


def get_point(db: Session, actor: Actor, point_id: str) -> ContactPoint:
    point = db.scalar(point_query(actor).where(ContactPoint.id == point_id))
    if point is None:
        raise NotFound(f"no contact point {point_id}")
    return point


def _set_secret(point: ContactPoint, secret: str | None) -> None:
    point.secret_enc = (
        None if not secret else get_keyring().encrypt(secret, secret_context(point.id))
    )


def create_point(
    db: Session,
    actor: Actor,
    *,
    channel: str,
    target: str,
    agency_id: str | None = None,
    min_severity: str = "warning",
    from_step: int = 0,
    secret: str | None = None,
    active: bool = True,
) -> ContactPoint:
    agency_id = agency_id or actor.agency_id
    if not actor.has(Role.ADMIN) and agency_id != actor.agency_id:
        raise Invalid(
            "ops officers manage their own agency's contact points only",
            errors=[{"field": "agency_id", "reason": "not your agency"}],
        )
    if db.get(Agency, agency_id) is None:
        raise Invalid(
            f"no agency {agency_id}", errors=[{"field": "agency_id", "reason": "unknown"}]
        )
    check_target(channel, target)
    if min_severity not in SEVERITIES:
        raise Invalid(f"min_severity must be one of {', '.join(SEVERITIES)}")
    point = ContactPoint(
        id=new_id(),
        agency_id=agency_id,
        channel=channel,
        target=target,
        min_severity=min_severity,
        from_step=from_step,
        active=active,
    )
    _set_secret(point, secret if channel == "webhook" else None)
    db.add(point)
    db.flush()
    return point


def update_point(db: Session, actor: Actor, point_id: str, **changes: Any) -> ContactPoint:
    point = get_point(db, actor, point_id)
    channel = changes.get("channel", point.channel)
    target = changes.get("target", point.target)
    check_target(channel, target)
    if changes.get("min_severity", point.min_severity) not in SEVERITIES:
        raise Invalid(f"min_severity must be one of {', '.join(SEVERITIES)}")
    if "secret" in changes:
        _set_secret(point, changes.pop("secret"))
    for field, value in changes.items():
        setattr(point, field, value)
    db.flush()
    return point


def delete_point(db: Session, actor: Actor, point_id: str) -> None:
    """Switched off rather than deleted: notifications already sent keep naming it."""
    point = get_point(db, actor, point_id)
    point.active = False
    db.flush()
