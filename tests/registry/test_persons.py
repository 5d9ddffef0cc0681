"""Protected persons: PII encrypted at rest, read only through an audited call."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent

PASSPORT = "EK1234567"
PHONE = "+86 138 1234 5678"
CONTACT = "Wang Fang (wife), +86 139 8765 4321"
PII_COLUMNS = ("passport_enc", "phone_enc", "blood_group_enc", "emergency_contact_enc")


def _create(client: TestClient, headers, **changes) -> dict:
    body = {
        "full_name": "Li Wei",
        "nationality": "CN",
        "job_title": "civil engineer",
        "passport_number": PASSPORT,
        "phone": PHONE,
        "blood_group": "O+",
        "emergency_contact": CONTACT,
        **changes,
    }
    response = client.post("/api/v1/persons", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _raw(db: Session, person_id: str) -> dict:
    db.rollback()
    row = db.execute(
        text(f"SELECT {', '.join(PII_COLUMNS)} FROM protected_persons WHERE id = :id"),
        {"id": person_id},
    ).one()
    return dict(zip(PII_COLUMNS, row, strict=True))


def test_pii_is_encrypted_at_rest(client: TestClient, login_as, db: Session) -> None:
    requester = login_as("requester")
    person = _create(client, requester.headers)
    raw = _raw(db, person["id"])
    for column, value in raw.items():
        assert value is not None, column
        assert value.startswith("jsms1:"), (column, value)
        for secret in (PASSPORT, PHONE, CONTACT, "1234567", "8765 4321"):
            assert secret not in value
    # Same plaintext, different ciphertext (random nonce): nothing to correlate on.
    other = _create(client, requester.headers, full_name="Zhang Min")
    assert _raw(db, other["id"])["passport_enc"] != raw["passport_enc"]


def test_person_record_carries_no_pii(client: TestClient, login_as) -> None:
    requester = login_as("requester")
    person = _create(client, requester.headers)
    ops = login_as("ops_officer")
    response = client.get(f"/api/v1/persons/{person['id']}", headers=ops.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["has_passport"] is True
    assert body["has_phone"] is True
    for secret in (PASSPORT, PHONE, CONTACT, "O+"):
        assert secret not in response.text
    listing = client.get("/api/v1/persons", headers=ops.headers)
    assert listing.status_code == 200
    assert PASSPORT not in listing.text and PHONE not in listing.text


def test_ops_officer_reads_pii_with_a_reason_and_it_is_audited(
    client: TestClient, login_as, db: Session
) -> None:
    requester = login_as("requester")
    person = _create(client, requester.headers)
    ops = login_as("ops_officer")
    reason = "casualty evacuation: hospital needs blood group"
    response = client.get(
        f"/api/v1/persons/{person['id']}/pii", headers=ops.headers, params={"reason": reason}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "person_id": person["id"],
        "passport_number": PASSPORT,
        "phone": PHONE,
        "blood_group": "O+",
        "emergency_contact": CONTACT,
    }
    db.rollback()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "person.pii.read")).all()
    assert len(events) == 1
    event = events[0]
    assert event.object_id == person["id"]
    assert event.actor_id == ops.user_id
    assert event.actor_name == ops.username
    assert event.detail["reason"] == reason
    assert set(event.detail["fields"]) == {"passport", "phone", "blood_group", "emergency_contact"}


def test_pii_needs_a_reason_and_a_role_with_need_to_know(client: TestClient, login_as) -> None:
    requester = login_as("requester")
    person = _create(client, requester.headers)
    ops = login_as("ops_officer")
    url = f"/api/v1/persons/{person['id']}/pii"
    assert client.get(url, headers=ops.headers).status_code == 422
    assert client.get(url, headers=ops.headers, params={"reason": "x"}).status_code == 422
    for role in ("approver", "auditor"):
        who = login_as(role)
        response = client.get(url, headers=who.headers, params={"reason": "just curious"})
        assert response.status_code == 403, role
        assert PASSPORT not in response.text


def test_pii_of_a_person_without_optional_fields(client: TestClient, login_as) -> None:
    requester = login_as("requester")
    person = _create(
        client,
        requester.headers,
        passport_number=None,
        phone=None,
        blood_group=None,
        emergency_contact=None,
    )
    assert person["has_passport"] is False
    ops = login_as("ops_officer")
    response = client.get(
        f"/api/v1/persons/{person['id']}/pii", headers=ops.headers, params={"reason": "roll call"}
    )
    assert response.status_code == 200
    assert response.json()["passport_number"] is None


def test_ciphertext_moved_to_another_person_does_not_decrypt(
    client: TestClient, login_as, db: Session
) -> None:
    """Context binding: a value copied from one row to another is refused, clearly."""
    requester = login_as("requester")
    victim = _create(client, requester.headers)
    other = _create(
        client,
        requester.headers,
        full_name="Chen Jing",
        passport_number="EB7654321",
        phone="+86 137 0000 1111",
    )
    stolen = _raw(db, victim["id"])["passport_enc"]
    db.execute(
        text("UPDATE protected_persons SET passport_enc = :v WHERE id = :id"),
        {"v": stolen, "id": other["id"]},
    )
    db.commit()

    ops = login_as("ops_officer")
    response = client.get(
        f"/api/v1/persons/{other['id']}/pii", headers=ops.headers, params={"reason": "roll call"}
    )
    # A stored value that fails to decrypt is a server-side integrity failure: a 500 that
    # says what is wrong (which person and field), never the other person's passport.
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:jsms:problem:data-integrity"
    assert "passport" in problem["detail"]
    assert other["id"] in problem["detail"]
    assert "decrypt" in problem["detail"]
    assert PASSPORT not in response.text
    assert "EB7654321" not in response.text
    # The victim's own record still reads correctly.
    intact = client.get(
        f"/api/v1/persons/{victim['id']}/pii", headers=ops.headers, params={"reason": "roll call"}
    )
    assert intact.status_code == 200
    assert intact.json()["passport_number"] == PASSPORT


def test_a_company_registers_and_sees_only_its_own_people(
    client: TestClient, login_as, world
) -> None:
    requester_a = login_as("requester", agency_id=world.company_a)
    own = _create(client, requester_a.headers)
    assert own["employer_agency_id"] == world.company_a
    explicit = _create(client, requester_a.headers, employer_agency_id=world.company_a)
    assert explicit["employer_agency_id"] == world.company_a

    for_b = client.post(
        "/api/v1/persons",
        headers=requester_a.headers,
        json={"full_name": "Sun Lei", "nationality": "CN", "employer_agency_id": world.company_b},
    )
    assert for_b.status_code == 403
    assert "own company" in for_b.json()["detail"]

    requester_b = login_as("requester", agency_id=world.company_b)
    assert client.get(f"/api/v1/persons/{own['id']}", headers=requester_b.headers).status_code == (
        404
    )
    pii = client.get(
        f"/api/v1/persons/{own['id']}/pii", headers=requester_b.headers, params={"reason": "nosy"}
    )
    assert pii.status_code == 404
    assert PASSPORT not in pii.text
    listing = client.get("/api/v1/persons", headers=requester_b.headers).json()
    assert listing["total"] == 0
    changed = client.patch(
        f"/api/v1/persons/{own['id']}", headers=requester_b.headers, json={"job_title": "spy"}
    )
    assert changed.status_code == 404


def test_forces_must_name_a_client_company(client: TestClient, login_as, world) -> None:
    admin = login_as("admin")
    body = {"full_name": "Gao Hui", "nationality": "CN"}
    assert client.post("/api/v1/persons", headers=admin.headers, json=body).status_code == 422
    to_host = client.post(
        "/api/v1/persons", headers=admin.headers, json=body | {"employer_agency_id": world.guest}
    )
    assert to_host.status_code == 422
    ok = client.post(
        "/api/v1/persons",
        headers=admin.headers,
        json=body | {"employer_agency_id": world.company_b},
    )
    assert ok.status_code == 201


def test_updating_the_phone_re_encrypts_it(client: TestClient, login_as, db: Session) -> None:
    requester = login_as("requester")
    person = _create(client, requester.headers)
    before = _raw(db, person["id"])["phone_enc"]
    changed = client.patch(
        f"/api/v1/persons/{person['id']}",
        headers=requester.headers,
        json={"phone": "+86 135 5555 6666"},
    )
    assert changed.status_code == 200, changed.text
    after = _raw(db, person["id"])["phone_enc"]
    assert after != before and after.startswith("jsms1:")
    assert "5555" not in after
    ops = login_as("ops_officer")
    pii = client.get(
        f"/api/v1/persons/{person['id']}/pii", headers=ops.headers, params={"reason": "call him"}
    )
    assert pii.json()["phone"] == "+86 135 5555 6666"
