"""Protected persons in the browser: need-to-know in the list, personal data only on a request
with a reason (audited), and the register/change forms failing well."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.registry.models import ProtectedPerson
from tests.conftest import World
from tests.movements.conftest import actor_of
from tests.web.conftest import csrf_of
from tests.web.forms import token_of_form

PASSPORT = "EK7654321"
PHONE = "+86 138 0000 1111"


@pytest.fixture
def people(db: Session, world: World) -> dict[str, str]:
    """Li Wei works for company A (with PII on file), Chen Jie for company B."""
    a = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    b = actor_of(world.company_b, Side.CLIENT, Role.REQUESTER)
    li = registry.create_person(
        db,
        a,
        full_name="Li Wei",
        nationality="CN",
        job_title="civil engineer",
        passport_number=PASSPORT,
        phone=PHONE,
        blood_group="O+",
    )
    chen = registry.create_person(
        db, b, full_name="Chen Jie", nationality="CN", passport_number="EB1111111"
    )
    db.commit()
    return {"li": li.id, "chen": chen.id}


def _pii_reads(db: Session) -> list[AuditEvent]:
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "person.pii.read")).all())


def test_a_company_sees_only_its_own_employees(
    browse, client: TestClient, world: World, people: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    page = client.get("/registry/persons")
    assert page.status_code == 200
    assert "Li Wei" in page.text and "Chen Jie" not in page.text
    other = client.get(f"/registry/persons/{people['chen']}")
    assert other.status_code == 404
    assert "Chen Jie" not in other.text


def test_the_list_searches_by_name(browse, client: TestClient, people: dict[str, str]) -> None:
    browse("ops_officer")
    page = client.get("/registry/persons", params={"name": "chen"}).text
    assert "Chen Jie" in page and "Li Wei" not in page


def test_the_record_hides_personal_data_until_asked_with_a_reason(
    browse, client: TestClient, db: Session, world: World, people: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    record = client.get(f"/registry/persons/{people['li']}")
    assert record.status_code == 200
    assert "civil engineer" in record.text
    assert PASSPORT not in record.text and "138 0000" not in record.text
    assert "••••" in record.text
    assert "Show personal data" in record.text
    assert not _pii_reads(db)

    token = token_of_form(record.text, f"/registry/persons/{people['li']}/pii")
    shown = client.post(
        f"/registry/persons/{people['li']}/pii",
        data={"reason": "booking the flight home", "csrf_token": token},
    )
    assert shown.status_code == 200
    assert PASSPORT in shown.text and PHONE in shown.text and "O+" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    [event] = _pii_reads(db)
    assert event.object_id == people["li"]
    assert event.detail["reason"] == "booking the flight home"
    # The next view of the record hides it again.
    assert PASSPORT not in client.get(f"/registry/persons/{people['li']}").text


def test_a_missing_reason_is_refused_beside_the_field_and_nothing_is_read(
    browse, client: TestClient, db: Session, world: World, people: dict[str, str]
) -> None:
    browse("ops_officer")
    page = client.get(f"/registry/persons/{people['li']}").text
    token = token_of_form(page, f"/registry/persons/{people['li']}/pii")
    response = client.post(
        f"/registry/persons/{people['li']}/pii", data={"reason": " x ", "csrf_token": token}
    )
    assert response.status_code == 422
    assert 'id="e-reason"' in response.text and "audit trail" in response.text
    assert PASSPORT not in response.text
    assert not _pii_reads(db)


def test_the_pii_form_without_its_token_is_refused(
    browse, client: TestClient, db: Session, people: dict[str, str]
) -> None:
    browse("ops_officer")
    response = client.post(f"/registry/persons/{people['li']}/pii", data={"reason": "medevac"})
    assert response.status_code == 403
    assert PASSPORT not in response.text
    assert not _pii_reads(db)


@pytest.mark.parametrize("role", ["approver", "admin"])
def test_roles_without_pii_access_see_no_form_and_are_refused(
    role: str, browse, client: TestClient, db: Session, people: dict[str, str]
) -> None:
    browse(role)
    record = client.get(f"/registry/persons/{people['li']}")
    assert record.status_code == 200
    assert "Show personal data" not in record.text
    response = client.post(
        f"/registry/persons/{people['li']}/pii",
        data={"reason": "curious", "csrf_token": csrf_of(record.text)},
    )
    assert response.status_code == 403
    assert PASSPORT not in response.text
    assert not _pii_reads(db)
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [e.detail["permission"] for e in denied] == ["person.pii.read"]


def test_roles_without_person_read_are_refused_the_list(browse, client: TestClient) -> None:
    browse("analyst")
    response = client.get("/registry/persons")
    assert response.status_code == 403
    assert "Not allowed" in response.text


def test_a_protectee_sees_only_themself(browse, client: TestClient, people: dict[str, str]) -> None:
    browse("protectee", person_id=people["li"])
    page = client.get("/registry/persons").text
    assert "Li Wei" in page and "Chen Jie" not in page


def _register_form(client: TestClient) -> str:
    return token_of_form(client.get("/registry/persons/new").text, "/registry/persons/new")


def test_a_requester_registers_a_person_with_write_only_pii(
    browse, client: TestClient, db: Session, world: World
) -> None:
    browse("requester", agency_id=world.company_a)
    response = client.post(
        "/registry/persons/new",
        data={
            "csrf_token": _register_form(client),
            "full_name": "Wang Fang",
            "nationality": "cn",
            "job_title": "surveyor",
            "passport_number": "EW2468024",
            "blood_group": "A-",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Wang Fang" in page.text and "The person is registered." in page.text
    assert "EW2468024" not in page.text
    db.rollback()
    person = db.scalar(select(ProtectedPerson).where(ProtectedPerson.full_name == "Wang Fang"))
    assert person is not None
    assert person.employer_agency_id == world.company_a and person.nationality == "CN"
    assert person.passport_enc is not None and "EW2468024" not in person.passport_enc


def test_bad_person_input_is_re_rendered_with_the_reason_and_nothing_saved(
    browse, client: TestClient, db: Session, world: World
) -> None:
    browse("requester", agency_id=world.company_a)
    response = client.post(
        "/registry/persons/new",
        data={
            "csrf_token": _register_form(client),
            "full_name": "Zhou Min",
            "nationality": "CHN",
            "passport_number": "bad!",
        },
    )
    assert response.status_code == 422
    assert 'id="e-nationality"' in response.text and 'id="e-passport_number"' in response.text
    assert 'value="Zhou Min"' in response.text  # the input is kept
    db.rollback()
    assert db.scalar(select(ProtectedPerson).where(ProtectedPerson.full_name == "Zhou Min")) is None


def test_an_admin_must_name_the_employer(
    browse, client: TestClient, db: Session, world: World
) -> None:
    browse("admin")
    form = client.get("/registry/persons/new").text
    assert 'name="employer_agency_id"' in form
    response = client.post(
        "/registry/persons/new",
        data={
            "csrf_token": token_of_form(form, "/registry/persons/new"),
            "full_name": "Zhou Min",
            "nationality": "CN",
        },
    )
    assert response.status_code == 422
    assert "name the client company" in response.text
    db.rollback()
    assert db.scalar(select(ProtectedPerson).where(ProtectedPerson.full_name == "Zhou Min")) is None


def test_a_requester_changes_a_record_and_blank_pii_keeps_what_is_stored(
    browse, client: TestClient, db: Session, world: World, people: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    url = f"/registry/persons/{people['li']}/edit"
    form = client.get(url)
    assert form.status_code == 200 and PHONE not in form.text
    before = db.get(ProtectedPerson, people["li"])
    assert before is not None
    phone_before = before.phone_enc
    response = client.post(
        url,
        data={
            "csrf_token": token_of_form(form.text, url),
            "job_title": "site manager",
            "status": "on_leave",
            "phone": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.rollback()
    after = db.get(ProtectedPerson, people["li"])
    assert after is not None
    assert (after.job_title, after.status) == ("site manager", "on_leave")
    assert after.phone_enc == phone_before


def test_a_bad_change_is_refused_and_nothing_changes(
    browse, client: TestClient, db: Session, world: World, people: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    url = f"/registry/persons/{people['li']}/edit"
    response = client.post(
        url,
        data={
            "csrf_token": token_of_form(client.get(url).text, url),
            "job_title": "site manager",
            "status": "on_leave",
            "phone": "call me maybe",
        },
    )
    assert response.status_code == 422
    assert 'id="e-phone"' in response.text
    db.rollback()
    person = db.get(ProtectedPerson, people["li"])
    assert person is not None and person.job_title == "civil engineer"


def test_another_companys_person_cannot_be_changed(
    browse, client: TestClient, world: World, people: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    token = csrf_of(client.get("/registry/persons").text)
    response = client.post(
        f"/registry/persons/{people['chen']}/edit",
        data={"csrf_token": token, "job_title": "x", "status": "in_country"},
    )
    assert response.status_code == 404
