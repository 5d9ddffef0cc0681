"""Ingest through the API's device doors: fixes checked against the registry, stored once,
placed on the movement their carrier travels on, handed to the bus after the commit; every
refusal answered with a 4xx and counted, and the server answering the next device."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.tracking.ingest import pipeline_for
from jsms.tracking.models import Device
from tests.movements import conftest as movement_fixtures
from tests.tracking import ingest_world
from tests.tracking.ingest_world import Fleet, RecordingBus, count_positions, refusals, stored

# Fixtures: the movement on the road, its devices, the recording bus.
mworld = movement_fixtures.mworld
approved = movement_fixtures.approved
on_the_road = ingest_world.on_the_road
fleet = ingest_world.fleet
bus = ingest_world.bus
fresh_client = ingest_world.fresh_client

OSMAND = "/api/v1/tracking/osmand"
OWNTRACKS = "/api/v1/tracking/owntracks"


def _stamp(delta: timedelta = timedelta()) -> int:
    return int((datetime.now(UTC) + delta).timestamp())


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_an_osmand_fix_is_stored_placed_on_its_movement_and_handed_on(
    fresh_client: TestClient, fleet: Fleet, bus: RecordingBus, db: Session
) -> None:
    when = _stamp(-timedelta(seconds=30))
    response = fresh_client.post(
        OSMAND,
        params={
            "id": fleet.phone.identifier,
            "timestamp": when,
            "lat": 24.91,
            "lon": 67.15,
            "speed": 20,
            "bearing": 270,
            "batt": 80,
            "key": fleet.phone.key,
        },
    )
    assert response.status_code == 200, response.text
    assert response.content == b""
    [position] = stored(db)
    assert position.device_id == fleet.phone.id
    assert position.movement_id == fleet.movement_id
    assert position.fixed_at == datetime.fromtimestamp(when, UTC)
    assert abs(position.speed_mps - 20 * 0.514444) < 1e-3  # knots on the wire
    assert (position.source, position.battery) == ("osmand", 80)
    device = db.get(Device, fleet.phone.id)
    assert device is not None and device.last_fix_at == position.fixed_at
    [handed] = bus.wait_for(1)
    assert (handed.seq, handed.movement_id, handed.role) == (
        position.seq,
        fleet.movement_id,
        "protectee",
    )


def test_an_escort_vehicle_reports_as_escort_and_a_stranger_on_no_movement(
    fresh_client: TestClient, fleet: Fleet, bus: RecordingBus, db: Session
) -> None:
    for device in (fleet.escort, fleet.stranger):
        response = fresh_client.get(
            OSMAND,
            params={"id": device.identifier, "lat": 24.9, "lon": 67.1, "key": device.key},
        )
        assert response.status_code == 200
    roles = {p.device_id: (p.movement_id, p.role) for p in bus.wait_for(2)}
    assert roles[fleet.escort.id] == (fleet.movement_id, "escort")
    assert roles[fleet.stranger.id] == (None, "unknown")


def test_traccar_json_at_the_same_door_with_the_key_as_basic_password(
    fresh_client: TestClient, fleet: Fleet, db: Session
) -> None:
    body = {
        "device_id": fleet.phone.identifier,
        "location": {
            "timestamp": datetime.now(UTC).isoformat(),
            "coords": {
                "latitude": 24.92,
                "longitude": 67.14,
                "speed": 12.5,
                "heading": 90,
                "altitude": 5,
                "accuracy": 4,
            },
            "battery": {"level": 0.5, "is_charging": False},
            "extras": {"alarm": "sos"},
        },
    }
    response = fresh_client.post(
        OSMAND, json=body, headers=_basic(fleet.phone.identifier, fleet.phone.key)
    )
    assert response.status_code == 200, response.text
    [position] = stored(db)
    assert (position.speed_mps, position.alarm, position.source) == (12.5, "sos", "traccar_json")
    assert position.battery == 50


def test_duplicates_are_stored_once_and_late_fixes_keep_their_time(
    fresh_client: TestClient, fleet: Fleet, bus: RecordingBus, db: Session
) -> None:
    newest = _stamp(-timedelta(minutes=1))
    late = _stamp(-timedelta(days=2))  # a store-and-forward backlog
    for stamp in (newest, newest, late, newest):
        response = fresh_client.get(
            OSMAND,
            params={
                "id": fleet.phone.identifier,
                "timestamp": stamp,
                "lat": 24.9,
                "lon": 67.1,
                "key": fleet.phone.key,
            },
        )
        assert response.status_code == 200  # a duplicate is acknowledged: it is stored
    positions = stored(db)
    assert [p.fixed_at for p in positions] == [
        datetime.fromtimestamp(newest, UTC),
        datetime.fromtimestamp(late, UTC),
    ]
    assert positions[1].movement_id is None  # made two days before the movement
    device = db.get(Device, fleet.phone.id)
    assert device is not None
    assert device.last_fix_at == datetime.fromtimestamp(newest, UTC)  # not pulled back
    assert len(bus.wait_for(2)) == 2  # duplicates are not handed on again


def test_refusals_are_4xx_counted_and_the_next_device_is_still_served(
    fresh_client: TestClient, app, fleet: Fleet, db: Session
) -> None:
    phone = fleet.phone
    fix = {"id": phone.identifier, "lat": 24.9, "lon": 67.1}
    cases = [
        ({**fix, "key": "wrong"}, 401, "wrong_key"),
        (fix, 401, "missing_key"),
        ({**fix, "id": "999999", "key": phone.key}, 401, "unknown_device"),
        ({**fix, "key": phone.key, "lat": 91}, 400, "bad_coordinates"),
        ({**fix, "key": phone.key, "lat": 0, "lon": 0}, 400, "zero_position"),
        (
            {**fix, "key": phone.key, "timestamp": _stamp(timedelta(hours=1))},
            400,
            "future_timestamp",
        ),
        ({**fix, "key": phone.key, "timestamp": _stamp(-timedelta(days=30))}, 400, "too_old"),
        ({**fix, "key": phone.key, "timestamp": "946684799"}, 400, "bad_timestamp"),
        ({**fix, "key": fleet.escort.key, "id": fleet.owntracks.identifier}, 401, "wrong_key"),
    ]
    for params, status, _reason in cases:
        response = fresh_client.get(OSMAND, params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Basic")
    # a wrong key and an unknown device read the same, so probing learns nothing
    assert (
        len({fresh_client.get(OSMAND, params=p).json()["detail"] for p, s, _ in cases[:3:2]}) == 1
    )
    oversized = fresh_client.post(
        OSMAND,
        content=b"id=1&lat=1&lon=1&x=" + b"a" * 70_000,
        headers={"content-type": "text/plain"},
    )
    assert oversized.status_code == 413
    garbage = fresh_client.post(
        OSMAND, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 400
    wrong_protocol = fresh_client.get(
        OSMAND,
        params={"id": fleet.gateway.identifier, "lat": 24.9, "lon": 67.1, "key": fleet.gateway.key},
    )
    assert wrong_protocol.status_code == 400

    ok = fresh_client.get(OSMAND, params={**fix, "key": phone.key})
    assert ok.status_code == 200
    assert count_positions(db) == 1
    counted = refusals(db, pipeline_for(app))
    assert counted[("osmand", "wrong_key")] == 3
    assert counted[("osmand", "missing_key")] == 1
    assert counted[("osmand", "unknown_device")] == 2
    for reason in ("bad_coordinates", "zero_position", "future_timestamp", "too_old"):
        assert counted[("osmand", reason)] == 1, reason
    assert counted[("osmand", "too_large")] == 1
    assert counted[("traccar_json", "bad_json")] == 1
    assert counted[("osmand", "wrong_protocol")] == 1


def test_a_deactivated_device_and_a_rotated_key_are_refused(
    fresh_client: TestClient, app, fleet: Fleet, db: Session, login_as
) -> None:
    from jsms.identity.roles import Role

    requester = login_as(Role.REQUESTER)
    pipeline = pipeline_for(app)
    rotated = fresh_client.post(
        f"/api/v1/devices/{fleet.phone.id}/rotate-key", headers=requester.headers
    )
    assert rotated.status_code == 200
    new_key = rotated.json()["key"]
    pipeline.refresh()
    params = {"id": fleet.phone.identifier, "lat": 24.9, "lon": 67.1}
    assert fresh_client.get(OSMAND, params={**params, "key": fleet.phone.key}).status_code == 401
    assert fresh_client.get(OSMAND, params={**params, "key": new_key}).status_code == 200
    gone = fresh_client.post(
        f"/api/v1/devices/{fleet.phone.id}/deactivate", headers=requester.headers
    )
    assert gone.status_code == 200 and gone.json()["active"] is False
    pipeline.refresh()
    response = fresh_client.get(
        OSMAND, params={**params, "key": new_key, "timestamp": _stamp(timedelta(seconds=-5))}
    )
    assert response.status_code == 401
    assert refusals(db, pipeline)[("osmand", "inactive_device")] == 1


def test_owntracks_http_mode(fresh_client: TestClient, app, fleet: Fleet, db: Session) -> None:
    device = fleet.owntracks
    user, name = device.identifier.split("/")
    headers = {**_basic(user, device.key), "X-Limit-U": user, "X-Limit-D": name}
    location = {
        "_type": "location",
        "tid": "LP",
        "tst": _stamp(-timedelta(seconds=10)),
        "lat": 24.93,
        "lon": 67.12,
        "vel": 36,
        "batt": 64,
    }
    response = fresh_client.post(OWNTRACKS, json=location, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == []
    transition = {
        "_type": "transition",
        "tst": _stamp(),
        "lat": 24.94,
        "lon": 67.11,
        "acc": 20,
        "event": "enter",
        "desc": "Hub camp",
        "wtst": 1_700_000_000,
    }
    assert fresh_client.post(OWNTRACKS, json=transition, headers=headers).json() == []
    for ignored in ({"_type": "lwt", "tst": _stamp()}, {"_type": "waypoints", "waypoints": []}):
        answer = fresh_client.post(OWNTRACKS, json=ignored, headers=headers)
        assert (answer.status_code, answer.json()) == (200, [])
    positions = stored(db)
    assert [(p.speed_mps, p.alarm) for p in positions] == [(10.0, None), (None, "enter:Hub camp")]
    assert positions[0].movement_id == fleet.movement_id
    # the same with the device named in the Basic user, and with a wrong key
    again = {**location, "tst": location["tst"] - 5}
    assert (
        fresh_client.post(
            OWNTRACKS, json=again, headers=_basic(device.identifier, device.key)
        ).status_code
        == 200
    )
    wrong = fresh_client.post(OWNTRACKS, json=location, headers=_basic(device.identifier, "x"))
    assert wrong.status_code == 401
    assert refusals(db, pipeline_for(app))[("owntracks", "wrong_key")] == 1


def test_a_gateway_posts_a_batch_for_its_agency_only(
    fresh_client: TestClient, app, fleet: Fleet, db: Session
) -> None:
    now = datetime.now(UTC)
    fixes = [
        {
            "device": fleet.phone.identifier,
            "time": (now - timedelta(seconds=s)).isoformat(),
            "lat": 24.9 + s / 1000,
            "lon": 67.1,
            "speed_mps": 10,
        }
        for s in range(1, 6)
    ]
    fixes.append(
        {"device": fleet.stranger.identifier, "time": now.isoformat(), "lat": 24.9, "lon": 67.1}
    )
    fixes.append(
        {"device": fleet.phone.identifier, "time": now.isoformat(), "lat": 99, "lon": 67.1}
    )
    gateway = _basic(fleet.gateway.identifier, fleet.gateway.key)
    response = fresh_client.post("/api/v1/tracking/batch", json={"fixes": fixes}, headers=gateway)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["stored"], answer["duplicates"]) == (5, 0)
    assert [(r["index"], r["reason"]) for r in answer["refused"]] == [
        (5, "not_your_device"),
        (6, "bad_coordinates"),
    ]
    again = fresh_client.post("/api/v1/tracking/batch", json={"fixes": fixes[:5]}, headers=gateway)
    assert again.json()["stored"] == 0 and again.json()["duplicates"] == 5
    # a device may post its own backlog, but nobody else's
    own = _basic(fleet.stranger.identifier, fleet.stranger.key)
    mine = fresh_client.post("/api/v1/tracking/batch", json={"fixes": fixes[5:6]}, headers=own)
    assert mine.json()["stored"] == 1
    theirs = fresh_client.post("/api/v1/tracking/batch", json={"fixes": fixes[:1]}, headers=own)
    assert theirs.json()["refused"][0]["reason"] == "not_your_device"
    assert fresh_client.post("/api/v1/tracking/batch", json={"fixes": fixes}).status_code == 401
    assert count_positions(db) == 6
    assert refusals(db, pipeline_for(app))[("batch", "not_your_device")] == 2


def test_a_fix_repeated_within_a_batch_is_stored_once_and_counted_once(
    fresh_client: TestClient, app, fleet: Fleet, db: Session
) -> None:
    fix = {"device": fleet.phone.identifier, "time": _stamp(), "lat": 24.9, "lon": 67.1}
    gateway = _basic(fleet.gateway.identifier, fleet.gateway.key)
    answer = fresh_client.post(
        "/api/v1/tracking/batch", json={"fixes": [fix, dict(fix), dict(fix)]}, headers=gateway
    ).json()
    assert (answer["stored"], answer["duplicates"]) == (1, 2)
    assert count_positions(db) == 1


def test_a_number_too_large_for_a_float_is_refused_not_a_crash(
    fresh_client: TestClient, app, fleet: Fleet, db: Session
) -> None:
    gateway = _basic(fleet.gateway.identifier, fleet.gateway.key)
    huge = 10**400  # valid JSON; float() of it raises OverflowError
    fixes = [
        {"device": fleet.phone.identifier, "time": _stamp(), "lat": huge, "lon": 67.1},
        {"device": fleet.phone.identifier, "time": huge, "lat": 24.9, "lon": 67.1},
        {"device": fleet.phone.identifier, "time": _stamp(), "lat": 24.9, "lon": 67.1},
    ]
    body = json.dumps({"fixes": fixes})
    response = fresh_client.post(
        "/api/v1/tracking/batch",
        content=body,
        headers={**gateway, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["stored"] == 1
    assert [(r["index"], r["reason"]) for r in answer["refused"]] == [
        (0, "bad_coordinates"),
        (1, "malformed"),
    ]


def test_a_failed_commit_acknowledges_nothing_and_ingest_goes_on(
    fresh_client: TestClient, app, fleet: Fleet, db: Session, monkeypatch
) -> None:
    from jsms.tracking import store

    real_insert = store.insert_positions

    def broken(connection, rows, received_at):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "insert_positions", broken)
    params = {"id": fleet.phone.identifier, "lat": 24.9, "lon": 67.1, "key": fleet.phone.key}
    response = fresh_client.get(OSMAND, params={**params, "timestamp": _stamp()})
    assert response.status_code == 503
    assert count_positions(db) == 0
    monkeypatch.setattr(store, "insert_positions", real_insert)
    assert fresh_client.get(OSMAND, params={**params, "timestamp": _stamp()}).status_code == 200
    assert count_positions(db) == 1


def test_rejection_counts_are_read_by_ops_and_admins_only(
    fresh_client: TestClient, app, fleet: Fleet, db: Session, login_as
) -> None:
    from jsms.identity.roles import Role

    fresh_client.get(OSMAND, params={"id": fleet.phone.identifier, "lat": 1, "lon": 1, "key": "no"})
    pipeline_for(app).flush()
    ops = login_as(Role.OPS_OFFICER)
    response = fresh_client.get("/api/v1/tracking/rejections", headers=ops.headers)
    assert response.status_code == 200
    [row] = response.json()
    assert (row["source"], row["reason"], row["count"]) == ("osmand", "wrong_key", 1)
    assert "key=***" in row["last_sample"] and "no" not in row["last_sample"].split("key=")[1]
    analyst = login_as(Role.ANALYST)
    assert (
        fresh_client.get("/api/v1/tracking/rejections", headers=analyst.headers).status_code == 403
    )


def test_devices_are_not_asked_for_json_they_cannot_send(
    fresh_client: TestClient, fleet: Fleet
) -> None:
    """Form-encoded POST bodies (the OsmAnd convention when the query is empty) work too."""
    body = f"id={fleet.phone.identifier}&lat=24.9&lon=67.1&key={fleet.phone.key}"
    response = fresh_client.post(
        OSMAND, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200
    assert json.loads(response.content or b"null") is None
