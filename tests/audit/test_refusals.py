"""Every refused request (HTTP 403) stays in the audit trail, and the trail stays intact."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from tests.cli.runner import jsms, one_line
from tests.identity.conftest import quick_password_hashing  # noqa: F401  (fixture)
from tests.movements.conftest import approved, mworld  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("quick_password_hashing")


def _refusals(db: Session, user_id: str) -> list[AuditEvent]:
    db.rollback()
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "access.denied", AuditEvent.actor_id == user_id
            )
        )
    )


def _verifies() -> None:
    result = jsms("audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit chain intact" in one_line(result.stdout)


def test_a_refusal_by_the_policy_table_is_audited(
    client: TestClient, db: Session, login_as
) -> None:
    analyst = login_as("analyst")
    assert client.get("/api/v1/users", headers=analyst.headers).status_code == 403
    [event] = _refusals(db, analyst.user_id)
    assert event.outcome == "refused"
    assert event.actor_name == analyst.username
    assert event.object_type == "endpoint" and event.object_id == "/api/v1/users"
    assert event.detail == {"permission": "user.read", "method": "GET"}
    _verifies()


def test_a_need_to_know_refusal_is_audited_with_its_reason(
    client: TestClient,
    db: Session,
    login_as,
    mworld,  # noqa: F811
    approved: str,  # noqa: F811
) -> None:
    auditor = login_as("auditor", agency_id=mworld.world.host_sindh)
    plan = f"/api/v1/movements/{approved}/plan"
    refused = client.get(plan, headers=auditor.headers)
    assert refused.status_code == 403
    [event] = _refusals(db, auditor.user_id)
    assert event.outcome == "refused"
    assert event.object_id == plan
    assert event.detail["method"] == "GET"
    assert event.detail["permission"] == "movement.read"
    assert event.detail["reason"] == refused.json()["detail"]
    _verifies()


def test_a_refusal_by_a_service_rule_is_audited(
    client: TestClient, db: Session, world, login_as
) -> None:
    requester = login_as("requester", agency_id=world.company_a)
    other_company = {
        "full_name": "Li Na",
        "nationality": "CN",
        "employer_agency_id": world.company_b,
    }
    refused = client.post("/api/v1/persons", json=other_company, headers=requester.headers)
    assert refused.status_code == 403, refused.text
    [event] = _refusals(db, requester.user_id)
    assert event.outcome == "refused"
    assert event.detail["permission"] == "person.write"
    assert "own company" in event.detail["reason"]
    _verifies()


def test_the_auditor_can_list_refusals(client: TestClient, db: Session, login_as) -> None:
    analyst = login_as("analyst")
    auditor = login_as("auditor")
    client.get("/api/v1/audit/events", headers=analyst.headers)
    listed = client.get(
        "/api/v1/audit/events", params={"outcome": "refused"}, headers=auditor.headers
    ).json()["items"]
    assert [(e["actor_name"], e["detail"]["permission"]) for e in listed] == [
        (analyst.username, "audit.read")
    ]
