"""Every movement endpoint refuses callers without need-to-know, role by role."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.identity.roles import Side
from jsms.movements.models import Movement
from jsms.registry import service as registry
from tests.movements.conftest import MovementWorld, actor_of, release_now


def status(client: TestClient, login, path: str) -> int:
    return client.get(path, headers=login.headers).status_code


def test_need_to_know_per_role(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    w = mworld.world
    summary, plan = f"/api/v1/movements/{approved}", f"/api/v1/movements/{approved}/plan"
    passenger = login_as("protectee", agency_id=w.company_a, person_id=mworld.passengers[0])
    outsider = registry.create_person(
        db, actor_of(w.company_a, Side.CLIENT), full_name="Not travelling", nationality="CN"
    ).id
    db.commit()
    expected_before_release = {
        "requester of the company": (login_as("requester", agency_id=w.company_a), 200, 200),
        "requester of another company": (login_as("requester", agency_id=w.company_b), 404, 404),
        "approver of a party": (login_as("approver", agency_id=w.host_sindh), 200, 200),
        "approver not a party": (login_as("approver", agency_id=w.host_kp), 404, 404),
        "assigned guest escort commander": (
            login_as("escort_commander", agency_id=w.guest),
            200,
            403,
        ),
        "assigned host ops officer": (login_as("ops_officer", agency_id=w.host_sindh), 200, 403),
        "unassigned host ops officer": (login_as("ops_officer", agency_id=w.host_kp), 404, 404),
        "auditor": (login_as("auditor", agency_id=w.host_sindh), 200, 403),
        "analyst": (login_as("analyst", agency_id=w.host_sindh), 403, 403),
        "admin": (login_as("admin", agency_id=w.host_sindh), 403, 403),
        "passenger": (passenger, 200, 403),
        "protectee not travelling": (
            login_as("protectee", agency_id=w.company_a, person_id=outsider),
            404,
            404,
        ),
    }
    wrong = {
        who: (status(client, login, summary), status(client, login, plan))
        for who, (login, *_) in expected_before_release.items()
    }
    assert wrong == {who: (s, p) for who, (_, s, p) in expected_before_release.items()}

    release_now(db, approved)
    after = {
        who: status(client, login, plan) for who, (login, *_) in expected_before_release.items()
    }
    assert after["assigned guest escort commander"] == 200
    assert after["assigned host ops officer"] == 200
    assert after["passenger"] == 200
    assert after["auditor"] == 403
    assert after["unassigned host ops officer"] == 404

    escort = expected_before_release["assigned guest escort commander"][0]
    db.rollback()
    movement = db.get(Movement, approved)
    assert movement is not None
    movement.status = "completed"
    db.commit()
    assert status(client, escort, plan) == 403

    auditor = expected_before_release["auditor"][0]
    knew = client.get(f"/api/v1/movements/{approved}/who-knew", headers=auditor.headers)
    assert knew.status_code == 200
    names = {row["username"] for row in knew.json()}
    assert escort.username in names
    assert expected_before_release["requester of the company"][0].username in names
    assert expected_before_release["auditor"][0].username not in names  # refused, never saw it
    assert status(client, escort, f"/api/v1/movements/{approved}/who-knew") == 403


def test_writes_need_the_right_party(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    w = mworld.world
    other_company = login_as("requester", agency_id=w.company_b)
    amend = client.patch(
        f"/api/v1/movements/{approved}", headers=other_company.headers, json={"purpose": "hijack"}
    )
    assert amend.status_code == 404
    not_party = login_as("approver", agency_id=w.host_kp)
    decision = client.post(
        f"/api/v1/movements/{approved}/decision",
        headers=not_party.headers,
        json={"approve": True, "totp_code": not_party.code()},
    )
    assert decision.status_code == 404
    kp_ops = login_as("ops_officer", agency_id=w.host_kp)
    assert (
        client.post(f"/api/v1/movements/{approved}/start", headers=kp_ops.headers).status_code
        == 404
    )
    requester = login_as("requester", agency_id=w.company_a)
    assert (
        client.post(f"/api/v1/movements/{approved}/start", headers=requester.headers).status_code
        == 403
    )


def test_summary_only_staff_cannot_book_escorts_and_so_learn_the_times(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    w = mworld.world
    ops = login_as("ops_officer", agency_id=mworld.host_bal)  # host staff, no unit assigned yet
    assert client.get(f"/api/v1/movements/{approved}", headers=ops.headers).status_code == 200
    booking = {"unit_id": mworld.bal_unit, "leg": 1, "ring": "outer"}
    refused = client.post(
        f"/api/v1/movements/{approved}/escorts", headers=ops.headers, json=booking
    )
    assert refused.status_code == 403, refused.text
    assert "starts_at" not in refused.text and "need-to-know" in refused.json()["detail"]

    approver = login_as("approver", agency_id=mworld.host_bal)
    auditor = login_as("auditor", agency_id=w.host_sindh)
    booked = client.post(
        f"/api/v1/movements/{approved}/escorts", headers=approver.headers, json=booking
    )
    assert booked.status_code == 201, booked.text
    knew = client.get(f"/api/v1/movements/{approved}/who-knew", headers=auditor.headers).json()
    names = {row["username"] for row in knew}
    assert approver.username in names and ops.username not in names
