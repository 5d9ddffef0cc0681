"""The OSINT review queue in the browser: each report beside the known incidents it may
duplicate, and accept / reject / merge changing the record exactly as the API does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.threat.models import Incident, IncidentSource
from jsms.threat.service import create_incident, load_curated_incidents
from tests.web.forms import token_of_form

BESHAM = "Suicide car bomb on a convoy of Chinese engineers near Besham"


@pytest.fixture
def queue(db: Session) -> dict[str, str]:
    """The curated record and two field reports waiting: one near Besham, one in Thar."""
    load_curated_incidents(db)
    device = create_incident(
        db,
        sources=[
            {
                "outlet": "KP SSU bomb disposal squad",
                "published_at": datetime(2025, 3, 1, tzinfo=UTC),
                "killed": 0,
                "injured": 0,
                "evidence": {"attack_type": "a pressure device in a culvert north of Besham"},
            }
        ],
        review_status="pending",
        origin="field",
        title="Roadside device defused near Besham",
        occurred_at=datetime(2025, 3, 1, 6, tzinfo=UTC),
        time_precision="hour",
        place_name="Besham",
        lat=34.93,
        lon=72.87,
        province="Khyber Pakhtunkhwa",
        district="Shangla",
        attack_type="ied",
        killed=0,
        injured=0,
    )
    thar = create_incident(
        db,
        sources=[{"outlet": "Thar site log"}],
        review_status="pending",
        origin="field",
        title="Stone thrown at a survey jeep in Thar",
        occurred_at=datetime(2025, 2, 1, tzinfo=UTC),
        place_name="Islamkot",
        lat=24.70,
        lon=70.18,
        province="Sindh",
        attack_type="other",
    )
    db.commit()
    besham = db.scalar(select(Incident.id).where(Incident.title.startswith(BESHAM)))
    assert besham is not None
    return {"device": device.id, "thar": thar.id, "besham": besham}


def _sources_of(db: Session, incident_id: str) -> int:
    return (
        db.scalar(
            select(func.count(IncidentSource.id)).where(IncidentSource.incident_id == incident_id)
        )
        or 0
    )


def _decide(client: TestClient, incident_id: str, **form: str):
    token = token_of_form(client.get(f"/review/{incident_id}").text, f"/review/{incident_id}")
    return client.post(
        f"/review/{incident_id}", data={"csrf_token": token, **form}, follow_redirects=False
    )


def test_the_queue_lists_what_waits_and_the_item_shows_its_candidate_beside_it(
    browse, client: TestClient, queue: dict[str, str]
) -> None:
    browse("analyst")
    listed = client.get("/review")
    assert listed.status_code == 200
    assert "Roadside device defused near Besham" in listed.text
    assert "Stone thrown at a survey jeep" in listed.text
    assert BESHAM not in listed.text  # accepted incidents are not in the queue
    item = client.get(f"/review/{queue['device']}").text
    assert "a pressure device in a culvert north of Besham" in item  # the report's evidence
    assert f'href="/incidents/{queue["besham"]}"' in item  # the known attack beside it
    assert "same kind of attack (bombing); 0 km apart" in item
    assert "before the report: an earlier attack at this place" in item
    assert f'<option value="{queue["besham"]}"' in item  # offered as the merge target


def test_accept_moves_on_to_the_next_report_with_a_flash(
    db: Session, browse, client: TestClient, queue: dict[str, str]
) -> None:
    browse("analyst")
    done = _decide(client, queue["device"], decision="accept", note="confirmed by the squad")
    assert done.status_code == 303
    assert done.headers["location"] == f"/review/{queue['thar']}?decided={queue['device']}"
    assert (
        "Roadside device defused near Besham: accepted."
        in client.get(done.headers["location"]).text
    )
    db.rollback()
    device = db.get(Incident, queue["device"])
    assert device is not None
    assert device.review_status == "accepted"
    assert device.notes.endswith("confirmed by the squad")


def test_reject_and_an_empty_queue_returns_to_the_list(
    db: Session, browse, client: TestClient, queue: dict[str, str]
) -> None:
    browse("analyst")
    _decide(client, queue["device"], decision="reject")
    last = _decide(client, queue["thar"], decision="reject")
    assert last.headers["location"] == f"/review?decided={queue['thar']}"
    assert "The queue is empty" in client.get(last.headers["location"]).text
    db.rollback()
    assert db.get(Incident, queue["thar"]).review_status == "rejected"  # type: ignore[union-attr]


def test_merge_moves_the_source_to_the_chosen_incident_as_the_api_does(
    db: Session, browse, client: TestClient, queue: dict[str, str]
) -> None:
    before = _sources_of(db, queue["besham"])
    browse("analyst")
    done = _decide(client, queue["device"], decision="merge", merge_into=queue["besham"])
    assert done.status_code == 303
    db.rollback()
    device = db.get(Incident, queue["device"])
    assert device is not None
    assert (device.review_status, device.duplicate_of_id) == ("merged", queue["besham"])
    assert _sources_of(db, queue["device"]) == 0
    assert _sources_of(db, queue["besham"]) == before + 1
    merged = client.get(f"/incidents/{queue['besham']}").text
    assert "KP SSU bomb disposal squad" in merged  # now one of its sources, side by side
    assert "Reports merged into this one" in merged


def test_a_bad_merge_target_rerenders_with_the_reason_and_changes_nothing(
    db: Session, browse, client: TestClient, queue: dict[str, str]
) -> None:
    browse("analyst")
    unknown = _decide(client, queue["device"], decision="merge", merge_into="no-such-incident")
    assert unknown.status_code == 422
    assert 'id="e-merge_into"' in unknown.text
    assert "no incident" in unknown.text.lower()
    assert '<input type="radio" name="decision" value="merge" checked>' in unknown.text
    missing = _decide(client, queue["device"], decision="merge", note="same as Besham")
    assert missing.status_code == 422
    assert 'id="e-merge_into"' in missing.text and "same as Besham" in missing.text
    db.rollback()
    device = db.get(Incident, queue["device"])
    assert device is not None and device.review_status == "pending"
    assert device.duplicate_of_id is None and _sources_of(db, queue["device"]) == 1


def test_no_decision_and_a_second_decision_are_refused_beside_the_form(
    db: Session, browse, client: TestClient, queue: dict[str, str]
) -> None:
    browse("analyst")
    blank = _decide(client, queue["thar"], note="hmm")
    assert blank.status_code == 422 and 'id="e-decision"' in blank.text
    token = token_of_form(client.get(f"/review/{queue['thar']}").text, f"/review/{queue['thar']}")
    client.post(f"/review/{queue['thar']}", data={"csrf_token": token, "decision": "accept"})
    again = client.post(
        f"/review/{queue['thar']}", data={"csrf_token": token, "decision": "reject"}
    )
    assert again.status_code == 409
    assert "already reviewed" in again.text
    db.rollback()
    assert db.get(Incident, queue["thar"]).review_status == "accepted"  # type: ignore[union-attr]


def test_decisions_need_the_form_token_and_the_analyst_role(
    db: Session, browse, client: TestClient, queue: dict[str, str]
) -> None:
    browse("analyst")
    forged = client.post(f"/review/{queue['device']}", data={"decision": "accept"})
    assert forged.status_code == 403
    browse("ops_officer")
    assert client.get("/review").status_code == 403
    page = client.get(f"/review/{queue['device']}")
    assert page.status_code == 403 and "<h1>Not allowed</h1>" in page.text
    db.rollback()
    assert db.get(Incident, queue["device"]).review_status == "pending"  # type: ignore[union-attr]
