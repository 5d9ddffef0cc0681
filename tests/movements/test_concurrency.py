"""Decisions and references hold when requests arrive together (threads against a live
server on the test database, SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.identity.roles import Role
from jsms.movements.models import Movement, MovementApproval
from tests.movements.conftest import AIRPORT, HUB, MovementWorld
from tests.movements.test_plan_api import morning, submitted_hub_movement


def together(calls: list[Callable[..., httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released at the same instant."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[..., httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call(timeout=60)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _approvers(login_as: Any, mworld: MovementWorld) -> dict[str, Any]:
    world = mworld.world
    return {
        "host:Sindh": login_as(Role.APPROVER, agency_id=world.host_sindh),
        "host:Balochistan": login_as(Role.APPROVER, agency_id=mworld.host_bal),
        "guest": login_as(Role.APPROVER, agency_id=world.guest),
        "client": login_as(Role.APPROVER, agency_id=world.company_a),
    }


def _state(db: Session, movement_id: str) -> tuple[str, list[str]]:
    db.expire_all()
    movement = db.get(Movement, movement_id)
    assert movement is not None
    decisions = db.scalars(
        select(MovementApproval.status).where(
            MovementApproval.movement_id == movement_id,
            MovementApproval.movement_version == movement.version,
        )
    ).all()
    return movement.status, list(decisions)


def test_the_last_two_approvals_arriving_together_approve_the_movement(
    db: Session, client: TestClient, login_as: Any, mworld: MovementWorld, live_server: str
) -> None:
    for _round in range(3):
        # new approvers each round: each has an unspent second-factor code at once
        approvers = _approvers(login_as, mworld)
        _, movement_id = submitted_hub_movement(client, login_as, mworld)
        url = f"{live_server}/api/v1/movements/{movement_id}/decision"
        for party in ("host:Balochistan", "client"):
            first = client.post(
                f"/api/v1/movements/{movement_id}/decision",
                headers=approvers[party].headers,
                json={"approve": True, "totp_code": approvers[party].code()},
            )
            assert first.status_code == 200, first.text
        results = together(
            [
                partial(
                    httpx.post,
                    url,
                    headers=approvers[p].headers,
                    json={"approve": True, "totp_code": approvers[p].code()},
                )
                for p in ("host:Sindh", "guest")
            ]
        )
        assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
        status, decisions = _state(db, movement_id)
        assert decisions == ["approved"] * 4
        assert status == "approved", "every key turned, yet the movement was left submitted"


def test_approve_and_reject_together_leave_one_consistent_outcome(
    db: Session, client: TestClient, login_as: Any, mworld: MovementWorld, live_server: str
) -> None:
    for _round in range(3):
        approvers = _approvers(login_as, mworld)
        _, movement_id = submitted_hub_movement(client, login_as, mworld)
        url = f"{live_server}/api/v1/movements/{movement_id}/decision"
        for party in ("host:Balochistan", "client", "guest"):
            client.post(
                f"/api/v1/movements/{movement_id}/decision",
                headers=approvers[party].headers,
                json={"approve": True, "totp_code": approvers[party].code()},
            )
        sindh = approvers["host:Sindh"].headers
        # one code for both: the second request is refused (409) before its code is checked
        code = approvers["host:Sindh"].code()
        results = together(
            [
                partial(httpx.post, url, headers=sindh, json={"approve": True, "totp_code": code}),
                partial(
                    httpx.post,
                    url,
                    headers=sindh,
                    json={"approve": False, "reason": "x", "totp_code": code},
                ),
            ]
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409], [r.text for r in results]
        status, decisions = _state(db, movement_id)
        if "rejected" in decisions:
            assert status == "rejected"
        else:
            assert status == "approved" and decisions == ["approved"] * 4


def test_fifty_movements_created_together_get_fifty_distinct_references(
    db: Session, login_as: Any, mworld: MovementWorld, live_server: str
) -> None:
    requester = login_as(Role.REQUESTER)
    when = morning()
    body = {
        "purpose": "Airport to Hub",
        "origin": {"name": "Karachi airport", "lat": AIRPORT[0], "lon": AIRPORT[1]},
        "destination": {"name": "Hub", "lat": HUB[0], "lon": HUB[1]},
        "departure_at": when.isoformat(),
        "arrival_at": (when + timedelta(hours=2)).isoformat(),
        "passenger_ids": mworld.passengers,
    }
    create = partial(
        httpx.post, f"{live_server}/api/v1/movements", headers=requester.headers, json=body
    )
    results = together([create] * 50)
    codes = [r.status_code for r in results]
    assert 500 not in codes, [r.text for r in results if r.status_code == 500][:2]
    assert set(codes) <= {201, 503}
    for refused in (r for r in results if r.status_code == 503):
        assert refused.headers["Retry-After"].isdigit()
    created = [r.json()["reference"] for r in results if r.status_code == 201]
    assert len(created) >= 10  # SQLite queues writers up to its 10 s busy timeout
    assert len(set(created)) == len(created)
    db.expire_all()
    stored = db.scalars(select(Movement.reference)).all()
    assert len(stored) == len(created), "a refused request left a half-made movement"
