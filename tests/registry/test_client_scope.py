"""A company sees its own world: not the forces' units and grants, not another company's
sites (not even through a movement's origin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from tests.conftest import World
from tests.movements.conftest import actor_of


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/authorisations"])
def test_client_approvers_and_requesters_do_not_read_units_or_grants(
    path: str, client: TestClient, login_as: Any, world: World
) -> None:
    for role in (Role.APPROVER, Role.REQUESTER):
        company = login_as(role, agency_id=world.company_a)
        assert client.get(path, headers=company.headers).status_code == 403
    host = login_as(Role.APPROVER, agency_id=world.host_sindh)
    assert client.get(path, headers=host.headers).status_code == 200


def test_another_companys_site_is_not_found_as_a_movement_origin(
    db: Session, client: TestClient, login_as: Any, world: World
) -> None:
    other = actor_of(world.company_b, Side.CLIENT, Role.REQUESTER)
    registry.create_site(
        db, other, name="Company B secret camp", kind="camp", lat=25.3960, lon=68.3578
    )
    own = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    person = registry.create_person(db, own, full_name="A engineer", nationality="CN").id
    db.commit()
    requester = login_as(Role.REQUESTER, agency_id=world.company_a)
    when = datetime.now(UTC) + timedelta(days=2)
    created = client.post(
        "/api/v1/movements",
        headers=requester.headers,
        json={
            "purpose": "Probe",
            "origin": {"name": "Company B secret camp"},
            "destination": {"name": "Karachi"},
            "departure_at": when.isoformat(),
            "arrival_at": (when + timedelta(hours=3)).isoformat(),
            "passenger_ids": [person],
        },
    )
    assert created.status_code == 422, created.text
    assert "25.39" not in created.text and "68.35" not in created.text
