"""The phone view's live part: check-in with a code (a duress code gives the very same pages
but raises a silent alert), codes refused beside their field, SOS behind a confirm step and
one alert however often it is pressed, and "are you safe?" answered from the phone."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts import rollcall
from jsms.alerts.models import Alert, RollCallTarget
from jsms.identity import service as identity
from jsms.identity.roles import Side
from jsms.tracking import checkins
from jsms.tracking.models import CheckIn
from tests.movements.conftest import actor_of, approved, mworld
from tests.web.forms import token_of_form
from tests.web.live_world import AIRPORT, LiveWorld, live, quick_hashing, store_position

__all__ = ["approved", "live", "mworld", "quick_hashing"]

CLOCK = re.compile(r"\d\d:\d\d UTC")


def _codes(db: Session, login) -> None:
    actor = identity.authenticate(db, login.token)
    checkins.set_pins(db, actor, "2468", "1357")
    db.commit()


def _count(db: Session, table, *where) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(table).where(*where)) or 0


def _check_in(client: TestClient, pin: str) -> tuple[int, str, str]:
    token = token_of_form(client.get("/phone").text, "/phone/check-in")
    sent = client.post(
        "/phone/check-in", data={"csrf_token": token, "pin": pin}, follow_redirects=False
    )
    location = sent.headers.get("location", "")
    page = client.get(location).text if sent.status_code == 303 else sent.text
    return sent.status_code, CLOCK.sub("HH:MM UTC", location), CLOCK.sub("HH:MM UTC", page)


def test_a_duress_code_gives_the_same_pages_as_the_check_in_code_and_a_silent_alert(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    login = browse("escort_commander", agency_id=live.mworld.world.host_sindh)
    _codes(db, login)
    normal = _check_in(client, "2468")
    assert _count(db, Alert, Alert.kind == "duress") == 0
    duress = _check_in(client, "1357")
    assert normal == duress
    assert normal[0] == 303 and "Checked in at HH:MM UTC for MV-" in normal[2]
    kinds = set(db.scalars(select(CheckIn.kind).where(CheckIn.user_id == login.user_id)))
    assert kinds == {"ok", "duress"}
    (alert,) = db.scalars(select(Alert).where(Alert.kind == "duress")).all()
    assert alert.silent and alert.movement_id == live.movement_id


def test_a_wrong_code_is_refused_beside_the_field_and_nothing_is_recorded(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    login = browse("escort_commander", agency_id=live.mworld.world.host_sindh)
    _codes(db, login)
    status, _, page = _check_in(client, "9999")
    assert status == 403
    assert 'id="e-pin"' in page and "wrong check-in code" in page
    assert _count(db, CheckIn) == 0


def test_check_in_without_the_forms_token_is_refused(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    login = browse("escort_commander", agency_id=live.mworld.world.host_sindh)
    _codes(db, login)
    assert client.post("/phone/check-in", data={"pin": "2468"}).status_code == 403
    assert _count(db, CheckIn) == 0


def test_codes_are_set_on_the_phone_and_refused_beside_their_field(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    login = browse("protectee", person_id=live.mworld.passengers[0])
    assert "Set my codes" in client.get("/phone").text
    token = token_of_form(client.get("/phone/codes").text, "/phone/codes")
    same = client.post(
        "/phone/codes", data={"csrf_token": token, "checkin_pin": "1234", "duress_pin": "1234"}
    )
    assert same.status_code == 422 and 'id="e-duress_pin"' in same.text
    assert not checkins.has_pins(db, login.user_id)
    done = client.post(
        "/phone/codes",
        data={"csrf_token": token, "checkin_pin": "1234", "duress_pin": "4321"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/phone?codes=set"
    db.rollback()
    assert checkins.has_pins(db, login.user_id)
    assert token_of_form(client.get("/phone").text, "/phone/check-in")


def test_sos_asks_to_confirm_then_raises_one_alert_however_often_it_is_pressed(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    store_position(db, live, live.phone, *AIRPORT)
    browse("protectee", person_id=live.mworld.passengers[0])
    confirm = client.get(f"/phone/sos?movement_id={live.movement_id}")
    assert confirm.status_code == 200 and "Send an SOS?" in confirm.text
    assert _count(db, Alert) == 0  # the first press only asks
    token = token_of_form(confirm.text, "/phone/sos")
    for _ in range(3):
        sent = client.post(
            "/phone/sos",
            data={"csrf_token": token, "movement_id": live.movement_id},
            follow_redirects=False,
        )
        assert sent.status_code == 303 and sent.headers["location"].startswith("/phone?sos=")
    (alert,) = db.scalars(select(Alert).where(Alert.kind == "sos")).all()
    assert alert.severity == "critical" and alert.repeats == 2
    assert alert.movement_id == live.movement_id
    assert (alert.lat, alert.lon) == AIRPORT  # where the phone was last seen
    assert "The control rooms have it" in client.get(sent.headers["location"]).text


def test_sos_is_for_people_on_the_road(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    browse("requester", agency_id=live.mworld.world.company_a)
    assert "SOS" not in client.get("/phone").text
    token = token_of_form(client.get("/phone").text, "/logout")
    assert client.post("/phone/sos", data={"csrf_token": token}).status_code == 403
    assert _count(db, Alert) == 0


def test_a_protectee_answers_a_roll_call_from_the_phone(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    store_position(db, live, live.phone, *AIRPORT)
    world = live.mworld.world
    asked = rollcall.start(
        db, actor_of(world.host_sindh, Side.HOST), lat=AIRPORT[0], lon=AIRPORT[1], radius_km=3
    )
    db.commit()
    person = live.mworld.passengers[0]
    browse("protectee", person_id=person)
    phone = client.get("/phone").text
    assert "Are you safe?" in phone
    action = f"/phone/roll-calls/{asked.id}/answer"
    answered = client.post(
        action,
        data={"csrf_token": token_of_form(phone, action), "status": "safe"},
        follow_redirects=False,
    )
    assert answered.headers["location"] == "/phone?answered=safe"
    db.rollback()
    target = db.scalar(
        select(RollCallTarget).where(
            RollCallTarget.roll_call_id == asked.id, RollCallTarget.person_id == person
        )
    )
    assert target is not None and (target.status, target.channel) == ("safe", "web")
    after = client.get("/phone?answered=safe").text
    assert "Are you safe?" not in after and "knows you are safe" in after


def test_i_need_help_from_the_phone_alerts_the_control_rooms(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    store_position(db, live, live.phone, *AIRPORT)
    asked = rollcall.start(
        db,
        actor_of(live.mworld.world.host_sindh, Side.HOST),
        lat=AIRPORT[0],
        lon=AIRPORT[1],
        radius_km=3,
    )
    db.commit()
    browse("protectee", person_id=live.mworld.passengers[0])
    action = f"/phone/roll-calls/{asked.id}/answer"
    token = token_of_form(client.get("/phone").text, action)
    refused = client.post(action, data={"csrf_token": token, "status": "maybe"})
    assert refused.status_code == 422 and _count(db, Alert) == 0
    client.post(action, data={"csrf_token": token, "status": "need_help"})
    (alert,) = db.scalars(select(Alert).where(Alert.kind == "need_help")).all()
    assert alert.severity == "critical"
