"""The device registry: who may register which device, the key shown once (only its hashes
kept), rotation and deactivation, every change and read audited; `jsms devices` from the
command line; a movement's positions read with the route's need-to-know."""

from __future__ import annotations

import hashlib
import time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role
from jsms.tracking.models import Device
from tests.cli.runner import jsms, one_line
from tests.movements import conftest as movement_fixtures
from tests.movements.conftest import MovementWorld
from tests.tracking import ingest_world
from tests.tracking.ingest_world import Fleet

mworld = movement_fixtures.mworld
approved = movement_fixtures.approved
on_the_road = ingest_world.on_the_road
fleet = ingest_world.fleet
bus = ingest_world.bus
fresh_client = ingest_world.fresh_client

DEVICES = "/api/v1/devices"


def _events(db: Session, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def test_a_company_registers_its_employees_phone_and_sees_the_key_once(
    client: TestClient, db: Session, mworld: MovementWorld, login_as
) -> None:
    requester = login_as(Role.REQUESTER)  # company A
    body = {
        "identifier": "353861053849681",
        "protocol": "osmand",
        "label": "Engineer 0",
        "person_id": mworld.passengers[0],
    }
    response = client.post(DEVICES, json=body, headers=requester.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["key"]
    assert len(key) >= 32
    db.rollback()
    device = db.get(Device, created["id"])
    assert device is not None
    assert device.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    assert device.broker_hash is not None and device.broker_hash.startswith("$7$101$")
    assert key not in (device.broker_hash or "")
    shown = client.get(f"{DEVICES}/{created['id']}", headers=requester.headers).json()
    assert "key" not in shown and shown["identifier"] == "353861053849681"
    listed = client.get(DEVICES, headers=requester.headers).json()
    assert [d["id"] for d in listed["items"]] == [created["id"]]
    assert "key" not in listed["items"][0]
    assert [e.object_id for e in _events(db, "devices.create")] == [created["id"]]
    assert _events(db, "device.read") and _events(db, "device.list")
    # the same identifier twice is a conflict
    again = client.post(DEVICES, json=body, headers=requester.headers)
    assert again.status_code == 409


def test_bad_registrations_say_why_and_save_nothing(
    client: TestClient, db: Session, mworld: MovementWorld, world, login_as
) -> None:
    requester = login_as(Role.REQUESTER)
    other_company_person = movement_fixtures.actor_of(
        world.company_b, movement_fixtures.Side.CLIENT
    )
    from jsms.registry import service as registry

    stranger = registry.create_person(db, other_company_person, full_name="B", nationality="CN")
    db.commit()
    cases = [
        ({"identifier": "a/b/c", "protocol": "owntracks"}, 422, "user/device"),
        ({"identifier": "has space", "protocol": "osmand"}, 422, "identifier"),
        ({"identifier": "x1", "protocol": "smoke-signals"}, 422, "protocol"),
        ({"identifier": "x2", "protocol": "osmand", "person_id": stranger.id}, 404, "no person"),
        ({"identifier": "x3", "protocol": "osmand", "unit_id": mworld.guest_unit}, 422, "unit"),
        ({"identifier": "x4", "protocol": "osmand", "agency_id": world.company_b}, 403, "own"),
        (
            {"identifier": "x5", "protocol": "gateway", "person_id": mworld.passengers[0]},
            422,
            "gateway",
        ),
    ]
    for body, status, words in cases:
        response = client.post(DEVICES, json=body, headers=requester.headers)
        assert response.status_code == status, (body, response.text)
        assert words in response.text
    db.rollback()
    assert db.scalars(select(Device)).all() == []


def test_ops_officers_fit_their_own_units_and_see_only_their_agency(
    client: TestClient, db: Session, mworld: MovementWorld, world, login_as
) -> None:
    guest_ops = login_as(Role.OPS_OFFICER, agency_id=world.guest)
    fitted = client.post(
        DEVICES,
        json={
            "identifier": "gsd-cp-9-1",
            "protocol": "osmand",
            "unit_id": mworld.guest_unit,
            "vehicle_registration": "GSD-CP-9-1",
        },
        headers=guest_ops.headers,
    )
    assert fitted.status_code == 201, fitted.text
    wrong_vehicle = client.post(
        DEVICES,
        json={
            "identifier": "gsd-cp-9-2",
            "protocol": "osmand",
            "unit_id": mworld.guest_unit,
            "vehicle_registration": "NOT-OURS",
        },
        headers=guest_ops.headers,
    )
    assert wrong_vehicle.status_code == 422 and "no vehicle" in wrong_vehicle.text
    sindh_ops = login_as(Role.OPS_OFFICER)  # host Sindh
    device_id = fitted.json()["id"]
    assert client.get(f"{DEVICES}/{device_id}", headers=sindh_ops.headers).status_code == 404
    assert (
        client.post(f"{DEVICES}/{device_id}/deactivate", headers=sindh_ops.headers).status_code
        == 404
    )
    assert client.get(DEVICES, headers=sindh_ops.headers).json()["total"] == 0
    admin = login_as(Role.ADMIN)
    assert client.get(DEVICES, headers=admin.headers).json()["total"] == 1
    analyst = login_as(Role.ANALYST)
    assert client.get(DEVICES, headers=analyst.headers).status_code == 403


def test_rotation_and_deactivation_are_audited(
    fresh_client: TestClient, db: Session, fleet: Fleet, login_as
) -> None:
    requester = login_as(Role.REQUESTER)
    rotated = fresh_client.post(f"{DEVICES}/{fleet.phone.id}/rotate-key", headers=requester.headers)
    assert rotated.status_code == 200
    assert rotated.json()["key"] != fleet.phone.key
    fresh_client.post(f"{DEVICES}/{fleet.phone.id}/deactivate", headers=requester.headers)
    updates = [e for e in _events(db, "devices.update") if e.object_id == fleet.phone.id]
    assert {"broker_hash", "secret_hash"} <= set(updates[0].detail["fields"])
    assert updates[-1].detail["fields"] == ["active"]


def test_positions_are_route_detail_need_to_know_and_audited(
    fresh_client: TestClient, db: Session, fleet: Fleet, mworld: MovementWorld, world, login_as
) -> None:
    for second in range(3):
        response = fresh_client.get(
            "/api/v1/tracking/osmand",
            params={
                "id": fleet.escort.identifier,
                "lat": (24.9, 24.91, 24.92)[second],
                "lon": 67.1,
                "timestamp": int(time.time()) - 60 + second,
                "key": fleet.escort.key,
            },
        )
        assert response.status_code == 200
    path = f"/api/v1/movements/{fleet.movement_id}/positions"
    guest_ops = login_as(Role.OPS_OFFICER, agency_id=world.guest)  # its unit escorts it
    trail = fresh_client.get(path, headers=guest_ops.headers)
    assert trail.status_code == 200, trail.text
    body = trail.json()
    assert [p["role"] for p in body["positions"]] == ["escort"] * 3
    assert [p["lat"] for p in body["positions"]] == [24.9, 24.91, 24.92]
    newer = fresh_client.get(
        path, params={"after_seq": body["next_after_seq"]}, headers=guest_ops.headers
    )
    assert newer.json()["positions"] == []
    assert len(_events(db, "movement.positions.read")) == 2
    # an analyst of the same host side, and the other company, never see the trail
    analyst = login_as(Role.ANALYST)
    assert fresh_client.get(path, headers=analyst.headers).status_code == 403
    other_company = login_as(Role.REQUESTER, agency_id=world.company_b)
    refused = fresh_client.get(path, headers=other_company.headers)
    assert refused.status_code == 404
    assert "24.9" not in refused.text


def test_the_command_line_registers_rotates_lists_and_deactivates(
    database_url: str, db: Session, world
) -> None:
    added = jsms("devices", "add", "cli-phone-1", "--protocol", "osmand", "--agency", "CO-A")
    assert added.returncode == 0, added.stderr
    first_key = one_line(added.stdout).rsplit(" ", 1)[-1]
    db.rollback()
    device = db.scalar(select(Device).where(Device.identifier == "cli-phone-1"))
    assert device is not None
    assert device.secret_hash == hashlib.sha256(first_key.encode()).hexdigest()
    rotated = jsms("devices", "rotate-key", "cli-phone-1")
    assert rotated.returncode == 0
    assert one_line(rotated.stdout).rsplit(" ", 1)[-1] != first_key
    assert jsms("devices", "deactivate", "cli-phone-1").returncode == 0
    listed = jsms("devices", "list")
    assert "cli-phone-1" in listed.stdout and "no" in listed.stdout
    db.rollback()
    assert db.scalar(select(Device.active).where(Device.identifier == "cli-phone-1")) is False


def test_bad_command_line_input_is_one_line_and_exit_2(database_url: str, world) -> None:
    for args, words in (
        (("devices", "add", "x", "--protocol", "carrier-pigeon", "--agency", "CO-A"), "protocol"),
        (("devices", "add", "x", "--protocol", "osmand", "--agency", "NOPE"), "NOPE"),
        (("devices", "rotate-key", "missing-device"), "missing-device"),
        (("devices", "deactivate", "missing-device"), "missing-device"),
        (
            ("devices", "mosquitto-passwd", "--password-file", "/nope/p", "--acl-file", "/nope/a"),
            "no such folder",
        ),
    ):
        result = jsms(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and words in lines[0], (args, result.stderr)
        assert "Traceback" not in result.stderr
