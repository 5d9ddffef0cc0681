"""Logging an incident from the control room: the API's schema and service call, reasons beside
the fields, nothing saved on a refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.threat.models import Incident
from tests.web.conftest import csrf_of
from tests.web.forms import token_of_form

REPORT = {
    "title": "Grenade thrown at the Thar camp gate",
    "occurred_at": "2026-12-06T22:30",
    "time_precision": "exact",
    "place_name": "Islamkot",
    "lat": "24.70",
    "lon": "70.18",
    "province": "Sindh",
    "district": "Tharparkar",
    "attack_type": "rocket_grenade",
    "target_type": "camp gate",
    "killed": "0",
    "injured": "2",
    "attackers_killed": "",
    "perpetrator_claimed": "",
    "perpetrator_attributed": "",
    "verification": "probable",
    "tlp": "amber",
    "source_outlet": "Thar camp guard log",
    "source_url": "",
    "source_published": "2026-12-06T23:10",
}


def _count(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count(Incident.id))) or 0


def _post(client: TestClient, **changes: str):
    token = token_of_form(client.get("/incidents/new").text, "/incidents/new")
    return client.post(
        "/incidents/new",
        data={"csrf_token": token, **REPORT, **changes},
        follow_redirects=False,
    )


def test_an_ops_officer_logs_a_field_report_into_the_record(
    db: Session, browse, client: TestClient, world
) -> None:
    browse("ops_officer")
    assert 'href="/incidents/new"' in client.get("/incidents").text
    done = _post(client)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "Incident recorded" in page.text
    assert "Thar camp guard log" in page.text  # its source, side by side
    db.rollback()
    incident = db.scalar(select(Incident))
    assert incident is not None
    assert (incident.review_status, incident.origin, incident.tlp) == (
        "accepted",
        "manual",
        "amber",
    )
    assert incident.occurred_at.isoformat() == "2026-12-06T22:30:00+00:00"  # read as UTC
    assert (incident.lat, incident.lon, incident.h3_cell is not None) == (24.70, 70.18, True)
    assert [(s.outlet, s.injured) for s in incident.sources] == [("Thar camp guard log", 2)]


def test_bad_input_is_shown_beside_each_field_and_nothing_is_saved(
    db: Session, browse, client: TestClient, world
) -> None:
    browse("analyst")
    bad = _post(client, title="", lat="95", injured="-1", source_url="ftp://x")
    assert bad.status_code == 422
    for name in ("title", "lat", "injured", "source_url"):
        assert f'id="e-{name}"' in bad.text, name
    assert 'value="Thar camp guard log"' in bad.text  # the rest is kept
    one_end = _post(client, lon="")
    assert one_end.status_code == 422 and "give both lat and lon" in one_end.text
    assert _count(db) == 0


def test_logging_needs_the_permission_and_the_form_token(
    db: Session, browse, client: TestClient, world
) -> None:
    browse("requester")
    assert client.get("/incidents/new").status_code == 403
    refused = client.post(
        "/incidents/new", data={"csrf_token": csrf_of(client.get("/").text), **REPORT}
    )
    assert refused.status_code == 403
    browse("analyst")
    assert client.post("/incidents/new", data=REPORT).status_code == 403
    assert _count(db) == 0
