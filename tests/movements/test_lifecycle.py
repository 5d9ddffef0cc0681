"""A movement from Karachi airport to Hub: two provinces, four keys, need-to-know throughout."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.movements import service
from jsms.movements.models import Movement
from tests.movements.conftest import MovementWorld


def create(client: TestClient, requester, mw: MovementWorld) -> dict:
    body = {
        "purpose": "Engineers to Hub power plant",
        "origin": {"name": "Karachi Airport"},
        "destination": {"name": "Hub"},
        "departure_at": mw.departure.isoformat(),
        "arrival_at": (mw.departure + timedelta(hours=2)).isoformat(),
        "passenger_ids": mw.passengers,
        "vehicles": [{"registration": "SHC-1", "armoured": True, "seats": 4, "passengers": 3}],
    }
    response = client.post("/api/v1/movements", headers=requester.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def routed_and_submitted(db: Session, client: TestClient, requester, mw: MovementWorld) -> str:
    movement_id = create(client, requester, mw)["id"]
    movement = db.get(Movement, movement_id)
    assert movement is not None
    from jsms.identity.roles import Side
    from tests.movements.conftest import actor_of

    owner = actor_of(mw.world.company_a, Side.CLIENT)
    service.set_route(db, owner, movement, mw.route)
    service.submit(db, owner, movement)
    db.commit()
    return movement_id


def test_crossing_sindh_and_balochistan_needs_both_provinces_and_all_keys(
    db: Session, client: TestClient, login_as, mworld: MovementWorld
) -> None:
    requester = login_as("requester")
    movement_id = routed_and_submitted(db, client, requester, mworld)
    summary = client.get(f"/api/v1/movements/{movement_id}", headers=requester.headers).json()
    parties = sorted(a["party"] for a in summary["approvals"])
    assert parties == ["client", "guest", "host:Balochistan", "host:Sindh"]

    approvers = {
        "host:Sindh": login_as("approver", agency_id=mworld.world.host_sindh),
        "guest": login_as("approver", agency_id=mworld.world.guest),
        "client": login_as("approver", agency_id=mworld.world.company_a),
    }
    for party, approver in approvers.items():
        decided = client.post(
            f"/api/v1/movements/{movement_id}/decision",
            headers=approver.headers,
            json={"approve": True, "totp_code": approver.code()},
        )
        assert decided.status_code == 200, (party, decided.text)
    ops = login_as("ops_officer", agency_id=mworld.world.host_sindh)
    early = client.post(f"/api/v1/movements/{movement_id}/start", headers=ops.headers)
    assert early.status_code in (403, 409)

    balochistan = login_as("approver", agency_id=mworld.host_bal)
    pending = client.get("/api/v1/approvals/pending", headers=balochistan.headers).json()["items"]
    assert [p["party"] for p in pending] == ["host:Balochistan"]
    assert (
        client.post(
            f"/api/v1/movements/{movement_id}/decision",
            headers=balochistan.headers,
            json={"approve": True, "totp_code": balochistan.code()},
        ).status_code
        == 200
    )
    approved = client.get(f"/api/v1/movements/{movement_id}", headers=requester.headers).json()
    assert approved["status"] == "approved"
    # refused as already decided before any code is checked, so no fresh code is needed
    again = client.post(
        f"/api/v1/movements/{movement_id}/decision",
        headers=balochistan.headers,
        json={"approve": True, "totp_code": "000000"},
    )
    assert again.status_code == 409


def test_a_rejection_needs_a_reason_and_stops_the_movement(
    db: Session, client: TestClient, login_as, mworld: MovementWorld
) -> None:
    requester = login_as("requester")
    movement_id = routed_and_submitted(db, client, requester, mworld)
    approver = login_as("approver", agency_id=mworld.host_bal)
    no_reason = client.post(
        f"/api/v1/movements/{movement_id}/decision",
        headers=approver.headers,
        json={"approve": False, "totp_code": "000000"},
    )
    assert no_reason.status_code == 422  # refused before any code is checked
    rejected = client.post(
        f"/api/v1/movements/{movement_id}/decision",
        headers=approver.headers,
        json={
            "approve": False,
            "reason": "Hub corridor closed tonight",
            "totp_code": approver.code(),
        },
    )
    assert rejected.status_code == 200
    status = client.get(f"/api/v1/movements/{movement_id}", headers=requester.headers).json()
    assert status["status"] == "rejected"


def test_escorts_are_checked_against_authorisations_jurisdiction_and_bookings(
    db: Session, client: TestClient, login_as, mworld: MovementWorld
) -> None:
    requester = login_as("requester")
    movement_id = routed_and_submitted(db, client, requester, mworld)
    guest_ops = login_as("approver", agency_id=mworld.world.guest)  # approvers see the plan
    sindh_ops = login_as("approver", agency_id=mworld.world.host_sindh)
    url = f"/api/v1/movements/{movement_id}/escorts"

    inner_sindh = client.post(
        url,
        headers=guest_ops.headers,
        json={"unit_id": mworld.guest_unit, "leg": 0, "ring": "inner"},
    )
    assert inner_sindh.status_code == 201, inner_sindh.text
    assert "authorised by" in inner_sindh.json()["authorisation_reason"]
    assert inner_sindh.json()["handover_name"] == "Sindh boundary"

    refused = client.post(
        url,
        headers=guest_ops.headers,
        json={"unit_id": mworld.guest_unit, "leg": 1, "ring": "inner"},
    )
    assert refused.status_code == 403
    assert "no deployment authorisation covers" in refused.json()["detail"]

    outside = client.post(
        url,
        headers=sindh_ops.headers,
        json={"unit_id": mworld.sindh_unit, "leg": 1, "ring": "outer"},
    )
    assert outside.status_code == 403
    assert "outside this host force's jurisdiction" in outside.json()["detail"]
    wrong_ring = client.post(
        url,
        headers=sindh_ops.headers,
        json={"unit_id": mworld.sindh_unit, "leg": 0, "ring": "inner"},
    )
    assert wrong_ring.status_code == 422
    too_many = client.post(
        url,
        headers=guest_ops.headers,
        json={"unit_id": mworld.guest_unit, "leg": 0, "ring": "inner", "headcount": 20},
    )
    assert too_many.status_code == 422

    other_id = routed_and_submitted(db, client, requester, mworld)
    double = client.post(
        f"/api/v1/movements/{other_id}/escorts",
        headers=guest_ops.headers,
        json={"unit_id": mworld.guest_unit, "leg": 0, "ring": "inner"},
    )
    assert double.status_code == 409
    assert "already booked" in double.json()["detail"]
    host_assigns_guest = client.post(
        url,
        headers=sindh_ops.headers,
        json={"unit_id": mworld.guest_unit, "leg": 0, "ring": "inner"},
    )
    assert host_assigns_guest.status_code == 403


def test_an_amendment_reopens_every_approval(
    db: Session, client: TestClient, login_as, mworld: MovementWorld
) -> None:
    requester = login_as("requester")
    movement_id = routed_and_submitted(db, client, requester, mworld)
    sindh = login_as("approver", agency_id=mworld.world.host_sindh)
    client.post(
        f"/api/v1/movements/{movement_id}/decision",
        headers=sindh.headers,
        json={"approve": True, "totp_code": sindh.code()},
    )
    later = (mworld.departure + timedelta(hours=3)).isoformat()
    amended = client.patch(
        f"/api/v1/movements/{movement_id}",
        headers=requester.headers,
        json={
            "departure_at": later,
            "arrival_at": (mworld.departure + timedelta(hours=5)).isoformat(),
        },
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 2
    assert {a["status"] for a in amended.json()["approvals"]} == {"pending"}
    assert (
        client.post(
            f"/api/v1/movements/{movement_id}/decision",
            headers=sindh.headers,
            json={"approve": True, "totp_code": sindh.code()},
        ).status_code
        == 200
    )


def test_a_decision_through_the_api_needs_a_fresh_code_of_the_approver(
    db: Session, client: TestClient, login_as, mworld: MovementWorld
) -> None:
    """The session (a cookie or a token) is not enough: a decision binds the agency, so the
    person confirms it with a code at the time, as on the decision page."""
    from jsms.audit.models import AuditEvent

    requester = login_as("requester")
    movement_id = routed_and_submitted(db, client, requester, mworld)
    sindh = login_as("approver", agency_id=mworld.world.host_sindh)
    url = f"/api/v1/movements/{movement_id}/decision"
    without = client.post(url, headers=sindh.headers, json={"approve": True})
    assert without.status_code == 422 and "totp_code" in without.text
    wrong = client.post(url, headers=sindh.headers, json={"approve": True, "totp_code": "123456"})
    assert wrong.status_code == 403, wrong.text
    summary = client.get(f"/api/v1/movements/{movement_id}", headers=requester.headers).json()
    assert {a["party"]: a["status"] for a in summary["approvals"]}["host:Sindh"] == "pending"
    db.rollback()
    refusals = db.query(AuditEvent).filter_by(action="auth.step_up", outcome="failed").all()
    assert [e.object_id for e in refusals] == [sindh.user_id]  # kept although the call failed
    code = sindh.code()
    approved = client.post(url, headers=sindh.headers, json={"approve": True, "totp_code": code})
    assert approved.status_code == 200, approved.text
    reused = client.post(url, headers=sindh.headers, json={"approve": True, "totp_code": code})
    assert reused.status_code == 409  # already decided: refused before the code is looked at
