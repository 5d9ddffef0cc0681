"""The threat picture through the API: incidents, ranges, review queue, levels, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import h3
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.threat.service import load_curated_incidents

AIRPORT = (24.9067, 67.1608)
SKARDU = (35.2971, 75.6333)


@pytest.fixture
def history(db: Session) -> None:
    """The project's curated record of attacks, committed so API requests see it."""
    load_curated_incidents(db)
    db.commit()


def test_history_gives_the_airport_a_high_level_at_the_time_and_ranges_per_source(
    client: TestClient, login_as, history: None
) -> None:
    ops = login_as("ops_officer")
    day_after = "2024-10-07T12:00:00Z"
    then = client.get(
        "/api/v1/risk/point",
        headers=ops.headers,
        params={"lat": AIRPORT[0], "lon": AIRPORT[1], "at": day_after},
    )
    assert then.status_code == 200, then.text
    assert then.json()["level"] >= 4
    assert then.json()["province"] == "Sindh"
    quiet = client.get(
        "/api/v1/risk/point",
        headers=ops.headers,
        params={"lat": SKARDU[0], "lon": SKARDU[1], "at": day_after},
    )
    assert quiet.json()["level"] == 1
    before = client.get(
        "/api/v1/risk/point",
        headers=ops.headers,
        params={"lat": AIRPORT[0], "lon": AIRPORT[1], "at": "2024-10-05T12:00:00Z"},
    )
    assert before.json()["score"] < then.json()["score"]

    listed = client.get(
        "/api/v1/incidents",
        headers=ops.headers,
        params={"since": "2024-10-01T00:00:00Z", "until": "2024-11-01T00:00:00Z"},
    )
    airport = listed.json()["items"][0]
    assert airport["perpetrator_claimed"] == "Baloch Liberation Army"
    assert airport["nationals"]["CN"]["killed"] == 2
    assert airport["killed_range"] == [2, 3]
    assert airport["injured_range"] == [10, 17]
    assert len(airport["sources"]) == 3


def test_line_through_the_karakoram_highway_hot_spot_scores_worse_than_a_quiet_road(
    client: TestClient, login_as, history: None
) -> None:
    analyst = login_as("analyst")
    at = "2024-03-27T00:00:00Z"
    kkh = {
        "type": "LineString",
        "coordinates": [[72.92, 34.75], [72.87, 34.93], [73.29, 35.29]],
        "at": at,
    }
    thar = {"type": "LineString", "coordinates": [[70.18, 24.70], [70.17, 24.43]], "at": at}
    hot = client.post("/api/v1/risk/line", headers=analyst.headers, json=kkh).json()
    cold = client.post("/api/v1/risk/line", headers=analyst.headers, json=thar).json()
    assert hot["max_level"] >= 4 > cold["max_level"]
    assert hot["exposure"] > cold["exposure"]
    bad = client.post(
        "/api/v1/risk/line",
        headers=analyst.headers,
        json={"type": "LineString", "coordinates": [[200, 34.7], [72.9, 34.9]]},
    )
    assert bad.status_code == 422


def test_an_override_sets_the_level_until_it_expires_and_is_audited(
    db: Session, client: TestClient, login_as
) -> None:
    analyst = login_as("analyst")
    auditor = login_as("auditor")
    now = datetime.now(UTC)
    body = {
        "area_kind": "province",
        "area": "Sindh",
        "level": 5,
        "reason": "credible threat reporting against convoys",
        "expires_at": (now + timedelta(days=2)).isoformat(),
    }
    created = client.post("/api/v1/threat/overrides", headers=analyst.headers, json=body)
    assert created.status_code == 201, created.text
    point = client.get(
        "/api/v1/risk/point", headers=analyst.headers, params={"lat": AIRPORT[0], "lon": AIRPORT[1]}
    ).json()
    assert point["level"] == 5 and point["computed_level"] == 1
    assert point["override_reason"] == body["reason"]
    later = (now + timedelta(days=3)).isoformat()
    expired = client.get(
        "/api/v1/risk/point",
        headers=analyst.headers,
        params={"lat": AIRPORT[0], "lon": AIRPORT[1], "at": later},
    ).json()
    assert expired["level"] == 1
    areas = client.get(
        "/api/v1/risk/areas", headers=analyst.headers, params={"kind": "province"}
    ).json()
    assert {"Sindh": 5}.items() <= {a["name"]: a["level"] for a in areas}.items()
    trail = client.get(
        "/api/v1/audit/events", headers=auditor.headers, params={"object_type": "threat_overrides"}
    ).json()
    assert trail["total"] == 1

    requester = login_as("requester")
    assert (
        client.post("/api/v1/threat/overrides", headers=requester.headers, json=body).status_code
        == 403
    )


def test_review_queue_accepts_rejects_and_merges(db: Session, client: TestClient, login_as) -> None:
    from jsms.threat.service import create_incident

    def besham_report(outlet: str, killed: int, status: str, title: str, origin: str):
        return create_incident(
            db,
            sources=[{"outlet": outlet, "killed": killed}],
            review_status=status,
            title=title,
            occurred_at=datetime(2024, 3, 26, tzinfo=UTC),
            attack_type="vbied",
            killed=killed,
            lat=34.93,
            lon=72.87,
            origin=origin,
        )

    existing = besham_report("A", 6, "accepted", "Besham convoy bombing", "manual")
    pending = besham_report("B", 5, "pending", "Shangla suicide attack", "osint")
    db.commit()
    analyst = login_as("analyst")
    queue = client.get("/api/v1/incidents/review-queue", headers=analyst.headers).json()
    assert [i["id"] for i in queue["items"]] == [pending.id]
    merged = client.post(
        f"/api/v1/incidents/{pending.id}/review",
        headers=analyst.headers,
        json={"decision": "merge", "merge_into": existing.id},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["duplicate_of_id"] == existing.id
    target = client.get(f"/api/v1/incidents/{existing.id}", headers=analyst.headers).json()
    assert target["killed_range"] == [5, 6]
    assert {s["outlet"] for s in target["sources"]} == {"A", "B"}
    again = client.post(
        f"/api/v1/incidents/{pending.id}/review",
        headers=analyst.headers,
        json={"decision": "accept"},
    )
    assert again.status_code == 409
    ops = login_as("ops_officer")
    assert client.get("/api/v1/incidents/review-queue", headers=ops.headers).status_code == 403


def test_companies_do_not_see_amber_incidents(db: Session, client: TestClient, login_as) -> None:
    from jsms.threat.service import create_incident

    for tlp in ("green", "amber"):
        create_incident(
            db,
            sources=[],
            review_status="accepted",
            title=f"{tlp} report",
            occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
            attack_type="threat",
            tlp=tlp,
            origin="manual",
        )
    db.commit()
    requester = login_as("requester")
    ops = login_as("ops_officer")
    seen = client.get("/api/v1/incidents", headers=requester.headers).json()
    assert [i["tlp"] for i in seen["items"]] == ["green"]
    assert client.get("/api/v1/incidents", headers=ops.headers).json()["total"] == 2


def test_ops_officer_logs_a_field_report(db: Session, client: TestClient, login_as) -> None:
    ops = login_as("ops_officer")
    body = {
        "title": "Shots fired at a checkpoint near Hub",
        "occurred_at": "2026-11-20T08:00:00Z",
        "lat": 25.03,
        "lon": 66.89,
        "attack_type": "armed_assault",
        "killed": 0,
        "injured": 1,
        "tlp": "amber",
        "sources": [{"outlet": "SPU-BAL field report", "injured": 1}],
    }
    created = client.post("/api/v1/incidents", headers=ops.headers, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["severity"] > 0
    naive = dict(body, occurred_at="2026-11-20T08:00:00")
    assert client.post("/api/v1/incidents", headers=ops.headers, json=naive).status_code == 422


def test_a_line_gets_the_same_overridden_level_as_the_points_on_it(
    client: TestClient, login_as, history: None
) -> None:
    """Defect 9: the line endpoint ignored overrides that point lookups applied."""
    analyst = login_as("analyst")
    approach = [[AIRPORT[1], AIRPORT[0]], [67.12, 24.93]]  # airport to Shahrah-e-Faisal
    now = datetime.now(UTC)
    raised = {
        "area_kind": "cell",
        "area": h3.latlng_to_cell(AIRPORT[0], AIRPORT[1], 5),
        "level": 5,
        "reason": "credible warning of an attack on the airport road",
        "expires_at": (now + timedelta(days=2)).isoformat(),
    }
    made = client.post("/api/v1/threat/overrides", headers=analyst.headers, json=raised)
    assert made.status_code == 201, made.text

    def point(at: str | None = None) -> dict:
        params = {"lat": AIRPORT[0], "lon": AIRPORT[1], **({"at": at} if at else {})}
        return client.get("/api/v1/risk/point", headers=analyst.headers, params=params).json()

    def line(at: str | None = None) -> dict:
        body = {"type": "LineString", "coordinates": approach, **({"at": at} if at else {})}
        answer = client.post("/api/v1/risk/line", headers=analyst.headers, json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert point()["level"] == 5
    now_line = line()
    assert now_line["max_level"] == 5 and now_line["max_level_name"] == "High"
    assert now_line["computed_max_level"] < 5

    # An override lowers a level as well: the day after the October 2024 airport bombing.
    day_after = "2024-10-07T12:00:00Z"
    client.post(
        "/api/v1/threat/overrides",
        headers=analyst.headers,
        json={
            "area_kind": "province",
            "area": "Sindh",
            "level": 2,
            "reason": "area swept and cordoned; convoys escorted by the army",
            "starts_at": "2024-10-07T00:00:00Z",
            "expires_at": "2024-10-08T00:00:00Z",
        },
    )
    then = point(day_after)
    assert then["level"] == 2 and then["computed_level"] >= 4
    then_line = line(day_after)
    assert then_line["max_level"] == 2
    assert then_line["computed_max_level"] >= 4
