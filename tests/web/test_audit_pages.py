"""The audit pages for auditors: search the trail, verify the chain, who knew a movement, and
trace a leaked order copy back to its recipient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.movements.models import Movement
from jsms.registry import service as registry
from tests.conftest import World
from tests.movements.conftest import MovementWorld, actor_of, approved, mworld, release_now
from tests.web.conftest import csrf_of
from tests.web.forms import token_of_form

__all__ = ["approved", "mworld"]  # fixtures


def _events(db: Session, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def trail(db: Session, world: World) -> str:
    """A person registered and their personal data read once, with a reason."""
    company = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    person = registry.create_person(
        db, company, full_name="Li Wei", nationality="CN", passport_number="EK1234567"
    )
    ops = actor_of(world.host_sindh, Side.HOST, Role.OPS_OFFICER, user_id="ops-1")
    db.info["actor"] = ops
    registry.read_pii(db, ops, person.id, "casualty evacuation planning")
    db.commit()
    return person.id


def test_an_auditor_searches_by_action_and_reads_the_detail_in_words(
    browse, client: TestClient, trail: str
) -> None:
    browse("auditor")
    page = client.get("/audit", params={"action": "person.pii.read"})
    assert page.status_code == 200
    assert "read a person&#39;s personal data" in page.text
    assert "casualty evacuation planning" in page.text
    assert "created a person" not in page.text
    everything = client.get("/audit").text
    assert "created a person" in everything and "casualty evacuation planning" in everything


def test_the_search_filters_by_actor_outcome_object_and_day(
    browse, client: TestClient, trail: str
) -> None:
    browse("auditor")
    by_actor = client.get("/audit", params={"actor": "fixture"}).text
    assert "casualty evacuation planning" in by_actor
    assert "casualty" not in client.get("/audit", params={"actor": "someone-else"}).text
    by_object = client.get("/audit", params={"object_id": trail, "object_type": "person"}).text
    assert "created a person" in by_object and "casualty" in by_object
    assert "casualty" not in client.get("/audit", params={"outcome": "refused"}).text
    long_ago = client.get("/audit", params={"since": "2001-01-01", "until": "2001-12-31"})
    assert long_ago.status_code == 200 and "No event matches." in long_ago.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"outcome": "maybe"}, "outcome"),
    ],
)
def test_a_bad_search_says_why_beside_the_field(
    params: dict[str, str], field: str, browse, client: TestClient
) -> None:
    browse("auditor")
    response = client.get("/audit", params=params)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text


@pytest.mark.parametrize("role", ["analyst", "admin", "ops_officer"])
def test_only_auditors_read_the_trail(role: str, browse, client: TestClient) -> None:
    browse(role)
    for path in ("/audit", "/audit/verify", "/audit/who-knew", "/audit/leaks"):
        assert client.get(path).status_code == 403, path


def test_verify_says_intact_then_names_the_edited_event(
    browse, client: TestClient, db: Session, trail: str
) -> None:
    browse("auditor")
    intact = client.get("/audit/verify")
    assert intact.status_code == 200 and "Intact" in intact.text
    [read] = _events(db, "person.pii.read")
    db.execute(
        text("UPDATE audit_events SET detail = :d WHERE seq = :s"),
        {"d": '{"reason": "nothing to see", "fields": ["passport"]}', "s": read.seq},
    )
    db.commit()
    broken = client.get("/audit/verify").text
    assert f"Broken at event {read.seq}" in broken


# Who knew ----------------------------------------------------------------------------------


def _order_copy(client: TestClient, login, movement_id: str, fmt: str = "text") -> bytes:
    response = client.get(
        f"/api/v1/movements/{movement_id}/order", headers=login.headers, params={"format": fmt}
    )
    assert response.status_code == 200, response.text
    return response.content


def test_who_knew_lists_the_readers_with_roles_and_agency_and_is_audited(
    browse, client: TestClient, db: Session, login_as, mworld: MovementWorld, approved: str
) -> None:
    release_now(db, approved)
    escort = login_as("escort_commander", agency_id=mworld.world.guest)
    _order_copy(client, escort, approved)
    reference = db.get(Movement, approved).reference
    browse("auditor")
    page = client.get("/audit/who-knew", params={"movement": reference.lower()})
    assert page.status_code == 200
    assert escort.username in page.text
    assert "escort_commander" in page.text and "Guest Detail" in page.text
    assert "order" in page.text
    [asked] = _events(db, "movement.who_knew")
    assert asked.object_id == approved


def test_who_knew_for_an_unknown_reference_says_so_beside_the_field(
    browse, client: TestClient, db: Session
) -> None:
    browse("auditor")
    page = client.get("/audit/who-knew", params={"movement": "MV-1999-00001"})
    assert page.status_code == 404
    assert 'id="e-movement"' in page.text and "MV-1999-00001" in page.text
    assert not _events(db, "movement.who_knew")


# Leak tracing ------------------------------------------------------------------------------


@pytest.fixture
def copies(client: TestClient, db: Session, login_as, mworld: MovementWorld, approved: str):
    """Three recipients in two agencies hold their own copy of the approved movement's order."""
    release_now(db, approved)
    w = mworld.world
    holders = [
        login_as("escort_commander", agency_id=w.guest),
        login_as("ops_officer", agency_id=w.host_sindh),
        login_as("requester", agency_id=w.company_a),
    ]
    return {"holders": holders, "movement": approved}


def _trace(client: TestClient, files=None, **data: str):
    form = client.get("/audit/leaks")
    assert form.status_code == 200
    data["csrf_token"] = token_of_form(form.text, "/audit/leaks")
    return client.post("/audit/leaks", data=data, files=files)


@pytest.mark.parametrize(
    ("fmt", "name", "kind"),
    [
        ("text", "order.txt", "text/plain"),
        ("html", "order.html", "text/html"),
        ("pdf", "order.pdf", "application/pdf"),
    ],
)
def test_an_uploaded_order_copy_names_its_recipient_and_the_trace_is_audited(
    fmt: str, name: str, kind: str, browse, client: TestClient, db: Session, copies
) -> None:
    leaker = copies["holders"][1]
    for holder in copies["holders"]:
        _order_copy(client, holder, copies["movement"])
    leaked = _order_copy(client, leaker, copies["movement"], fmt)
    browse("auditor")
    result = _trace(client, files={"file": (name, leaked, kind)})
    assert result.status_code == 200, result.text
    assert f"Most likely source: {leaker.username}" in result.text
    [event] = _events(db, "leak.trace")
    assert event.detail["top"] == leaker.username and event.detail["file"] == name
    assert event.detail["candidates"] == 3


def test_pasted_text_limited_to_one_movement_is_traced(
    browse, client: TestClient, db: Session, copies
) -> None:
    leaker = copies["holders"][0]
    leaked = _order_copy(client, leaker, copies["movement"]).decode()
    reference = db.get(Movement, copies["movement"]).reference
    browse("auditor")
    result = _trace(client, text=leaked, movement=reference)
    assert result.status_code == 200
    assert f"Most likely source: {leaker.username}" in result.text
    [event] = _events(db, "leak.trace")
    assert event.object_id == copies["movement"]


@pytest.mark.parametrize(
    ("upload", "data", "reason"),
    [
        (("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"), {}, "not text"),
        (("huge.txt", b"a" * 990_000, "text/plain"), {}, "the limit is"),
        (("short.txt", b"leak", "text/plain"), {}, "no text could be read"),
        (("order.txt", b"x" * 100, "text/plain"), {"text": "pasted" * 10}, "not both"),
        (None, {}, "upload the leaked file"),
    ],
)
def test_an_unreadable_upload_is_refused_beside_the_field_and_nothing_traced(
    upload, data: dict[str, str], reason: str, browse, client: TestClient, db: Session
) -> None:
    browse("auditor")
    response = _trace(client, files={"file": upload} if upload else None, **data)
    assert response.status_code == 422
    assert 'id="e-file"' in response.text and reason in response.text
    assert not _events(db, "leak.trace")


def test_an_unknown_movement_is_refused_beside_its_field(
    browse, client: TestClient, db: Session
) -> None:
    browse("auditor")
    response = _trace(client, text="a leaked order " * 5, movement="MV-1999-00009")
    assert response.status_code == 422 and 'id="e-movement"' in response.text
    assert not _events(db, "leak.trace")


def test_a_trace_without_the_form_token_is_refused(browse, client: TestClient, db: Session) -> None:
    browse("auditor")
    response = client.post("/audit/leaks", data={"text": "a leaked order " * 5})
    assert response.status_code == 403
    assert not _events(db, "leak.trace")
    assert csrf_of(client.get("/audit/leaks").text)
