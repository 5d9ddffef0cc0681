"""The plan through the API as an operator meets it: choosing any route shown, amendments that
recompute what they change, the approval queue, rejection and resubmission, zoned times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.identity.roles import Role
from tests.movements.conftest import AIRPORT, HUB, MovementWorld
from tests.movements.test_planning_api import kkh_world, request

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
ISO_ANY = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def hub_movement(client: TestClient, requester: Any, mworld: MovementWorld, when: datetime) -> str:
    created = client.post(
        "/api/v1/movements",
        headers=requester.headers,
        json={
            "purpose": "Airport to Hub",
            "origin": {"name": "Karachi airport", "lat": AIRPORT[0], "lon": AIRPORT[1]},
            "destination": {"name": "Hub", "lat": HUB[0], "lon": HUB[1]},
            "departure_at": when.isoformat(),
            "arrival_at": (when + timedelta(hours=2)).isoformat(),
            "passenger_ids": mworld.passengers,
            "vehicles": [{"registration": "CO-A-1", "armoured": True, "seats": 4, "passengers": 3}],
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def morning(days: int = 3) -> datetime:
    """09:00 in Pakistan (04:00 UTC), a few days ahead."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(
        hour=4, minute=0, second=0, microsecond=0
    )


def submitted_hub_movement(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> tuple[Any, str]:
    requester = login_as(Role.REQUESTER)
    movement_id = hub_movement(client, requester, mworld, morning())
    base = f"/api/v1/movements/{movement_id}"
    chosen = client.put(f"{base}/route", headers=requester.headers, json={"label": "fastest"})
    assert chosen.status_code == 200, chosen.text
    submitted = client.post(f"{base}/submit", headers=requester.headers)
    assert submitted.status_code == 200, submitted.text
    return requester, movement_id


def test_every_label_an_option_carries_can_be_chosen(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    requester = login_as(Role.REQUESTER)
    movement_id = hub_movement(client, requester, mworld, morning())
    base = f"/api/v1/movements/{movement_id}"
    options = client.get(f"{base}/route-options", headers=requester.headers).json()
    shown = [(option, label) for option in options for label in option["labels"]]
    assert {label for _, label in shown} >= {"fastest", "safest", "balanced"}
    for option, label in shown:
        if sum(label in o["labels"] for o in options) > 1:
            continue  # an ambiguous label is chosen by id below
        chosen = client.put(f"{base}/route", headers=requester.headers, json={"label": label})
        assert chosen.status_code == 200, (label, chosen.text)
        assert chosen.json()["route"]["id"] == option["id"]


def test_every_option_can_be_chosen_by_its_id(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    requester = login_as(Role.REQUESTER)
    created = client.post(
        "/api/v1/movements",
        headers=requester.headers,
        json={
            "purpose": "Karachi to Sukkur",
            "origin": {"name": "Karachi"},
            "destination": {"name": "Sukkur"},
            "departure_at": morning().isoformat(),
            "arrival_at": (morning() + timedelta(hours=9)).isoformat(),
            "passenger_ids": mworld.passengers,
        },
    )
    assert created.status_code == 201, created.text
    base = f"/api/v1/movements/{created.json()['id']}"
    options = client.get(f"{base}/route-options", headers=requester.headers).json()
    assert len({o["id"] for o in options}) == len(options) >= 2
    for option in options:
        chosen = client.put(
            f"{base}/route", headers=requester.headers, json={"option_id": option["id"]}
        )
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["route"]["id"] == option["id"]
        assert chosen.json()["route"]["distance_m"] == option["distance_m"]
    labels = [label for o in options for label in o["labels"]]
    for label in {lbl for lbl in labels if labels.count(lbl) > 1}:
        refused = client.put(f"{base}/route", headers=requester.headers, json={"label": label})
        assert refused.status_code == 422
        assert "option_id" in refused.json()["detail"]
    unknown = client.put(
        f"{base}/route", headers=requester.headers, json={"option_id": "R-0000000000"}
    )
    assert unknown.status_code == 422
    assert "no route option" in unknown.json()["detail"]
    both = client.put(
        f"{base}/route",
        headers=requester.headers,
        json={"label": "fastest", "option_id": options[0]["id"]},
    )
    assert both.status_code == 422


def test_amending_the_times_recomputes_the_sop_verdict_and_the_arrival(
    db: Session, client: TestClient, login_as: Any, world: Any
) -> None:
    day = (datetime.now(UTC) + timedelta(days=7)).replace(hour=3, minute=0, second=0, microsecond=0)
    people = kkh_world(db, world, day)
    requester = login_as(Role.REQUESTER)
    movement_id = request(client, requester, people, day)
    base = f"/api/v1/movements/{movement_id}"
    chosen = client.put(f"{base}/route", headers=requester.headers, json={"label": "fastest"})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["evaluation"]["blocked"] is False
    duration = chosen.json()["route"]["duration_s"]

    night = day + timedelta(hours=10)  # 18:00 in Pakistan: dark before Besham
    moved = client.patch(
        base,
        headers=requester.headers,
        json={
            "departure_at": night.isoformat(),
            "arrival_at": (night + timedelta(hours=8)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text
    plan = client.get(f"{base}/plan", headers=requester.headers).json()
    assert plan["evaluation"]["blocked"] is True
    assert any(v["rule_id"] == "KP-WINDOW-1" for v in plan["evaluation"]["violations"])
    assert plan["evaluation"]["version"] == plan["version"]
    arrival = datetime.fromisoformat(plan["route"]["arrival"])
    assert arrival == night + timedelta(seconds=duration)
    refused = client.post(f"{base}/submit", headers=requester.headers)
    assert refused.status_code == 422
    assert "KP-WINDOW-1" in refused.json()["detail"]

    back = client.patch(
        base,
        headers=requester.headers,
        json={
            "departure_at": day.isoformat(),
            "arrival_at": (day + timedelta(hours=8)).isoformat(),
        },
    )
    assert back.json()["evaluation"]["blocked"] is False
    assert "host:Khyber Pakhtunkhwa (SSU-KP)" in back.json()["approvals_needed"]


def test_the_approval_queue_is_paged_and_says_what_is_to_be_approved(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    _, movement_id = submitted_hub_movement(client, login_as, mworld)
    approver = login_as(Role.APPROVER, agency_id=mworld.world.host_sindh)
    queue = client.get("/api/v1/approvals/pending", headers=approver.headers)
    assert queue.status_code == 200, queue.text
    body = queue.json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 1
    [item] = body["items"]
    assert item["movement_id"] == movement_id
    assert item["reference"].startswith("MV-")
    assert item["party"] == "host:Sindh"
    assert item["origin_name"] == "Karachi airport" and item["destination_name"] == "Hub"
    assert item["jurisdictions"] == ["Sindh", "Balochistan"]
    assert item["distance_km"] > 10 and item["duration_min"] > 5
    assert ISO_WITH_OFFSET.match(item["due_at"]) and ISO_WITH_OFFSET.match(item["departure_at"])
    assert (
        client.get("/api/v1/approvals/pending?per_page=1&page=2", headers=approver.headers).json()[
            "items"
        ]
        == []
    )
    requester = login_as(Role.REQUESTER)
    assert client.get("/api/v1/approvals/pending", headers=requester.headers).status_code == 403


def test_a_rejected_movement_is_amended_and_resubmitted_as_a_new_version(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    requester, movement_id = submitted_hub_movement(client, login_as, mworld)
    base = f"/api/v1/movements/{movement_id}"
    approver = login_as(Role.APPROVER, agency_id=mworld.world.host_sindh)
    rejected = client.post(
        f"{base}/decision",
        headers=approver.headers,
        json={
            "approve": False,
            "reason": "no escort free that morning; go an hour later",
            "totp_code": approver.code(),
        },
    )
    assert rejected.status_code == 200, rejected.text
    assert client.get(base, headers=requester.headers).json()["status"] == "rejected"

    later = morning() + timedelta(hours=1)
    amended = client.patch(
        base,
        headers=requester.headers,
        json={
            "departure_at": later.isoformat(),
            "arrival_at": (later + timedelta(hours=2)).isoformat(),
        },
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["status"] == "draft" and amended.json()["version"] == 2
    resubmitted = client.post(f"{base}/submit", headers=requester.headers)
    assert resubmitted.status_code == 200, resubmitted.text
    plan = resubmitted.json()
    assert plan["status"] == "submitted" and plan["version"] == 2
    assert all(a["status"] == "pending" and a["movement_version"] == 2 for a in plan["approvals"])
    [old] = [a for a in plan["history"] if a["status"] == "rejected"]
    assert old["movement_version"] == 1 and "go an hour later" in old["reason"]


def test_a_rejected_movement_can_be_resubmitted_unchanged_or_cloned(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    requester, movement_id = submitted_hub_movement(client, login_as, mworld)
    base = f"/api/v1/movements/{movement_id}"
    approver = login_as(Role.APPROVER, agency_id=mworld.world.host_sindh)
    client.post(
        f"{base}/decision",
        headers=approver.headers,
        json={"approve": False, "reason": "wait", "totp_code": approver.code()},
    )
    again = client.post(f"{base}/submit", headers=requester.headers)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2

    later = morning(days=4)
    clone = client.post(
        f"{base}/clone",
        headers=requester.headers,
        json={
            "departure_at": later.isoformat(),
            "arrival_at": (later + timedelta(hours=2)).isoformat(),
        },
    )
    assert clone.status_code == 201, clone.text
    copy = clone.json()
    assert copy["id"] != movement_id and copy["reference"] != again.json()["reference"]
    assert copy["status"] == "draft" and copy["version"] == 1
    assert copy["route"]["coordinates"] == again.json()["route"]["coordinates"]
    assert datetime.fromisoformat(copy["route"]["arrival"]) > later
    outsider = login_as(Role.REQUESTER, agency_id=mworld.world.company_b)
    assert client.post(
        f"{base}/clone",
        headers=outsider.headers,
        json={
            "departure_at": later.isoformat(),
            "arrival_at": (later + timedelta(hours=2)).isoformat(),
        },
    ).status_code in (403, 404)


def _datetimes(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _datetimes(v)]
    if isinstance(value, list):
        return [s for v in value for s in _datetimes(v)]
    return [value] if isinstance(value, str) and ISO_ANY.match(value) else []


def test_every_time_the_api_returns_carries_its_offset(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    requester, movement_id = submitted_hub_movement(client, login_as, mworld)
    plan = client.get(f"/api/v1/movements/{movement_id}/plan", headers=requester.headers).json()
    times = _datetimes(plan)
    assert len(times) >= 5
    for value in times:
        assert ISO_WITH_OFFSET.match(value), value


def test_summary_only_staff_do_not_learn_the_departure_time_from_deadlines(
    client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    _, movement_id = submitted_hub_movement(client, login_as, mworld)
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    summary = client.get(f"/api/v1/movements/{movement_id}", headers=ops.headers)
    assert summary.status_code == 200, summary.text
    assert summary.json()["details_visible"] is False
    assert summary.json()["approvals"]
    assert all(a["due_at"] is None for a in summary.json()["approvals"])


def test_a_convoy_may_not_leave_hours_before_its_planned_time(
    db: Session, client: TestClient, login_as: Any, mworld: MovementWorld, approved: str
) -> None:
    from tests.movements.conftest import release_now

    release_now(db, approved)
    ops = login_as(Role.OPS_OFFICER, agency_id=mworld.world.host_sindh)
    early = client.post(f"/api/v1/movements/{approved}/start", headers=ops.headers)
    assert early.status_code == 409, early.text
    assert "PKT" in early.json()["detail"] and "may start from" in early.json()["detail"]
    plan = client.get(f"/api/v1/movements/{approved}/plan", headers=ops.headers).json()
    assert plan["status"] == "approved" and plan["started_at"] is None


def test_references_keep_counting_past_five_digits(
    db: Session, client: TestClient, login_as: Any, mworld: MovementWorld
) -> None:
    from jsms.movements.models import Movement

    requester = login_as(Role.REQUESTER)
    made = [hub_movement(client, requester, mworld, morning()) for _ in range(2)]
    year = morning().year
    db.expire_all()
    for movement_id, number in zip(made, ("99999", "100000"), strict=True):
        movement = db.get(Movement, movement_id)
        assert movement is not None
        movement.reference = f"MV-{year}-{number}"
    db.commit()
    latest = hub_movement(client, requester, mworld, morning())
    reference = client.get(f"/api/v1/movements/{latest}", headers=requester.headers).json()
    assert reference["reference"] == f"MV-{year}-100001"
