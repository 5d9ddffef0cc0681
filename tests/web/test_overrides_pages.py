"""Threat-level overrides in the browser: in force, starting later and expired, each with its
reason and time; analysts set one for a known province or district, and bad input is shown
beside the field with nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.threat.models import ThreatOverride
from jsms.threat.service import create_override
from tests.conftest import World
from tests.movements.conftest import actor_of
from tests.web.conftest import csrf_of
from tests.web.forms import token_of_form


@pytest.fixture
def assessments(db: Session, world: World) -> None:
    """One override in force, one starting tomorrow, one expired yesterday."""
    analyst = actor_of(world.host_sindh, Side.HOST, Role.ANALYST)
    now = datetime.now(UTC)
    for area, level, starts, ends, reason in (
        ("Balochistan", 5, -1, 30, "sustained campaign on the highways"),
        ("Sindh", 4, 1, 3, "festival crowds along the airport road"),
        ("Punjab", 3, -9, -1, "election week"),
    ):
        create_override(
            db,
            analyst,
            area_kind="province",
            area=area,
            level=level,
            reason=reason,
            starts_at=now + timedelta(days=starts),
            expires_at=now + timedelta(days=ends),
        )
    db.commit()


def _count(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count(ThreatOverride.id))) or 0


def _form(**changes: str) -> dict[str, str]:
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return {
        "area_kind": "province",
        "area": "Sindh",
        "level": "5",
        "reason": "credible warning of an attack on convoys",
        "starts_at": "",
        "expires_at": later,
        **changes,
    }


def test_overrides_are_grouped_with_level_names_and_time_left(
    browse, client: TestClient, assessments: None
) -> None:
    browse("requester")  # every staff role reads them; companies too
    page = client.get("/overrides")
    assert page.status_code == 200
    text = page.text
    force, later = text.index("In force (1)"), text.index("Starting later (1)")
    expired = text.index("Expired (1)")
    assert force < text.index("sustained campaign") < later
    assert later < text.index("festival crowds") < expired < text.index("election week")
    assert "Level 5" in text and "High" in text  # the level and its name
    assert "29 days" in text and "left" in text
    assert "starts in 23 h" in text or "starts in 1 day" in text
    assert "expired 1 day" in text
    assert 'action="/overrides"' not in text  # only analysts set levels


def test_an_analyst_sets_a_level_and_the_write_is_audited(
    db: Session, browse, client: TestClient, world: World
) -> None:
    login = browse("analyst")
    token = token_of_form(client.get("/overrides").text, "/overrides")
    done = client.post("/overrides", data={"csrf_token": token, **_form()}, follow_redirects=False)
    assert done.status_code == 303
    assert "Override saved" in client.get(done.headers["location"]).text
    db.rollback()
    made = db.scalar(select(ThreatOverride))
    assert made is not None
    assert (made.area, made.level, made.created_by) == ("Sindh", 5, login.username)
    assert made.expires_at - made.starts_at > timedelta(days=1, hours=23)
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "threat_overrides.create", AuditEvent.object_id == made.id
        )
    )
    assert event is not None and event.actor_name == login.username


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"area": "Atlantis"}, "area", "is not a known province"),
        ({"area_kind": "district", "area": "Sindh"}, "area", "is not a known district"),
        ({"level": "9"}, "level", "less than or equal to 6"),
        ({"reason": ""}, "reason", "at least 3 characters"),
        (
            {"starts_at": "2030-01-02T00:00", "expires_at": "2030-01-01T00:00"},
            "expires_at",
            "after the start",
        ),
        ({"expires_at": "soon"}, "expires_at", "valid datetime"),
        ({"area_kind": "cell"}, "area_kind", "province or a district"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
    db: Session,
    browse,
    client: TestClient,
    world: World,
    changes: dict[str, str],
    field: str,
    reason: str,
) -> None:
    browse("analyst")
    token = token_of_form(client.get("/overrides").text, "/overrides")
    form = _form(**changes)
    answer = client.post("/overrides", data={"csrf_token": token, **form})
    assert answer.status_code == 422
    assert f'id="e-{field}"' in answer.text
    assert reason in answer.text
    if form["reason"]:
        assert form["reason"] in answer.text  # the person's input is kept
    assert _count(db) == 0


def test_setting_a_level_needs_the_token_and_the_analyst_role(
    db: Session, browse, client: TestClient, world: World
) -> None:
    browse("analyst")
    assert client.post("/overrides", data=_form()).status_code == 403
    browse("ops_officer")
    token = csrf_of(client.get("/overrides").text)
    refused = client.post("/overrides", data={"csrf_token": token, **_form()})
    assert refused.status_code == 403 and "<h1>Not allowed</h1>" in refused.text
    assert _count(db) == 0


def test_the_api_refuses_an_unknown_area_naming_the_field(client: TestClient, login_as) -> None:
    analyst = login_as("analyst")
    answer = client.post(
        "/api/v1/threat/overrides",
        headers=analyst.headers,
        json={
            "area_kind": "district",
            "area": "Nowhere",
            "level": 4,
            "reason": "test",
            "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "area"
