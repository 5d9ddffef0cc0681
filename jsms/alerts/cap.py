"""An alert as a CAP 1.2 message (OASIS Common Alerting Protocol), for control rooms and
systems that speak it.

msgType follows the alert's life: `Alert` while it is open and untouched, `Update` once it
was acknowledged or escalated, `Cancel` when it is resolved; updates and the cancel name the
first message in <references>. Scope is Restricted: the message is for the addressed agencies'
control rooms only. The area is a circle around the position and, for a no-go zone, the
zone's polygon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from jsms.alerts.findings import KINDS
from jsms.alerts.models import Alert

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DEFAULT_SENDER = "alerts@jsms.invalid"
RESTRICTION = (
    "JSMS need-to-know: for the control rooms of the addressed agencies only; "
    "do not forward or publish"
)
# severity -> (CAP urgency, CAP severity)
SEVERITY = {
    "critical": ("Immediate", "Severe"),
    "warning": ("Expected", "Moderate"),
    "info": ("Future", "Minor"),
}
# Reported by a person or a device: observed. Inferred: likely or possible.
CERTAINTY = {
    "incident_nearby": "Likely",
    "roll_call_unanswered": "Possible",
    "stale_fix": "Possible",
    "late_departure": "Likely",
    "overdue_check_in": "Likely",
}
RESPONSE = {"sos": "Execute", "duress": "Execute", "need_help": "Execute", "no_go_entry": "Avoid"}
CIRCLE_KM = 0.5  # around the last position when its accuracy is not known


@dataclass(frozen=True)
class Addressed:
    """What the message adds to the alert: whom it is for and which movement it concerns."""

    addresses: Sequence[str]  # agency short names
    movement_reference: str | None = None
    sender: str = DEFAULT_SENDER


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset, never 'Z'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def msg_type(alert: Alert) -> str:
    if alert.status == "resolved":
        return "Cancel"
    if alert.status == "acknowledged" or alert.escalation_step > 0:
        return "Update"
    return "Alert"


def _identifier(alert: Alert, version: int) -> str:
    return f"jsms-alert-{alert.id}" + (f"-{version}" if version else "")


def _address_list(names: Sequence[str]) -> str:
    return " ".join(f'"{n}"' if " " in n else n for n in names)


def _polygon(zone: Any) -> str | None:
    """A GeoJSON Polygon's outer ring as CAP pairs 'lat,lon ...' (closed, 4+ points)."""
    if not isinstance(zone, dict) or zone.get("type") != "Polygon":
        return None
    try:
        ring = [(float(lon), float(lat)) for lon, lat, *_ in zone["coordinates"][0]]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        return None
    return " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in ring)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    element = _sub(parent, tag)
    _sub(element, "valueName", name)
    _sub(element, "value", value)


def _area(info: ET.Element, alert: Alert) -> None:
    polygon = _polygon(alert.detail.get("zone"))
    if alert.lat is None and polygon is None:
        return
    area = _sub(info, "area")
    _sub(area, "areaDesc", str(alert.detail.get("place") or "position reported with the alert"))
    if polygon:
        _sub(area, "polygon", polygon)
    if alert.lat is not None and alert.lon is not None:
        accuracy = alert.detail.get("accuracy_m")
        radius = max(float(accuracy) / 1000, 0.1) if accuracy else CIRCLE_KM
        _sub(area, "circle", f"{alert.lat:.6f},{alert.lon:.6f} {radius:.2f}")


def to_cap(alert: Alert, addressed: Addressed) -> str:
    """The CAP 1.2 XML document for the alert as it stands now."""
    ET.register_namespace("", NS)
    kind = msg_type(alert)
    changes = [e for e in alert.events if e.action in ("acknowledged", "escalated", "resolved")]
    sent = max([alert.opened_at, *(e.at for e in changes)])
    root = ET.Element(f"{{{NS}}}alert")
    _sub(root, "identifier", _identifier(alert, len(changes) if kind != "Alert" else 0))
    _sub(root, "sender", addressed.sender)
    _sub(root, "sent", cap_time(sent))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", kind)
    _sub(root, "source", "JSMS live monitor")
    _sub(root, "scope", "Restricted")
    _sub(root, "restriction", RESTRICTION)
    if addressed.addresses:
        _sub(root, "addresses", _address_list(addressed.addresses))
    _sub(root, "code", f"JSMS:{alert.kind}")
    if kind != "Alert":
        _sub(root, "note", f"alert is {alert.status}, escalation step {alert.escalation_step}")
        first = f"{addressed.sender},{_identifier(alert, 0)},{cap_time(alert.opened_at)}"
        _sub(root, "references", first)
    if addressed.movement_reference:
        _sub(root, "incidents", addressed.movement_reference)
    info = _sub(root, "info")
    _sub(info, "language", "en-GB")
    _sub(info, "category", "Security")
    _sub(info, "event", KINDS[alert.kind])
    response = "AllClear" if kind == "Cancel" else RESPONSE.get(alert.kind, "Monitor")
    _sub(info, "responseType", response)
    urgency, severity = SEVERITY[alert.severity]
    _sub(info, "urgency", "Past" if kind == "Cancel" else urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", CERTAINTY.get(alert.kind, "Observed"))
    _pair(info, "eventCode", "JSMS", alert.kind)
    _sub(info, "onset", cap_time(alert.opened_at))
    _sub(info, "senderName", "JSMS joint control room")
    _sub(info, "headline", alert.title[:160])
    what = (
        f"{alert.title}. Seen {alert.repeats + 1} time(s), last at {cap_time(alert.last_seen_at)}."
    )
    if addressed.movement_reference:
        what += f" Movement {addressed.movement_reference}."
    _sub(info, "description", what)
    _pair(info, "parameter", "escalationStep", str(alert.escalation_step))
    _pair(info, "parameter", "status", alert.status)
    _area(info, alert)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


# Advisories ----------------------------------------------------------------------------------
# An analyst's threat-level override or a notable incident, as a CAP message too
# (jsms.exchange.advisories builds them; the Atom feed lists them beside the alerts).


@dataclass(frozen=True)
class Advisory:
    """One advisory message as CAP carries it.

    `key` names the advisory across its messages ("override-<id>"); `version` tells an
    update's identifier from the first message's, which updates and the cancel reference.
    Polygons and circles are CAP text ("lat,lon lat,lon ..." and "lat,lon radius-km").
    """

    key: str
    msg_type: str  # Alert | Update | Cancel
    version: str
    first_sent: datetime
    sent: datetime
    event: str
    headline: str
    description: str
    urgency: str
    severity: str
    certainty: str
    response: str
    onset: datetime
    expires: datetime | None
    area_desc: str
    polygons: Sequence[str] = ()
    circles: Sequence[str] = ()
    restriction: str = RESTRICTION
    code: str = "JSMS:advisory"
    parameters: Sequence[tuple[str, str]] = ()


def advisory_identifier(advisory: Advisory, *, first: bool = False) -> str:
    """The CAP identifier of the advisory's message (`first`: of its first message)."""
    base = f"jsms-advisory-{advisory.key}"
    return base if first or advisory.msg_type == "Alert" else f"{base}-{advisory.version}"


def advisory_to_cap(advisory: Advisory, addressed: Addressed) -> str:
    """The CAP 1.2 XML document of an advisory as it stands now."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}alert")
    _sub(root, "identifier", advisory_identifier(advisory))
    _sub(root, "sender", addressed.sender)
    _sub(root, "sent", cap_time(advisory.sent))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", advisory.msg_type)
    _sub(root, "source", "JSMS threat picture")
    _sub(root, "scope", "Restricted")
    _sub(root, "restriction", advisory.restriction)
    if addressed.addresses:
        _sub(root, "addresses", _address_list(addressed.addresses))
    _sub(root, "code", advisory.code)
    if advisory.msg_type != "Alert":
        first = advisory_identifier(advisory, first=True)
        _sub(root, "references", f"{addressed.sender},{first},{cap_time(advisory.first_sent)}")
    info = _sub(root, "info")
    _sub(info, "language", "en-GB")
    _sub(info, "category", "Security")
    _sub(info, "event", advisory.event[:200])
    cancelled = advisory.msg_type == "Cancel"
    _sub(info, "responseType", "AllClear" if cancelled else advisory.response)
    _sub(info, "urgency", "Past" if cancelled else advisory.urgency)
    _sub(info, "severity", advisory.severity)
    _sub(info, "certainty", advisory.certainty)
    _pair(info, "eventCode", "JSMS", advisory.key.split("-", 1)[0])
    _sub(info, "onset", cap_time(advisory.onset))
    if advisory.expires is not None:
        _sub(info, "expires", cap_time(advisory.expires))
    _sub(info, "senderName", "JSMS joint threat picture")
    _sub(info, "headline", advisory.headline[:160])
    _sub(info, "description", advisory.description)
    for name, value in advisory.parameters:
        _pair(info, "parameter", name, value)
    if advisory.polygons or advisory.circles:
        area = _sub(info, "area")
        _sub(area, "areaDesc", advisory.area_desc)
        for polygon in advisory.polygons:
            _sub(area, "polygon", polygon)
        for circle in advisory.circles:
            _sub(area, "circle", circle)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
