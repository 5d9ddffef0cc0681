"""The movement pages through the browser's forms: the request wizard (create, choose a route,
submit), the movement page per role with need-to-know, amending, running and the order copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.movements.models import Movement
from tests.movements.conftest import MovementWorld, approved, mworld, release_now
from tests.web.forms import token_of_form

__all__ = ["approved", "mworld"]  # fixtures used by the tests below

PKT = timedelta(hours=5)


def fresh(db: Session, movement_id: str) -> Movement:
    """The movement as committed now (the test's session keeps objects across transactions)."""
    db.rollback()
    db.expire_all()
    movement = db.get(Movement, movement_id)
    assert movement is not None
    return movement


def movements(db: Session) -> int:
    db.rollback()
    return int(db.scalar(select(func.count(Movement.id))) or 0)


def events(db: Session, action: str, actor_id: str | None = None) -> list[AuditEvent]:
    db.rollback()
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    return list(db.scalars(stmt))


def local_day(days: int, hour: int) -> datetime:
    """A local (UTC+5) wall-clock time `days` ahead, as a naive datetime."""
    day = (datetime.now(UTC) + PKT).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour)


def request_form(token: str, passengers: list[str], **changes: str) -> dict[str, object]:
    leave = local_day(5, 10)
    form: dict[str, object] = {
        "csrf_token": token,
        "purpose": "Engineers to the Port Qasim plant",
        "passenger_ids": passengers[:2],
        "origin_town": "Jinnah International Airport",
        "destination_town": "Port Qasim",
        "departure_at": leave.strftime("%Y-%m-%dT%H:%M"),
        "arrival_at": (leave + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "",
        "vehicle_0_registration": "CO-A-01",
        "vehicle_0_armoured": "yes",
        "vehicle_0_seats": "4",
        "vehicle_0_passengers": "2",
    }
    form.update(changes)
    return form


def test_requester_walks_the_wizard_from_request_to_submission(
    browse, client, db: Session, mworld: MovementWorld
) -> None:
    browse("requester")
    page = client.get("/movements/new")
    assert page.status_code == 200
    assert "Engineer 0" in page.text and "Engineer 2" in page.text  # names to tick
    assert "passport" not in page.text.lower()
    form = request_form(token_of_form(page.text, "/movements/new"), mworld.passengers)

    created = client.post("/movements/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert created.headers["location"].endswith("/route?done=created")
    db.rollback()
    movement = db.scalars(select(Movement)).one()
    assert movement.status == "draft" and movement.passenger_ids == mworld.passengers[:2]
    # 10:00 typed in the origin's zone (Sindh's SOP names Asia/Karachi) is 05:00 UTC
    assert movement.departure_at == local_day(5, 10).replace(tzinfo=UTC) - PKT
    assert movement.vehicles[0]["armoured"] is True

    route_page = client.get(f"/movements/{movement.id}/route")
    assert route_page.status_code == 200
    assert "Highest level" in route_page.text and "Chokepoints" in route_page.text
    assert 'data-map="route-map"' in route_page.text and '"LineString"' in route_page.text
    option = route_page.text.split('name="option_id" value="', 1)[1].split('"', 1)[0]
    chosen = client.post(
        f"/movements/{movement.id}/route",
        data={
            "csrf_token": token_of_form(route_page.text, f"/movements/{movement.id}/route"),
            "option_id": option,
        },
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert fresh(db, movement.id).route["id"] == option

    plan_page = client.get(f"/movements/{movement.id}?done=route")
    assert "SOP check, rule by rule" in plan_page.text
    assert "FED-ARMOUR-1" in plan_page.text and "Route chosen" in plan_page.text
    submitted = client.post(
        f"/movements/{movement.id}/submit",
        data={"csrf_token": token_of_form(plan_page.text, f"/movements/{movement.id}/submit")},
        follow_redirects=False,
    )
    assert submitted.status_code == 303, submitted.text
    movement = fresh(db, movement.id)
    assert movement.status == "submitted"
    assert {a.party for a in movement.approvals} == {"host:Sindh", "guest", "client"}


def test_bad_request_comes_back_with_the_reasons_and_creates_nothing(
    browse, client, db: Session, mworld: MovementWorld
) -> None:
    browse("requester")
    token = token_of_form(client.get("/movements/new").text, "/movements/new")
    leave = local_day(5, 10)
    form = request_form(
        token,
        [],
        origin_town="Atlantis-on-Indus",
        arrival_at=(leave - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    page = client.post("/movements/new", data=form)
    assert page.status_code == 422
    assert 'id="e-origin_town"' in page.text and "unknown place" in page.text
    assert 'id="e-passenger_ids"' in page.text
    assert 'id="e-arrival_at"' in page.text and "after the departure" in page.text
    assert 'value="Engineers to the Port Qasim plant"' in page.text  # the input is kept
    assert 'value="Atlantis-on-Indus"' in page.text

    past = local_day(-1, 10).strftime("%Y-%m-%dT%H:%M")
    late = client.post(
        "/movements/new",
        data=request_form(token, mworld.passengers, departure_at=past),
    )
    assert late.status_code == 422
    assert 'id="e-departure_at"' in late.text and "in the past" in late.text
    assert movements(db) == 0


def test_forms_without_their_token_are_refused(
    browse, client, db: Session, mworld: MovementWorld, approved: str
) -> None:
    browse("requester")
    refused = client.post("/movements/new", data=request_form("", mworld.passengers))
    assert refused.status_code == 403 and "reload the page" in refused.text
    assert client.post(f"/movements/{approved}/submit", data={}).status_code == 403
    assert movements(db) == 1  # only the fixture's


def test_pages_are_refused_as_pages_for_roles_without_the_permission(
    browse, client, approved: str
) -> None:
    browse("analyst")
    for path in ("/movements", "/movements/new", f"/movements/{approved}", "/approvals"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "Not allowed" in page.text and "analyst" in page.text
    browse("requester")
    for path in (f"/movements/{approved}/escorts", "/approvals", f"/approvals/{approved}"):
        assert client.get(path).status_code == 403, path
    browse("auditor")
    assert client.get(f"/movements/{approved}/order").status_code == 403


def test_requester_sees_the_plan_with_local_times_names_and_rules_audited(
    browse, client, db: Session, mworld: MovementWorld, approved: str
) -> None:
    login = browse("requester")
    page = client.get(f"/movements/{approved}")
    assert page.status_code == 200
    local = mworld.departure + PKT
    assert f"{local.day} {local:%b %Y %H:%M} PKT (UTC+5)" in page.text
    assert "Engineer 0" in page.text  # the company's own passengers, by name
    assert "SOP check, rule by rule" in page.text
    assert "host:Sindh" in page.text and "GSD-CP-9" in page.text  # approvals, escorts
    assert 'data-map="plan-map"' in page.text
    assert events(db, "movement.details.read", login.user_id)


def need_to_know_leaks(html: str, mworld: MovementWorld) -> list[str]:
    """Route coordinates or the departure time, in any form a page could carry them."""
    local = mworld.departure + PKT
    tells = [
        "67.1608",
        "66.8853",
        "66.99",
        mworld.departure.isoformat()[:16],
        f"{local:%H:%M} PKT",
        f"{mworld.departure:%d %b %Y %H:%M}",
        "LineString",
    ]
    return [tell for tell in tells if tell in html]


def test_people_without_need_to_know_see_no_route_and_no_time(
    browse, client, db: Session, mworld: MovementWorld, approved: str
) -> None:
    people = {
        "ops officer of a host the route crosses, no unit assigned": (
            "ops_officer",
            mworld.host_bal,
        ),
        "auditor": ("auditor", None),
    }
    for who, (role, agency) in people.items():
        browse(role, agency_id=agency)
        listing = client.get("/movements")
        assert "MV-" in listing.text, who
        page = client.get(f"/movements/{approved}")
        assert page.status_code == 200, who
        assert "Route and times are withheld" in page.text, who
        assert need_to_know_leaks(listing.text + page.text, mworld) == [], who
        if role == "ops_officer":
            escorts = client.get(f"/movements/{approved}/escorts")
            assert escorts.status_code == 403, who
            assert need_to_know_leaks(escorts.text, mworld) == [], who

    browse("requester", agency_id=mworld.world.company_b)
    assert "MV-" not in client.get("/movements").text
    for path in (f"/movements/{approved}", f"/movements/{approved}/route"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert need_to_know_leaks(page.text, mworld) == []

    browse("ops_officer", agency_id=mworld.world.host_kp)  # not involved at all
    assert client.get(f"/movements/{approved}").status_code == 404

    browse("protectee", person_id=mworld.passengers[0])  # before the release time
    page = client.get(f"/movements/{approved}")
    assert page.status_code == 200 and "released to passengers" in page.text
    assert need_to_know_leaks(page.text, mworld) == []
    assert client.get(f"/movements/{approved}/order").status_code == 403


def test_an_amendment_makes_a_new_version_and_reopens_the_approvals(
    browse, client, db: Session, mworld: MovementWorld, approved: str
) -> None:
    browse("requester")
    form_page = client.get(f"/movements/{approved}/amend")
    assert form_page.status_code == 200
    token = token_of_form(form_page.text, f"/movements/{approved}/amend")
    now = mworld.departure.replace(second=0, microsecond=0) + PKT
    form = {
        "csrf_token": token,
        "purpose": "Airport pick-up",
        "passenger_ids": mworld.passengers,
        "departure_at": now.strftime("%Y-%m-%dT%H:%M"),
        "arrival_at": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "Asia/Karachi",
    }
    movement = fresh(db, approved)
    movement.departure_at = now - PKT  # whole minutes, as the form writes them
    movement.arrival_at = now - PKT + timedelta(hours=2)
    db.commit()
    unchanged = client.post(f"/movements/{approved}/amend", data=form)
    assert unchanged.status_code == 422 and "nothing was changed" in unchanged.text
    later = now + timedelta(hours=1)
    form["departure_at"] = later.strftime("%Y-%m-%dT%H:%M")
    form["arrival_at"] = (later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    backwards = client.post(
        f"/movements/{approved}/amend",
        data={**form, "arrival_at": (later - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
    )
    assert backwards.status_code == 422 and 'id="e-arrival_at"' in backwards.text
    assert fresh(db, approved).version == 1

    done = client.post(f"/movements/{approved}/amend", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    movement = fresh(db, approved)
    assert movement.version == 2 and movement.status == "submitted"
    assert all(a.status == "pending" for a in movement.approvals if a.movement_version == 2)
    page = client.get(done.headers["location"])
    assert "Earlier versions" in page.text and "Amended" in page.text


def test_ops_officer_of_the_escort_is_refused_an_early_start_and_can_abort(
    browse, client, db: Session, mworld: MovementWorld, approved: str
) -> None:
    release_now(db, approved)
    browse("ops_officer")  # Sindh SPU: its unit is the outer ring
    page = client.get(f"/movements/{approved}")
    assert "Start the movement" in page.text
    token = token_of_form(page.text, f"/movements/{approved}/start")
    assert token_of_form(page.text, f"/movements/{approved}/finish") == token
    early = client.post(f"/movements/{approved}/start", data={"csrf_token": token})
    assert early.status_code == 409
    assert 'id="e-start"' in early.text and "may start from" in early.text
    assert fresh(db, approved).status == "approved"

    no_debrief = client.post(
        f"/movements/{approved}/finish",
        data={"csrf_token": token, "outcome": "aborted", "debrief": ""},
    )
    assert no_debrief.status_code == 422 and 'id="e-debrief"' in no_debrief.text
    aborted = client.post(
        f"/movements/{approved}/finish",
        data={"csrf_token": token, "outcome": "aborted", "debrief": "Road closed at the bridge"},
        follow_redirects=False,
    )
    assert aborted.status_code == 303
    assert fresh(db, approved).status == "aborted"


def test_the_order_page_is_the_readers_own_marked_copy_and_is_audited(
    browse, client, db: Session, approved: str
) -> None:
    login = browse("requester")
    page = client.get(f"/movements/{approved}/order")
    assert page.status_code == 200
    assert f"Copy for: {login.username}" in page.text
    assert f"/api/v1/movements/{approved}/order?format=pdf" in page.text
    assert "<iframe" not in page.text and "<script>" not in page.text
    read = events(db, "movement.order.read", login.user_id)
    assert read and read[0].detail["format"] == "page"
    pdf = client.get(f"/api/v1/movements/{approved}/order?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_completed_movement_is_repeated_at_new_times_as_a_new_draft(
    browse, client, db: Session, mworld: MovementWorld, approved: str
) -> None:
    movement = fresh(db, approved)
    movement.status = "completed"
    db.commit()
    browse("requester")
    page = client.get(f"/movements/{approved}")
    assert "Repeat this movement at new times" in page.text
    leave = local_day(9, 9)
    cloned = client.post(
        f"/movements/{approved}/clone",
        data={
            "csrf_token": token_of_form(page.text, f"/movements/{approved}/clone"),
            "departure_at": leave.strftime("%Y-%m-%dT%H:%M"),
            "arrival_at": (leave + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "zone": "",
        },
        follow_redirects=False,
    )
    assert cloned.status_code == 303, cloned.text
    assert movements(db) == 2
    copy = db.scalars(select(Movement).where(Movement.id != approved)).one()
    assert copy.status == "draft" and copy.route["coordinates"] == movement.route["coordinates"]
    assert copy.departure_at == leave.replace(tzinfo=UTC) - PKT


def test_a_submission_the_sops_block_cites_the_rule_and_changes_nothing(
    browse, client, db: Session, mworld: MovementWorld
) -> None:
    browse("requester")
    page = client.get("/movements/new")
    form = request_form(token_of_form(page.text, "/movements/new"), mworld.passengers)
    del form["vehicle_0_armoured"]  # an ordinary car: the federal SOP wants armour
    created = client.post("/movements/new", data=form, follow_redirects=False)
    movement_id = created.headers["location"].split("/")[2]
    route_page = client.get(f"/movements/{movement_id}/route")
    option = route_page.text.split('name="option_id" value="', 1)[1].split('"', 1)[0]
    client.post(
        f"/movements/{movement_id}/route",
        data={
            "csrf_token": token_of_form(route_page.text, f"/movements/{movement_id}/route"),
            "option_id": option,
        },
    )
    plan_page = client.get(f"/movements/{movement_id}")
    assert "Blocks" in plan_page.text and "FED-ARMOUR-1" in plan_page.text
    refused = client.post(
        f"/movements/{movement_id}/submit",
        data={"csrf_token": token_of_form(plan_page.text, f"/movements/{movement_id}/submit")},
    )
    assert refused.status_code == 422
    assert 'id="e-submit"' in refused.text and "FED-ARMOUR-1" in refused.text
    movement = fresh(db, movement_id)
    assert movement.status == "draft" and not movement.approvals
