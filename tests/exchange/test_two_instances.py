"""Two sovereign instances, a host-run and a guest-run JSMS (separate databases, key files and
`jsms serve` processes), exchange incidents over TAXII 2.1 under their agreements; checked
field by field that exactly what the agreement allows crossed, and nothing more."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exchange.instances import Instance, new_instance

GROUP = "cpec-joint"
HOST_SECRET = "guest-pulls-from-host-with-this-secret-0001"
GUEST_SECRET = "host-pulls-from-guest-with-this-secret-0002"
PERSON = "Zhang Wei"

HOST_PICTURE = f"""
from datetime import UTC, datetime, timedelta
from sqlalchemy import select
from jsms.db import transaction
from jsms.identity import service as identity
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.movements.models import Movement
from jsms.registry import service as registry
from jsms.threat.service import create_incident

with transaction('setup') as db:
    company = identity.create_agency(db, name='Hydro Co', short_name='HYD', side=Side.CLIENT,
                                     country='CN', provinces=[])
    clerk = Actor('c', 'clerk', company.id, Side.CLIENT, frozenset({{Role.REQUESTER}}))
    registry.create_person(db, clerk, full_name='{PERSON}', nationality='CN',
                           passport_number='E12345678')
    user = identity.create_user(db, username='req.hyd', display_name='Req', agency_id=company.id,
                                roles=[Role.REQUESTER], password='a-long-password-1')
    ids = {{}}
    for tlp, killed in (('clear', 2), ('green', 6), ('amber', 11)):
        incident = create_incident(
            db,
            sources=[{{'outlet': 'Dawn', 'url': f'https://www.dawn.com/news/{{tlp}}',
                       'published_at': datetime(2024, 3, 27, tzinfo=UTC), 'killed': killed,
                       'nationals': {{'CN': {{'killed': 1}}}}}}],
            review_status='accepted',
            title=f'VBIED on convoy near Dasu ({{tlp}})',
            occurred_at=datetime(2024, 3, 26, 9, 30, tzinfo=UTC),
            place_name='Dasu', district='Upper Kohistan', province='Khyber Pakhtunkhwa',
            lat=35.291876, lon=73.290512, attack_type='vbied',
            target_type='bus of foreign engineers', killed=killed, injured=1,
            nationals={{'CN': {{'killed': killed - 1}}, 'PK': {{'killed': 1}}}},
            perpetrator_attributed='TTP', verification='confirmed', tlp=tlp,
            notes='escort commander reports driver {PERSON} hurt; source HUMINT-7',
        )
        ids[tlp] = incident.id
    departure = datetime.now(UTC) + timedelta(days=2)
    db.add(Movement(reference='MV-SECRET-0042', purpose='Engineers to the Dasu dam site',
                    client_agency_id=company.id, created_by=user.user.id, status='approved',
                    origin_name='Karakoram Camp 3', origin_lat=35.2, origin_lon=73.2,
                    destination_name='Dasu Dam Adit 5', destination_lat=35.3,
                    destination_lon=73.3, departure_at=departure,
                    arrival_at=departure + timedelta(hours=2), passenger_ids=[],
                    vehicles=[], route={{'type': 'LineString',
                    'coordinates': [[73.2, 35.2], [73.3, 35.3]]}},
                    jurisdictions=['Khyber Pakhtunkhwa']))
print(__import__('json').dumps(ids))
"""

GUEST_PICTURE = """
from datetime import UTC, datetime
from jsms.db import transaction
from jsms.threat.service import create_incident

with transaction('setup') as db:
    create_incident(db, sources=[], review_status='accepted',
                    title='Suspicious vehicle at the Karachi airport gate',
                    occurred_at=datetime(2024, 10, 6, 23, 0, tzinfo=UTC),
                    place_name='Karachi', province='Sindh', lat=24.8985, lon=67.1681,
                    attack_type='threat', verification='probable', tlp='green',
                    notes='guest-side note')
print('null')
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance]]:
    folder: Path = tmp_path_factory.mktemp("two-instances")
    host = new_instance(folder / "host", "host")
    guest = new_instance(folder / "guest", "guest")
    host.serve()
    guest.serve()
    yield host, guest
    host.stop()
    guest.stop()


def _guest_incidents(guest: Instance) -> dict[str, dict[str, object]]:
    rows = guest.rows("SELECT * FROM incidents WHERE origin = 'partner'")
    return {str(r["title"]): r for r in rows}


def test_incidents_cross_over_taxii_exactly_as_the_agreement_allows(
    pair: tuple[Instance, Instance],
) -> None:
    host, guest = pair
    ids = host.python(HOST_PICTURE)
    guest.python(GUEST_PICTURE)

    # Each side registers the other and the terms on which it shares.
    host.jsms(
        "exchange", "partner", "add", "Guest instance", "--agency", "GSD", "--owner", "SPU-S",
        "--trust-group", GROUP, "--inbound-username", "guest-instance",
        "--inbound-secret", HOST_SECRET,
        "--taxii-url", f"{guest.url}/taxii2/{GROUP}/", "--pull-username", "host-instance",
        "--pull-secret", GUEST_SECRET,
    )  # fmt: skip
    host.jsms(
        "exchange", "agreement", "Guest instance", "--types",
        "incident,location,threat-actor,report,identity", "--max-tlp", "green",
        "--remove", "nationals,source_urls,notes", "--round", "2",
    )  # fmt: skip
    guest.jsms(
        "exchange", "partner", "add", "Host instance", "--agency", "SPU-S", "--owner", "GSD",
        "--trust-group", GROUP, "--inbound-username", "host-instance",
        "--inbound-secret", GUEST_SECRET,
        "--taxii-url", f"{host.url}/taxii2/{GROUP}/", "--pull-username", "guest-instance",
        "--pull-secret", HOST_SECRET,
    )  # fmt: skip
    guest.jsms("exchange", "agreement", "Host instance", "--max-tlp", "green")

    said = guest.jsms("exchange", "pull", "Host instance")
    assert "2 incidents received: 2 created" in said

    crossed = _guest_incidents(guest)
    assert set(crossed) == {
        "VBIED on convoy near Dasu (clear)",
        "VBIED on convoy near Dasu (green)",
    }, "amber must not cross when the agreement says green"
    for tlp, killed in (("clear", 2), ("green", 6)):
        row = crossed[f"VBIED on convoy near Dasu ({tlp})"]
        assert row["tlp"] == tlp
        assert (row["review_status"], row["verification"]) == ("pending", "unverified")
        assert str(row["occurred_at"]).startswith("2024-03-26 09:30:00")
        assert (row["attack_type"], row["killed"], row["injured"]) == ("vbied", killed, 1)
        assert (row["lat"], row["lon"]) == (35.29, 73.29), "coordinates rounded to 2 decimals"
        assert (row["province"], row["place_name"]) == (
            "Khyber Pakhtunkhwa",
            "Dasu, Upper Kohistan",
        )
        assert row["target_type"] == "bus of foreign engineers"
        assert row["perpetrator_attributed"] == "TTP"
        assert json.loads(str(row["nationals"])) == {}, "casualty nationals removed"
        assert "HUMINT" not in str(row["notes"]) and PERSON not in str(row["notes"])
        assert "from partner Host instance (via taxii)" in str(row["notes"])
        [source] = guest.rows("SELECT * FROM incident_sources WHERE incident_id = ?", row["id"])
        assert (source["outlet"], source["url"], source["killed"]) == ("Dawn", None, killed)
        assert json.loads(str(source["nationals"])) == {}

    everything = json.dumps(guest.rows("SELECT * FROM incidents")) + json.dumps(
        guest.rows("SELECT * FROM incident_sources")
    )
    for secret in (PERSON, "E12345678", "MV-SECRET-0042", "Karakoram Camp", "Adit 5", "(amber)"):
        assert secret not in everything
    assert guest.rows("SELECT * FROM movements") == []
    assert guest.rows("SELECT * FROM protected_persons") == []
    sent = guest.rows("SELECT DISTINCT stix_type FROM exchange_imports")
    assert sent == [{"stix_type": "incident"}]

    # A second pull adds nothing.
    again = guest.jsms("exchange", "pull", "Host instance")
    assert "0 incidents received" in again
    assert len(guest.rows("SELECT id FROM incidents")) == 3

    # A change on the host arrives as a newer version of the same incident, still for review.
    host.python(
        "from jsms.db import transaction\n"
        "from jsms.threat.models import Incident\n"
        "with transaction('analyst') as db:\n"
        f"    db.get(Incident, '{ids['green']}').killed = 7\n"
        "print('null')\n"
    )
    third = guest.jsms("exchange", "pull", "Host instance")
    assert "1 incidents received: 1 updated" in third
    assert _guest_incidents(guest)["VBIED on convoy near Dasu (green)"]["killed"] == 7

    # The other way round, under the guest's own agreement.
    host.jsms("exchange", "pull", "Guest instance")
    [back] = host.rows("SELECT * FROM incidents WHERE origin = 'partner'")
    assert back["title"] == "Suspicious vehicle at the Karachi airport gate"
    assert back["review_status"] == "pending"

    # Both sides audited what they sent and received, and their trails still verify.
    served = host.rows("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'taxii.request'")
    assert served[0]["n"] >= 4
    assert host.rows("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'exchange.import'")
    assert guest.rows("SELECT detail FROM audit_events WHERE action = 'exchange.import'")
    host.jsms("audit", "verify")
    guest.jsms("audit", "verify")
