"""The live feed (/live/events): positions and progress only to those who may see the
movement's route, each such movement audited once per connection; alerts only where
alerts.service lets them be seen (never a duress alert to its sender); roll-call counts over
the persons the reader may know about; a reconnect resumes from its cursor; and the stream
itself over a real server, with the session cookie."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.identity import service as identity
from jsms.identity.policy import Actor
from jsms.identity.roles import Side
from jsms.movements.models import Movement
from jsms.web.pages.live_feed import Cursor, Event, Feed
from tests.movements.conftest import actor_of, approved, mworld
from tests.web.live_world import (
    AIRPORT,
    BORDER,
    LiveWorld,
    audit_count,
    deviation,
    live,
    quick_hashing,
    raise_finding,
    store_position,
)

__all__ = ["approved", "live", "mworld", "quick_hashing"]


@pytest.fixture
def person(db: Session, login_as):
    """person(role, agency_id=None, person_id=None) -> the Actor of a new user."""

    def _person(role: str, agency_id: str | None = None, person_id: str | None = None) -> Actor:
        login = login_as(role, agency_id=agency_id, person_id=person_id)
        return identity.authenticate(db, login.token)

    return _person


def kinds(events: list[Event], name: str) -> list[dict]:
    return [data for kind, data in events if kind == name]


def test_the_assigned_host_control_room_sees_positions_and_progress_audited_once(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    store_position(db, live, live.tracker, *AIRPORT, speed_mps=0.0)
    ops = person("ops_officer", live.mworld.world.host_sindh)
    feed = Feed(db_url, ops)
    opened = feed.open()
    (shown,) = kinds(opened, "movement")
    assert shown["movement"] == live.movement_id and shown["watching"] is True
    (trail,) = kinds(opened, "position")
    assert trail["role"] == "escort" and trail["label"] == "SINDH-ESC-9 lead vehicle"
    assert kinds(opened, "progress")[0]["movement"] == live.movement_id

    lat = (AIRPORT[0] + BORDER[0]) / 2
    lon = (AIRPORT[1] + BORDER[1]) / 2
    seq = store_position(db, live, live.phone, lat, lon, speed_mps=15.0)
    polled = feed.poll()
    (moved,) = kinds(polled, "position")
    assert moved == moved | {"device": live.phone, "role": "protectee", "seq": seq, "speed": 15.0}
    assert feed.cursor.seq == seq
    feed.poll()
    assert audit_count(db, "movement.positions.read", live.movement_id) == 1
    Feed(db_url, ops).open()  # another connection, another read
    assert audit_count(db, "movement.positions.read", live.movement_id) == 2


@pytest.mark.parametrize(
    "role, agency",
    [
        ("ops_officer", "host_kp"),  # a force whose ground the route does not cross
        ("requester", "company_b"),  # another company
        ("escort_commander", "host_kp"),
    ],
)
def test_no_position_reaches_someone_without_sight_of_the_route(
    db: Session, db_url: str, live: LiveWorld, person, role: str, agency: str
) -> None:
    reader = person(role, getattr(live.mworld.world, agency))
    feed = Feed(db_url, reader)
    store_position(db, live, live.tracker, *AIRPORT)
    events = feed.open() + feed.poll()
    store_position(db, live, live.phone, *BORDER)
    events += feed.poll()
    assert not kinds(events, "movement") and not kinds(events, "position")
    assert not kinds(events, "progress")
    assert audit_count(db, "movement.positions.read") == 0


def test_positions_wait_for_the_release_and_stop_when_the_movement_ends(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    movement = db.get(Movement, live.movement_id)
    assert movement is not None
    movement.release_at = datetime.now(UTC) + timedelta(hours=1)
    db.commit()
    escort = person("escort_commander", live.mworld.world.host_sindh)
    feed = Feed(db_url, escort)
    store_position(db, live, live.tracker, *AIRPORT)
    assert not kinds(feed.open(), "position")

    db.rollback()
    movement = db.get(Movement, live.movement_id)
    assert movement is not None
    movement.release_at = datetime.now(UTC) - timedelta(minutes=1)
    db.commit()
    feed.refreshed = 0.0  # the next poll looks for released movements at once
    assert kinds(feed.poll(), "position")

    db.rollback()
    movement = db.get(Movement, live.movement_id)
    assert movement is not None
    movement.status = "completed"
    db.commit()
    feed.refreshed = 0.0
    store_position(db, live, live.phone, *BORDER)
    polled = feed.poll()
    assert kinds(polled, "movement") == [
        {"movement": live.movement_id, "reference": movement.reference, "watching": False}
    ]
    assert not kinds(polled, "position")


def test_alerts_reach_their_agencies_with_each_change_and_nobody_else(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    world = live.mworld.world
    ops = person("ops_officer", world.host_sindh)
    outsider = person("approver", world.host_kp)
    theirs, others = Feed(db_url, ops), Feed(db_url, outsider)
    theirs.open(), others.open()
    alert = raise_finding(db, deviation(live))
    (opened,) = kinds(theirs.poll(), "alert")
    assert opened["action"] == "opened" and opened["id"] == alert.id
    assert opened["lat"] is not None  # the host's assigned unit may see where

    from jsms.alerts import service

    service.acknowledge(db, ops, alert.id)
    db.commit()
    (acknowledged,) = kinds(theirs.poll(), "alert")
    assert acknowledged["action"] == "acknowledged" and acknowledged["status"] == "acknowledged"
    assert kinds(theirs.poll(), "alert") == []  # each change once
    assert kinds(others.poll(), "alert") == []
    assert audit_count(db, "alert.read", alert.id) == 1  # once per connection


def test_a_duress_alert_never_reaches_its_sender_but_reaches_the_control_room(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    world = live.mworld.world
    sender = person("escort_commander", world.host_sindh)
    ops = person("ops_officer", world.host_sindh)
    feeds = {"sender": Feed(db_url, sender), "ops": Feed(db_url, ops)}
    for feed in feeds.values():
        feed.open()
    raise_finding(
        db,
        deviation(
            live,
            kind="duress",
            severity="critical",
            key=f"duress:{live.movement_id}:{sender.user_id}",
            title="Duress check-in",
            silent=True,
            detail={"sender_user_id": sender.user_id},
        ),
    )
    assert kinds(feeds["sender"].poll(), "alert") == []
    assert [a["kind"] for a in kinds(feeds["ops"].poll(), "alert")] == ["duress"]


def test_roll_call_counts_move_with_the_answers_over_the_persons_one_may_know(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    world = live.mworld.world
    store_position(db, live, live.phone, *AIRPORT)
    ops = person("ops_officer", world.host_sindh)
    started = rollcall.start(
        db, actor_of(world.host_sindh, Side.HOST), lat=AIRPORT[0], lon=AIRPORT[1], radius_km=5
    )
    db.commit()
    feed, other_company = Feed(db_url, ops), Feed(db_url, person("requester", world.company_b))
    (counted,) = kinds(feed.open(), "roll_call")
    assert counted["id"] == started.id and counted["counts"]["pending"] >= 1
    assert (counted["lat"], counted["lon"], counted["radius_km"]) == (*AIRPORT, 5)
    assert kinds(other_company.open(), "roll_call") == []
    target = next(t for t in started.targets if t.person_id == live.mworld.passengers[0])
    rollcall.record_answer(db, target, "safe", "web")
    db.commit()
    (after,) = kinds(feed.poll(), "roll_call")
    assert after["counts"]["safe"] == counted["counts"]["safe"] + 1
    assert kinds(feed.poll(), "roll_call") == []  # unchanged: not sent again


def test_a_reconnect_resumes_from_the_cursor_it_was_given(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    ops = person("ops_officer", live.mworld.world.host_sindh)
    first = Feed(db_url, ops)
    first.open()
    seen = store_position(db, live, live.tracker, *AIRPORT)
    first.poll()
    cursor = Cursor.parse(first.cursor.text())
    assert cursor == first.cursor and cursor is not None and cursor.seq == seen
    missed = store_position(db, live, live.tracker, *BORDER)
    resumed = Feed(db_url, ops).open(cursor)
    assert [p["seq"] for p in kinds(resumed, "position")] == [missed]
    assert Cursor.parse("garbage") is None and Cursor.parse("1-") is None


def _login(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"username": username, "password": password, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 303
    return client


def test_the_stream_over_a_real_server_carries_a_new_position_within_seconds(
    db: Session, live: LiveWorld, live_server: str, login_as
) -> None:
    from tests.conftest import TEST_PASSWORD

    login = login_as("ops_officer", agency_id=live.mworld.world.host_sindh)
    client = _login(live_server, login.username, TEST_PASSWORD)
    received: list[tuple[str, dict, str | None]] = []

    def later() -> None:
        time.sleep(1.5)
        store_position(db, live, live.tracker, *BORDER, speed_mps=20.0)

    threading.Thread(target=later, daemon=True).start()
    started = time.monotonic()
    with client.stream("GET", "/live/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, last_id = "message", None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("id: "):
                last_id = line[4:]
            elif line.startswith("data: "):
                received.append((name, json.loads(line[6:]), last_id))
                if name == "position" or time.monotonic() - started > 8:
                    break
    assert received[-1][0] == "position" and received[-1][1]["speed"] == 20.0
    assert time.monotonic() - started < 8
    assert Cursor.parse(received[-1][2]) is not None


def test_the_stream_refuses_the_logged_out_and_roles_without_movements(
    client, browse, live: LiveWorld
) -> None:
    refused = client.get("/live/events", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    browse("analyst")
    assert client.get("/live/events").status_code == 403


def test_a_movement_that_starts_is_announced_with_its_new_status(
    db: Session, db_url: str, live: LiveWorld, person
) -> None:
    movement = db.get(Movement, live.movement_id)
    assert movement is not None
    movement.status, movement.started_at = "approved", None
    movement.departure_at = datetime.now(UTC) + timedelta(minutes=30)
    movement.arrival_at = movement.departure_at + timedelta(hours=2)
    db.commit()
    feed = Feed(db_url, person("ops_officer", live.mworld.world.host_sindh))
    assert [m["status"] for m in kinds(feed.open(), "movement")] == ["approved"]
    db.rollback()
    movement = db.get(Movement, live.movement_id)
    assert movement is not None
    movement.status, movement.started_at = "in_progress", datetime.now(UTC)
    db.commit()
    feed.refreshed = 0.0
    (started,) = kinds(feed.poll(), "movement")
    assert started["status"] == "in_progress" and started["watching"] is True


def test_a_logout_ends_an_open_stream(
    db: Session, live: LiveWorld, live_server: str, login_as, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsms.web.pages import live_events
    from tests.conftest import TEST_PASSWORD

    monkeypatch.setattr(live_events, "SESSION_CHECK_S", 0.5)
    login = login_as("ops_officer", agency_id=live.mworld.world.host_sindh)
    client = _login(live_server, login.username, TEST_PASSWORD)
    started = time.monotonic()
    with client.stream("GET", "/live/events") as response:
        lines = response.iter_lines()
        next(line for line in lines if line.startswith("data: "))
        home = client.get("/").text
        token = home.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        ending = [line for line in lines if line.startswith("event: ")]
    assert ending[-1] == "event: end"
    assert time.monotonic() - started < 10
