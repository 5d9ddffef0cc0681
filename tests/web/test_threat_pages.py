"""Incidents in the browser: the list filtered in the query, need-to-know by TLP, one incident
with its sources side by side, and the analyst's marking of verification and TLP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.threat.models import Incident
from jsms.threat.service import create_incident, load_curated_incidents
from tests.conftest import World
from tests.movements.conftest import actor_of
from tests.web.conftest import csrf_of
from tests.web.forms import token_of_form

AIRPORT = "Suicide VBIED on a convoy of Port Qasim power plant engineers leaving Karachi airport"
BESHAM = "Suicide car bomb on a convoy of Chinese engineers near Besham"


@pytest.fixture
def history(db: Session) -> dict[str, str]:
    """The curated record, one AMBER report and one report waiting for review."""
    load_curated_incidents(db)
    amber = create_incident(
        db,
        sources=[],
        review_status="accepted",
        title="Threat letter to the Hub camp (AMBER)",
        occurred_at=datetime(2024, 10, 20, tzinfo=UTC),
        attack_type="threat",
        province="Balochistan",
        tlp="amber",
    )
    pending = create_incident(
        db,
        sources=[],
        review_status="pending",
        origin="osint",
        title="Blast near a Gwadar port gate (waiting)",
        occurred_at=datetime(2024, 10, 21, tzinfo=UTC),
        attack_type="ied",
        province="Balochistan",
    )
    db.commit()
    airport = db.scalar(select(Incident.id).where(Incident.title == AIRPORT))
    assert airport is not None
    return {"airport": airport, "amber": amber.id, "pending": pending.id}


def test_the_list_filters_by_date_province_type_and_origin(
    browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("ops_officer")
    october = client.get(
        "/incidents", params={"since": "2024-10-01", "until": "2024-10-31", "province": "Sindh"}
    )
    assert october.status_code == 200
    assert AIRPORT in october.text
    assert BESHAM not in october.text  # March, KP
    assert "Threat letter" not in october.text  # Balochistan
    assert "2\u20133" in october.text  # killed across the airport's three sources
    bombs = client.get("/incidents", params={"attack_type": "vbied", "origin": "curated"}).text
    assert BESHAM in bombs and "Threat letter" not in bombs
    threats = client.get("/incidents", params={"attack_type": "threat"}).text
    assert "Threat letter" in threats and AIRPORT not in threats


def test_until_includes_its_own_day(browse, client: TestClient, history: dict[str, str]) -> None:
    browse("analyst")
    same_day = client.get("/incidents", params={"since": "2024-10-06", "until": "2024-10-06"})
    assert AIRPORT in same_day.text


def test_a_company_never_sees_an_amber_incident(
    browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("requester")
    listed = client.get("/incidents", params={"attack_type": "threat"})
    assert listed.status_code == 200
    assert "Threat letter" not in listed.text
    direct = client.get(f"/incidents/{history['amber']}")
    assert direct.status_code == 404
    assert "Threat letter" not in direct.text


def test_only_analysts_look_past_the_accepted_record(
    browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("ops_officer")
    ops = client.get("/incidents", params={"review_status": "pending"}).text
    assert "Gwadar port gate" not in ops
    assert 'name="review_status"' not in ops
    browse("analyst")
    analyst = client.get("/incidents", params={"review_status": "pending"}).text
    assert "Gwadar port gate" in analyst
    assert AIRPORT not in analyst


def test_an_unreadable_filter_is_shown_beside_the_field(
    browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("analyst")
    page = client.get("/incidents", params={"since": "last tuesday", "attack_type": "poison"})
    assert page.status_code == 422
    assert 'id="e-since"' in page.text and 'id="e-attack_type"' in page.text
    assert 'value="last tuesday"' in page.text  # the input is kept
    assert AIRPORT not in page.text


def test_the_list_pages_through_thousands_in_the_query(
    db: Session, browse, client: TestClient, world: World
) -> None:
    create_many = [
        {
            "id": f"bulk-{n:05d}",
            "created_at": datetime(2020, 1, 1, tzinfo=UTC),
            "updated_at": datetime(2020, 1, 1, tzinfo=UTC),
            "title": f"Bulk event {n:05d}",
            "occurred_at": datetime(2015, 1, 1, tzinfo=UTC).replace(day=1 + n % 28),
            "time_precision": "day",
            "attack_type": "armed_assault",
            "nationals": {},
            "verification": "probable",
            "tlp": "clear",
            "origin": "gtd",
            "external_key": f"k{n}",
            "review_status": "accepted",
            "severity": 1.0,
            "notes": "",
        }
        for n in range(3000)
    ]
    db.execute(insert(Incident), create_many)
    db.commit()
    browse("analyst")
    first = client.get("/incidents")
    assert "Page 1 of 120 (3000 in all)" in first.text
    last = client.get("/incidents", params={"page": 120})
    assert last.status_code == 200 and "Bulk event" in last.text
    assert 'rel="next"' not in last.text


def test_one_incident_shows_every_source_side_by_side_and_the_range(
    browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("requester")  # TLP:CLEAR: companies read it too
    page = client.get(f"/incidents/{history['airport']}")
    assert page.status_code == 200
    text = page.text
    for outlet in ("News.Az", "Dawn", "Moneytreck"):
        assert f'<th scope="col">{outlet}</th>' in text
    assert "Range across sources" in text
    assert "killed 2\u20133 · injured 10\u201317" in text
    assert "Baloch Liberation Army" in text  # claimed
    assert "Three people, including two Chinese nationals" in text  # Dawn's own words
    assert 'data-map="incident-map"' in text  # the place on a map, data inline
    assert '"type": "Point"' in text or '"type":"Point"' in text
    assert 'action="/incidents/' not in text  # companies do not mark incidents


def test_the_marking_is_saved_and_audited_with_the_values(
    db: Session, browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("analyst")
    page = client.get(f"/incidents/{history['amber']}")
    token = token_of_form(page.text, f"/incidents/{history['amber']}/marking")
    done = client.post(
        f"/incidents/{history['amber']}/marking",
        data={"csrf_token": token, "verification": "confirmed", "tlp": "green"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get(done.headers["location"]).text.count("Marking saved.") == 1
    db.rollback()
    incident = db.get(Incident, history["amber"])
    assert incident is not None
    assert (incident.verification, incident.tlp) == ("confirmed", "green")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "incident.marked"))
    assert event is not None and event.object_id == history["amber"]
    assert event.detail["before"] == {"verification": "unverified", "tlp": "amber"}


def test_a_bad_marking_rerenders_with_the_reason_and_changes_nothing(
    db: Session, browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("analyst")
    page = client.get(f"/incidents/{history['amber']}").text
    token = token_of_form(page, f"/incidents/{history['amber']}/marking")
    bad = client.post(
        f"/incidents/{history['amber']}/marking",
        data={"csrf_token": token, "verification": "certain", "tlp": "green"},
    )
    assert bad.status_code == 422
    assert 'id="e-verification"' in bad.text
    assert "Marking saved" not in bad.text
    db.rollback()
    incident = db.get(Incident, history["amber"])
    assert incident is not None and (incident.verification, incident.tlp) == ("unverified", "amber")


def test_marking_needs_the_form_token_and_the_permission(
    db: Session, browse, client: TestClient, history: dict[str, str]
) -> None:
    browse("analyst")
    forged = client.post(
        f"/incidents/{history['airport']}/marking",
        data={"verification": "unverified", "tlp": "red"},
    )
    assert forged.status_code == 403
    browse("approver")
    token = csrf_of(client.get(f"/incidents/{history['airport']}").text)
    refused = client.post(
        f"/incidents/{history['airport']}/marking",
        data={"csrf_token": token, "verification": "unverified", "tlp": "red"},
    )
    assert refused.status_code == 403
    assert "<h1>Not allowed</h1>" in refused.text
    db.rollback()
    incident = db.get(Incident, history["airport"])
    assert incident is not None and incident.tlp == "clear"


def test_the_api_marks_an_incident_the_same_way(
    db: Session, client: TestClient, login_as, history: dict[str, str]
) -> None:
    analyst = login_as("analyst")
    answer = client.patch(
        f"/api/v1/incidents/{history['airport']}",
        headers=analyst.headers,
        json={"verification": "confirmed", "tlp": "amber"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["tlp"] == "amber"
    requester = login_as("requester")
    gone = client.get(f"/api/v1/incidents/{history['airport']}", headers=requester.headers)
    assert gone.status_code == 404  # AMBER now: no longer shared with companies
    refused = client.patch(
        f"/api/v1/incidents/{history['airport']}",
        headers=requester.headers,
        json={"verification": "confirmed", "tlp": "clear"},
    )
    assert refused.status_code == 403


def test_a_protectee_is_refused_with_a_page(
    db: Session, browse, client: TestClient, world: World, history: dict[str, str]
) -> None:
    company = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    person = registry.create_person(db, company, full_name="Wang Fang", nationality="CN")
    db.commit()
    browse("protectee", person_id=person.id)
    page = client.get("/incidents")
    assert page.status_code == 403
    assert "<h1>Not allowed</h1>" in page.text
    assert page.headers["content-type"].startswith("text/html")
