"""The CAP messages a reader may see now (alerts and advisories), one by one and as an Atom
1.0 feed whose entries link each message's CAP XML (the usual CAP-over-Atom practice).

Need-to-know is the one the alerts and threat APIs apply: alerts of the reader's agency that
the alert rule lets them see (never a silent alert to its sender), overrides to everyone who
reads the risk picture, incidents to incident readers (companies TLP:CLEAR and GREEN only).
Reading the feed is audited as one event; reading a message as that object's read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

from sqlalchemy import ColumnElement, literal, or_, select
from sqlalchemy.orm import Session

from jsms.alerts import service as alerts
from jsms.alerts.api import cap_of
from jsms.alerts.cap import NS as CAP_NS
from jsms.alerts.cap import Addressed, advisory_to_cap
from jsms.alerts.channels.settings import channel_settings
from jsms.alerts.models import Alert
from jsms.audit import service as audit
from jsms.db import UTCDateTime, utcnow
from jsms.errors import NotFound
from jsms.exchange import advisories
from jsms.identity.policy import Actor, can
from jsms.threat import service as threat
from jsms.threat.models import Incident, ThreatOverride

__all__ = ["ATOM_NS", "Message", "atom_feed", "current_messages", "message"]

ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 200
KINDS = ("alert", "override", "incident")


@dataclass(frozen=True)
class Message:
    """One CAP message: its id in our URLs ("alert-<id>", "override-<id>", "incident-<id>")
    and the XML document."""

    message_id: str
    xml: str


def _sender() -> str:
    return channel_settings().cap_sender


def _override_message(db: Session, override: ThreatOverride, now: datetime) -> Message:
    addressed = Addressed(advisories.override_addresses(db, override), None, _sender())
    advisory = advisories.override_advisory(db, override, now)
    return Message(f"override-{override.id}", advisory_to_cap(advisory, addressed))


def _incident_message(db: Session, incident: Incident, now: datetime) -> Message:
    addressed = Addressed(advisories.incident_addresses(db, incident), None, _sender())
    advisory = advisories.incident_advisory(db, incident, now)
    return Message(f"incident-{incident.id}", advisory_to_cap(advisory, addressed))


def _at(moment: datetime) -> ColumnElement[datetime]:
    """A time as the database compares it (UTC, on SQLite too)."""
    return literal(moment, UTCDateTime())


def _alerts(db: Session, actor: Actor, now: datetime) -> list[Message]:
    if not can(actor, "alert.read"):
        return []
    recent = now - advisories.CANCEL_SHOWN
    stmt = alerts.alert_query(actor).where(
        or_(Alert.status != "resolved", Alert.resolved_at >= _at(recent))
    )
    found = [a for a in db.scalars(stmt.limit(MAX_ENTRIES)) if alerts.visible(actor, a)]
    return [Message(f"alert-{a.id}", cap_of(db, a)) for a in found]


def _overrides(db: Session, actor: Actor, now: datetime) -> list[Message]:
    if not can(actor, "risk.read"):
        return []
    found = db.scalars(
        select(ThreatOverride)
        .where(ThreatOverride.expires_at > _at(now - advisories.CANCEL_SHOWN))
        .order_by(ThreatOverride.created_at.desc())
        .limit(MAX_ENTRIES)
    )
    return [_override_message(db, o, now) for o in found]


def _incidents(db: Session, actor: Actor, now: datetime) -> list[Message]:
    if not can(actor, "incident.read"):
        return []
    since = now - timedelta(days=advisories.INCIDENT_DAYS) - advisories.CANCEL_SHOWN
    found = db.scalars(
        threat.incident_query(actor)
        .where(Incident.review_status == "accepted", Incident.occurred_at >= _at(since))
        .limit(MAX_ENTRIES * 5)
    )
    return [_incident_message(db, i, now) for i in found if advisories.is_notable(i, now)]


def current_messages(db: Session, actor: Actor, now: datetime | None = None) -> list[Message]:
    """Every current CAP message `actor` may see, newest first; audited as one read."""
    now = now or utcnow()
    found = [*_alerts(db, actor, now), *_overrides(db, actor, now), *_incidents(db, actor, now)]
    found.sort(key=lambda m: _field(m.xml, "sent"), reverse=True)
    found = found[:MAX_ENTRIES]
    counts = {k: sum(m.message_id.startswith(f"{k}-") for m in found) for k in KINDS}
    audit.record(db, action="cap.feed.read", object_type="cap_feed", detail=counts, actor=actor)
    return found


def message(db: Session, actor: Actor, message_id: str, now: datetime | None = None) -> Message:
    """One CAP message by its id, if `actor` may see it (else NotFound); audited."""
    now = now or utcnow()
    kind, _, object_id = message_id.partition("-")
    missing = NotFound(f"no CAP message {message_id}")
    if kind == "alert" and can(actor, "alert.read"):
        return Message(message_id, cap_of(db, alerts.get_alert(db, actor, object_id)))
    if kind == "override" and can(actor, "risk.read"):
        override = db.get(ThreatOverride, object_id)
        if override is None:
            raise missing
        audit.record(db, action="cap.read", object_type="threat_override", object_id=override.id)
        return _override_message(db, override, now)
    if kind == "incident" and can(actor, "incident.read"):
        incident = db.scalar(threat.incident_query(actor).where(Incident.id == object_id))
        if incident is None or not advisories.is_notable(incident, now):
            raise missing
        audit.record(db, action="cap.read", object_type="incident", object_id=incident.id)
        return _incident_message(db, incident, now)
    raise missing


# The Atom feed ---------------------------------------------------------------------------------


def _field(document: str, tag: str) -> str:
    found = ET.fromstring(document).find(f"{{{CAP_NS}}}{tag}")
    return found.text or "" if found is not None else ""


def _atom(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, found: Message, href: str) -> None:
    root = ET.fromstring(found.xml)
    cap = {"cap": CAP_NS}

    def text(path: str) -> str:
        element = root.find(path, cap)
        return (element.text or "") if element is not None else ""

    sent, kind = text("cap:sent"), text("cap:msgType")
    references = text("cap:references")
    first_sent = references.rsplit(",", 1)[-1] if references else sent
    entry = _atom(feed, "entry")
    _atom(entry, "id", f"urn:jsms:cap:{text('cap:identifier')}")
    _atom(entry, "title", text("cap:info/cap:headline") or text("cap:info/cap:event"))
    _atom(entry, "updated", sent)
    _atom(entry, "published", first_sent)
    summary = f"{kind}: {text('cap:info/cap:event')}. {text('cap:info/cap:description')}"
    _atom(entry, "summary", summary[:1000])
    _atom(entry, "category", term=kind, label=f"CAP msgType {kind}")
    _atom(entry, "link", rel="alternate", type="application/cap+xml", href=href)


def atom_feed(
    messages: list[Message],
    *,
    self_url: str,
    message_url: Callable[[str], str],
    reader: str,
    now: datetime,
) -> str:
    """An Atom 1.0 feed of `messages` (newest first), each entry linking its CAP XML."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _atom(feed, "id", self_url)
    _atom(feed, "title", f"JSMS CAP messages for {reader}")
    _atom(feed, "subtitle", "Alerts and advisories you may see (CAP 1.2, scope Restricted)")
    newest = _field(messages[0].xml, "sent") if messages else None
    _atom(feed, "updated", newest or now.isoformat(timespec="seconds"))
    author = _atom(feed, "author")
    _atom(author, "name", "JSMS joint control room")
    _atom(feed, "generator", "JSMS")
    _atom(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    for found in messages:
        _entry(feed, found, message_url(found.message_id))
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)
