"""A host's threat picture to share, and a guest partner with an agreement, for the STIX and
TAXII tests (imported as fixtures by those test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from jsms.exchange import service as exchange
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.threat.models import Incident
from jsms.threat.service import create_incident

PERSON = "Wang Jianguo"


def host_admin(agency_id: str) -> Actor:
    return Actor(
        user_id="test-admin",
        username="admin-test",
        agency_id=agency_id,
        side=Side.HOST,
        roles=frozenset({Role.ADMIN}),
    )


def incident(db: Session, key: str, **fields: object) -> Incident:
    values: dict[str, object] = {
        "title": f"IED at Besham ({key})",
        "occurred_at": datetime(2024, 3, 26, 9, 0, tzinfo=UTC),
        "time_precision": "day",
        "place_name": "Besham",
        "district": "Shangla",
        "province": "Khyber Pakhtunkhwa",
        "lat": 34.912763,
        "lon": 72.868431,
        "attack_type": "vbied",
        "target_type": "convoy of foreign engineers",
        "killed": 6,
        "injured": 0,
        "nationals": {"CN": {"killed": 5}, "PK": {"killed": 1}},
        "perpetrator_claimed": None,
        "perpetrator_attributed": "TTP",
        "verification": "confirmed",
        "tlp": "green",
        "notes": f"analyst note: driver {PERSON} survived",
    }
    values.update(fields)
    sources = [
        {
            "outlet": "Dawn",
            "url": f"https://www.dawn.com/news/{key}",
            "published_at": datetime(2024, 3, 26, 15, 0, tzinfo=UTC),
            "killed": 6,
            "injured": 0,
            "nationals": {"CN": {"killed": 5}},
            "evidence": {},
        }
    ]
    return create_incident(
        db, sources=sources, review_status="accepted", external_key=key, **values
    )


@dataclass
class Sharing:
    host: Actor
    partner_id: str
    secret: str
    clear: str
    green: str
    amber: str


@pytest.fixture
def sharing(db: Session, world) -> Sharing:
    """Three incidents (clear, green, amber) and a guest partner whose agreement shares up to
    green, with notes and source URLs removed and coordinates rounded to 2 decimals."""
    admin = host_admin(world.host_sindh)
    company = Actor("c", "clerk", world.company_a, Side.CLIENT, frozenset({Role.REQUESTER}))
    registry.create_person(db, company, full_name=PERSON, nationality="CN")
    clear = incident(db, "clear", tlp="clear", perpetrator_claimed="BLA")
    green = incident(db, "green")
    amber = incident(db, "amber", tlp="amber", title="Amber-only raid near Dasu")
    made = exchange.create_partner(
        db, admin, name="Guest detail instance", agency_id=world.guest, trust_group="CPEC joint"
    )
    exchange.set_agreement(
        db,
        admin,
        made.partner.id,
        object_types=["incident", "location", "threat-actor", "report", "sighting", "identity"],
        max_tlp="green",
        removed_fields=["notes", "source_urls"],
        coordinate_decimals=2,
    )
    db.commit()
    return Sharing(admin, made.partner.id, made.inbound_secret, clear.id, green.id, amber.id)
