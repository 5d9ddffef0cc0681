"""Defect 15: the who-knew report names each person's agency and roles, not agency UUIDs."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jsms.identity.models import Agency
from jsms.movements.models import Movement
from tests.movements.conftest import MovementWorld, release_now

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _readers(db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str):
    """Two people from different agencies read the order before departure."""
    w = mworld.world
    release_now(db, approved)
    readers = {
        "escort_commander": (login_as("escort_commander", agency_id=w.guest), w.guest),
        "ops_officer": (login_as("ops_officer", agency_id=w.host_sindh), w.host_sindh),
    }
    for login, _agency in readers.values():
        response = client.get(f"/api/v1/movements/{approved}/order", headers=login.headers)
        assert response.status_code == 200, response.text
    return readers


def test_who_knew_api_shows_agency_names_and_roles(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    readers = _readers(db, client, login_as, mworld, approved)
    auditor = login_as("auditor", agency_id=mworld.world.host_sindh)
    response = client.get(f"/api/v1/movements/{approved}/who-knew", headers=auditor.headers)
    assert response.status_code == 200, response.text
    rows = {row["username"]: row for row in response.json()}
    for role, (login, agency_id) in readers.items():
        row = rows[login.username]
        agency = db.get(Agency, agency_id)
        assert agency is not None
        assert row["agency"] == agency.name
        assert row["roles"] == [role]
        assert not UUID.search(row["agency"])


def test_who_knew_command_shows_agency_names_and_roles(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    from jsms.cli.main import app

    readers = _readers(db, client, login_as, mworld, approved)
    movement = db.get(Movement, approved)
    assert movement is not None
    result = CliRunner().invoke(
        app, ["movement", "who-knew", movement.reference], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    for role, (login, agency_id) in readers.items():
        agency = db.get(Agency, agency_id)
        assert agency is not None
        (line,) = [ln for ln in result.output.splitlines() if login.username in ln]
        assert agency.name in line and role in line
        assert agency_id not in result.output
    assert not UUID.search(result.output)
