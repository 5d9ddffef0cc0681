"""Advisories: an analyst's threat-level override, or a notable incident, as a CAP message.

An advisory lives like an alert: `Alert` when it starts, `Update` once its record changed,
`Cancel` when it expires (an override at its expiry; an incident advisory a week after the
incident). Cancels stay in the feed for a day, so a reader polling now and then hears of them.

A notable incident is an accepted one of the last week that hurt foreign nationals or is
severe (a mass-casualty method, or several killed). Addresses name the agencies an advisory
is for: the host force answering for the province, every guest detail and the companies with
a site there (only for TLP:CLEAR and GREEN incidents, which companies may read).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import h3
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts.cap import RESTRICTION, Advisory
from jsms.errors import Invalid
from jsms.exchange.cap_areas import CapArea, area_of, circle
from jsms.geo.gazetteer import load_gazetteer
from jsms.geo.models import AdminArea
from jsms.geo.service import locate
from jsms.identity.models import Agency
from jsms.identity.roles import Side
from jsms.movements.approvals import host_for
from jsms.registry.models import Site
from jsms.threat.models import Incident, ThreatOverride
from jsms.threat.risk import level_name

__all__ = [
    "CANCEL_SHOWN",
    "INCIDENT_DAYS",
    "addresses_for",
    "incident_advisory",
    "is_notable",
    "override_advisory",
]

INCIDENT_DAYS = 7  # an incident advisory stands this long after the incident
CANCEL_SHOWN = timedelta(days=1)  # a cancel stays in the feed this long
NOTABLE_SEVERITY = 4.0  # e.g. a suicide or vehicle bomb, or a shooting that killed several
INCIDENT_RADIUS_KM = 10.0
CHANGED = timedelta(seconds=1)  # a record saved again within a second was not changed

# threat level -> (urgency, severity, certainty, response)
LEVEL_TERMS = {
    1: ("Future", "Minor", "Unlikely", "Monitor"),
    2: ("Future", "Minor", "Possible", "Monitor"),
    3: ("Future", "Moderate", "Possible", "Monitor"),
    4: ("Expected", "Moderate", "Possible", "Prepare"),
    5: ("Expected", "Severe", "Likely", "Avoid"),
    6: ("Immediate", "Extreme", "Likely", "Avoid"),
}
CERTAINTY = {"confirmed": "Observed", "probable": "Likely", "unverified": "Possible"}


def _tlp_restriction(tlp: str) -> str:
    return f"TLP:{tlp.upper()}. {RESTRICTION}"


def _phase(created: datetime, updated: datetime, ends: datetime, now: datetime) -> str:
    if now >= ends:
        return "Cancel"
    return "Update" if updated - created > CHANGED else "Alert"


def _sent(kind: str, created: datetime, updated: datetime, ends: datetime) -> datetime:
    return {"Alert": created, "Update": updated, "Cancel": ends}[kind]


def _version(kind: str, updated: datetime) -> str:
    return "cancel" if kind == "Cancel" else f"u{int(updated.timestamp())}"


# Whom it is for --------------------------------------------------------------------------------


def _province_of(db: Session, kind: str, area: str) -> str | None:
    """The province an override's area lies in."""
    if kind == "province":
        return area
    if kind == "cell":
        lat, lon = h3.cell_to_latlng(area)
        return locate(db, lat, lon).province
    parent = db.scalar(
        select(AdminArea.parent_name).where(AdminArea.level == 2, AdminArea.name == area)
    )
    if parent:
        return str(parent)
    return next((p.province for p in load_gazetteer().places if p.district == area), None)


def addresses_for(db: Session, province: str | None, *, companies: bool = True) -> list[str]:
    """Short names of the agencies an advisory for `province` is for."""
    agencies: set[str] = set()
    if province:
        with contextlib.suppress(Invalid):  # no host force answers for it
            agencies.add(host_for(db, province).short_name)
    agencies |= set(
        db.scalars(
            select(Agency.short_name).where(
                Agency.side == Side.GUEST.value, Agency.active.is_(True)
            )
        )
    )
    if companies and province:
        agencies |= set(
            db.scalars(
                select(Agency.short_name)
                .join(Site, Site.client_agency_id == Agency.id)
                .where(Site.province == province, Agency.active.is_(True))
            )
        )
    return sorted(agencies)


# Overrides -----------------------------------------------------------------------------------


def _area_words(kind: str, area: str) -> str:
    """How a reader knows the area: an H3 cell by the place nearest its centre."""
    if kind != "cell":
        return area
    lat, lon = h3.cell_to_latlng(area)
    gazetteer = load_gazetteer()
    curated = gazetteer.nearest_curated(lat, lon)  # known places first, as province_of does
    place = curated[0] if curated and curated[1] <= 25 else gazetteer.nearest(lat, lon)[0]
    return f"Area around {place.name}"


def override_advisory(db: Session, override: ThreatOverride, now: datetime) -> Advisory:
    """An analyst's override as an advisory: from its start until it expires."""
    kind = _phase(override.created_at, override.updated_at, override.expires_at, now)
    urgency, severity, certainty, response = LEVEL_TERMS[override.level]
    name = level_name(override.level)
    area = area_of(db, override.area_kind, override.area)
    return Advisory(
        key=f"override-{override.id}",
        msg_type=kind,
        version=_version(kind, override.updated_at),
        first_sent=override.created_at,
        sent=_sent(kind, override.created_at, override.updated_at, override.expires_at),
        event=f"Threat level {override.level} ({name}) set by an analyst",
        headline=f"{_area_words(override.area_kind, override.area)}: threat level "
        f"{override.level} {name}",
        description=(
            f"An analyst set the threat level of {area.desc} to "
            f"{override.level} ({name}), replacing the computed level, because: "
            f"{override.reason}"
        ),
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        response=response,
        onset=override.starts_at,
        expires=override.expires_at,
        area_desc=area.desc,
        polygons=area.polygons,
        restriction=_tlp_restriction("green"),
        code="JSMS:advisory:override",
        parameters=(("threatLevel", str(override.level)), ("areaKind", override.area_kind)),
    )


def override_addresses(db: Session, override: ThreatOverride) -> list[str]:
    return addresses_for(db, _province_of(db, override.area_kind, override.area))


# Incidents -----------------------------------------------------------------------------------


def _foreign_victims(incident: Incident) -> int:
    return sum(
        int(v.get("killed") or 0) + int(v.get("injured") or 0)
        for code, v in (incident.nationals or {}).items()
        if code != "PK" and isinstance(v, dict)
    )


def incident_ends(incident: Incident) -> datetime:
    return incident.occurred_at + timedelta(days=INCIDENT_DAYS)


def is_notable(incident: Incident, now: datetime) -> bool:
    """Accepted, of the last week (or its cancel still shown), and hurting foreigners or
    severe."""
    if incident.review_status != "accepted" or incident.occurred_at > now:
        return False
    if now >= incident_ends(incident) + CANCEL_SHOWN:
        return False
    return _foreign_victims(incident) > 0 or incident.severity >= NOTABLE_SEVERITY


def _incident_area(db: Session, incident: Incident) -> CapArea:
    where = incident.place_name or incident.district or incident.province or "unknown place"
    if incident.lat is not None and incident.lon is not None:
        return CapArea(
            f"within {INCIDENT_RADIUS_KM:.0f} km of {where}",
            circles=(circle(incident.lat, incident.lon, INCIDENT_RADIUS_KM),),
        )
    if incident.province:
        return area_of(db, "province", incident.province)
    return CapArea(where)


def _figures(incident: Incident) -> str:
    parts = []
    if incident.killed is not None:
        parts.append(f"{incident.killed} killed")
    if incident.injured is not None:
        parts.append(f"{incident.injured} injured")
    foreign = _foreign_victims(incident)
    if foreign:
        parts.append(f"{foreign} foreign nationals among the victims")
    return ", ".join(parts) or "casualties not known"


def incident_advisory(db: Session, incident: Incident, now: datetime) -> Advisory:
    """A notable incident as an advisory for the week after it."""
    ends = incident_ends(incident)
    kind = _phase(incident.created_at, incident.updated_at, ends, now)
    severity = (
        "Extreme"
        if incident.severity >= 2 * NOTABLE_SEVERITY
        else "Severe"
        if incident.severity >= NOTABLE_SEVERITY
        else "Moderate"
    )
    area = _incident_area(db, incident)
    where = incident.place_name or incident.district or incident.province or "an unknown place"
    by = incident.perpetrator_claimed or incident.perpetrator_attributed
    description = (
        f"{incident.attack_type.replace('_', ' ').capitalize()} at {where} on "
        f"{incident.occurred_at:%Y-%m-%d}: {_figures(incident)}."
        + (f" Claimed or attributed: {by}." if by else "")
        + f" Verification: {incident.verification}; {len(incident.sources)} source(s)."
        + " Expect a raised threat nearby; review movements in the area."
    )
    return Advisory(
        key=f"incident-{incident.id}",
        msg_type=kind,
        version=_version(kind, incident.updated_at),
        first_sent=incident.created_at,
        sent=_sent(kind, incident.created_at, incident.updated_at, ends),
        event=f"Security incident: {incident.attack_type.replace('_', ' ')}",
        headline=incident.title,
        description=description,
        urgency="Expected",
        severity=severity,
        certainty=CERTAINTY.get(incident.verification, "Possible"),
        response="Monitor",
        onset=incident.occurred_at,
        expires=ends,
        area_desc=area.desc,
        polygons=area.polygons,
        circles=area.circles,
        restriction=_tlp_restriction(incident.tlp),
        code="JSMS:advisory:incident",
        parameters=(("tlp", incident.tlp), ("verification", incident.verification)),
    )


def incident_addresses(db: Session, incident: Incident) -> list[str]:
    return addresses_for(db, incident.province, companies=incident.tlp in ("clear", "green"))
