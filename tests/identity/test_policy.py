"""Who may see and do what: the policy table itself, and need-to-know through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.policy import PERMISSIONS, PUBLIC, SIDES, is_allowed
from jsms.identity.roles import Role, Side

# Many logins, none of them about passwords (test_sessions and test_login use the real cost).
pytestmark = pytest.mark.usefixtures("quick_password_hashing")

# The policy table ----------------------------------------------------------------------------


def allowed_actions(role: Role, side: Side) -> set[str]:
    return {action for action in PERMISSIONS if is_allowed(action, frozenset({role}), side)}


def test_a_protectee_may_only_look_after_themself() -> None:
    allowed = allowed_actions(Role.PROTECTEE, Side.CLIENT)
    assert {"session.self", "person.read", "person.pii.read"} <= allowed
    staff_only = {
        action
        for action in PERMISSIONS
        if action.split(".")[0]
        in {"agency", "user", "site", "unit", "authorisation", "geo", "audit", "incident", "risk"}
        or action == "person.write"
    }
    assert staff_only and not allowed & staff_only


def test_pii_is_need_to_know() -> None:
    readers = {r for r in Role if is_allowed("person.pii.read", frozenset({r}), Side.HOST)}
    assert Role.ANALYST not in readers
    assert Role.ADMIN not in readers  # administering the system is not a need to know
    assert Role.AUDITOR not in readers
    assert readers <= {Role.REQUESTER, Role.OPS_OFFICER, Role.PROTECTEE}


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
@pytest.mark.parametrize(
    ("side", "allowed"), [(Side.HOST, True), (Side.GUEST, False), (Side.CLIENT, False)]
)
def test_only_the_host_side_grants_deployment_authorisations(
    role: Role, side: Side, allowed: bool
) -> None:
    assert is_allowed("authorisation.write", frozenset({role}), side) is allowed
    # Reading grants is for the forces on either side; a company never reads them.
    assert is_allowed("authorisation.read", frozenset({role}), side) is (side != Side.CLIENT)


def test_several_roles_give_the_union_and_sides_still_bind() -> None:
    roles = frozenset({Role.ANALYST, Role.OPS_OFFICER})
    assert is_allowed("person.pii.read", roles, Side.HOST)
    assert not is_allowed("person.pii.read", frozenset({Role.ANALYST}), Side.HOST)
    assert not is_allowed("authorisation.write", frozenset({Role.APPROVER, Role.ADMIN}), Side.GUEST)
    assert not is_allowed("user.write", frozenset(), Side.HOST)


def test_the_table_fails_closed() -> None:
    with pytest.raises(KeyError):
        is_allowed("person.delete", frozenset(Role), Side.HOST)
    assert is_allowed(PUBLIC, frozenset(), Side.CLIENT)
    assert set(SIDES) <= set(PERMISSIONS)
    # Nobody writes the audit trail through the API; only auditors read it.
    assert not [a for a in PERMISSIONS if a.startswith("audit.") and a.endswith("write")]
    assert PERMISSIONS["audit.read"] == frozenset({Role.AUDITOR})


# Client companies see only their own people --------------------------------------------------


def person_body(name: str, **extra: str) -> dict[str, str]:
    return {"full_name": name, "nationality": "CN", **extra}


def test_a_company_sees_only_its_own_persons(client: TestClient, world, login_as) -> None:
    a = login_as("requester", agency_id=world.company_a)
    b = login_as("requester", agency_id=world.company_b)
    pa = client.post(
        "/api/v1/persons",
        json=person_body("Zhang Wei", passport_number="E12345678", phone="+86 138 0000 0001"),
        headers=a.headers,
    ).json()
    pb = client.post(
        "/api/v1/persons",
        json=person_body("Wang Fang", passport_number="E87654321", phone="+86 138 0000 0002"),
        headers=b.headers,
    ).json()
    assert pa["employer_agency_id"] == world.company_a
    assert pb["employer_agency_id"] == world.company_b

    listed = client.get("/api/v1/persons", headers=a.headers).json()
    assert [p["id"] for p in listed["items"]] == [pa["id"]] and listed["total"] == 1
    by_name = client.get("/api/v1/persons", params={"name": "Wang"}, headers=a.headers).json()
    assert by_name["items"] == [] and by_name["total"] == 0

    # Company B's person does not exist as far as company A can tell: 404, not 403.
    for method, url, params, body in [
        ("GET", f"/api/v1/persons/{pb['id']}", None, None),
        ("GET", f"/api/v1/persons/{pb['id']}/pii", {"reason": "checking"}, None),
        ("PATCH", f"/api/v1/persons/{pb['id']}", None, {"job_title": "moved"}),
    ]:
        response = client.request(method, url, params=params, json=body, headers=a.headers)
        assert response.status_code == 404, (method, url, response.text)
        assert "Wang" not in response.text and "E87654321" not in response.text

    # ... and stays untouched; company B still sees its own.
    mine = client.get(f"/api/v1/persons/{pb['id']}", headers=b.headers).json()
    assert mine["job_title"] == "" and mine["full_name"] == "Wang Fang"
    # The host forces see both companies' people.
    ops = login_as("ops_officer")
    everyone = client.get("/api/v1/persons", headers=ops.headers).json()
    assert {p["id"] for p in everyone["items"]} == {pa["id"], pb["id"]}


def test_a_company_cannot_register_people_or_sites_for_another(
    client: TestClient, world, login_as
) -> None:
    a = login_as("requester", agency_id=world.company_a)
    b = login_as("requester", agency_id=world.company_b)
    refused = client.post(
        "/api/v1/persons",
        json=person_body("Chen Jie", employer_agency_id=world.company_b),
        headers=a.headers,
    )
    assert refused.status_code == 403
    site_b = client.post(
        "/api/v1/sites",
        json={"name": "Thar block II", "lat": 24.75, "lon": 70.2},
        headers=b.headers,
    ).json()
    assert client.get(f"/api/v1/sites/{site_b['id']}", headers=a.headers).status_code == 404
    assert client.get("/api/v1/sites", headers=a.headers).json()["total"] == 0
    # Nor hang its own person on the other company's site.
    placed = client.post(
        "/api/v1/persons", json=person_body("Chen Jie", site_id=site_b["id"]), headers=a.headers
    )
    assert placed.status_code == 404
    assert client.get("/api/v1/persons", headers=b.headers).json()["total"] == 0


# A protectee sees only their own record ------------------------------------------------------


def test_a_protectee_sees_only_their_own_person_and_pii(
    client: TestClient, db: Session, world, login_as
) -> None:
    hr = login_as("requester", agency_id=world.company_a)
    me = client.post(
        "/api/v1/persons",
        json=person_body(
            "Liu Yang",
            passport_number="G11223344",
            blood_group="O-",
            emergency_contact="Liu Min, +86 139 0000 0000",
        ),
        headers=hr.headers,
    ).json()
    colleague = client.post(
        "/api/v1/persons",
        json=person_body("Zhao Lei", passport_number="G99887766"),
        headers=hr.headers,
    ).json()
    protectee = login_as("protectee", person_id=me["id"])

    listed = client.get("/api/v1/persons", headers=protectee.headers).json()
    assert [p["id"] for p in listed["items"]] == [me["id"]]
    assert client.get(f"/api/v1/persons/{me['id']}", headers=protectee.headers).status_code == 200
    own = client.get(
        f"/api/v1/persons/{me['id']}/pii",
        params={"reason": "my own record"},
        headers=protectee.headers,
    )
    assert own.status_code == 200
    assert own.json()["passport_number"] == "G11223344"
    assert own.json()["blood_group"] == "O-"

    for url in (f"/api/v1/persons/{colleague['id']}", f"/api/v1/persons/{colleague['id']}/pii"):
        other = client.get(url, params={"reason": "curious"}, headers=protectee.headers)
        assert other.status_code == 404
        assert "G99887766" not in other.text
    # A protectee changes nothing, not even their own record, and sees no sites or units.
    patch = client.patch(
        f"/api/v1/persons/{me['id']}", json={"job_title": "boss"}, headers=protectee.headers
    )
    assert patch.status_code == 403
    assert client.get("/api/v1/sites", headers=protectee.headers).status_code == 403
    assert client.get("/api/v1/units", headers=protectee.headers).status_code == 403

    # Their own PII read is in the trail with the reason given.
    db.rollback()
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "person.pii.read")).all()
    assert [(e.object_id, e.actor_id, e.detail["reason"]) for e in reads] == [
        (me["id"], protectee.user_id, "my own record")
    ]


# Sovereignty: only the host side authorises deployments ----------------------------------------


def grant(world, provinces: list[str]) -> dict:
    return {
        "guest_agency_id": world.guest,
        "provinces": provinces,
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-06-30T00:00:00Z",
        "headcount_cap": 24,
        "arms": "personal weapons",
    }


def test_a_guest_side_approver_cannot_grant_authorisations(
    client: TestClient, db: Session, world, login_as
) -> None:
    guest_approver = login_as("approver", agency_id=world.guest)
    guest_admin = login_as("admin", agency_id=world.guest)
    host_approver = login_as("approver", agency_id=world.host_sindh)
    for who in (guest_approver, guest_admin):
        response = client.post(
            "/api/v1/authorisations", json=grant(world, ["Sindh"]), headers=who.headers
        )
        assert response.status_code == 403, response.text
        assert response.json()["permission"] == "authorisation.write"
        assert "Only host agencies may grant" in response.json()["detail"]

    granted = client.post(
        "/api/v1/authorisations", json=grant(world, ["Sindh"]), headers=host_approver.headers
    )
    assert granted.status_code == 201, granted.text
    assert granted.json()["host_agency_id"] == world.host_sindh
    # The guest may read the grant that concerns it, but not revoke it.
    grant_id = granted.json()["id"]
    assert (
        client.get(f"/api/v1/authorisations/{grant_id}", headers=guest_approver.headers).status_code
        == 200
    )
    revoke = client.post(
        f"/api/v1/authorisations/{grant_id}/revoke",
        json={"reason": "we decide ourselves"},
        headers=guest_approver.headers,
    )
    assert revoke.status_code == 403
    listed = client.get("/api/v1/authorisations", headers=host_approver.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["revoked_at"] is None


def test_a_host_grants_only_within_its_own_jurisdiction(
    client: TestClient, world, login_as
) -> None:
    kp_approver = login_as("approver", agency_id=world.host_kp)
    response = client.post(
        "/api/v1/authorisations", json=grant(world, ["Sindh"]), headers=kp_approver.headers
    )
    assert response.status_code == 403
    assert "Sindh" in response.json()["detail"]
    ok = client.post(
        "/api/v1/authorisations",
        json=grant(world, ["Khyber Pakhtunkhwa"]),
        headers=kp_approver.headers,
    )
    assert ok.status_code == 201


# PII is need-to-know ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "admin", "approver", "auditor", "escort_commander"])
def test_roles_without_need_to_know_cannot_read_pii(
    role: str, client: TestClient, db: Session, world, login_as
) -> None:
    hr = login_as("requester", agency_id=world.company_a)
    person = client.post(
        "/api/v1/persons",
        json=person_body("Sun Li", passport_number="K55667788", phone="+86 137 0000 0003"),
        headers=hr.headers,
    ).json()
    caller = login_as(role)
    response = client.get(
        f"/api/v1/persons/{person['id']}/pii",
        params={"reason": "threat assessment"},
        headers=caller.headers,
    )
    assert response.status_code == 403
    assert "K55667788" not in response.text and "0003" not in response.text
    db.rollback()
    denied = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "access.denied", AuditEvent.actor_id == caller.user_id
        )
    ).all()
    assert [e.detail["permission"] for e in denied] == ["person.pii.read"]
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "person.pii.read")).all()


def test_an_ops_officer_reads_pii_with_a_reason_and_it_is_audited(
    client: TestClient, db: Session, world, login_as
) -> None:
    hr = login_as("requester", agency_id=world.company_a)
    person = client.post(
        "/api/v1/persons",
        json=person_body("Sun Li", passport_number="K55667788"),
        headers=hr.headers,
    ).json()
    ops = login_as("ops_officer")
    no_reason = client.get(f"/api/v1/persons/{person['id']}/pii", headers=ops.headers)
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    response = client.get(
        f"/api/v1/persons/{person['id']}/pii",
        params={"reason": "casualty evacuation planning"},
        headers=ops.headers,
    )
    assert response.status_code == 200 and response.json()["passport_number"] == "K55667788"
    # The plain record never carries PII, only whether it is on file.
    record = client.get(f"/api/v1/persons/{person['id']}", headers=ops.headers).json()
    assert "K55667788" not in str(record) and record["has_passport"] is True
    db.rollback()
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "person.pii.read")).all()
    assert event.actor_id == ops.user_id and event.object_id == person["id"]
    assert event.detail["reason"] == "casualty evacuation planning"
    assert event.detail["fields"] == ["passport"]


# Refusals read as sentences ------------------------------------------------------------------


def test_a_refusal_names_the_role_and_who_may_instead() -> None:
    from jsms.identity.policy import refusal_reason

    assert (
        refusal_reason(frozenset({Role.ANALYST}), Side.HOST, "movement.approve")
        == "Your role (analyst) may not approve movements; approvers may."
    )
    assert (
        refusal_reason(frozenset({Role.AUDITOR, Role.ANALYST}), Side.HOST, "user.write")
        == "Your roles (analyst, auditor) may not create or change user accounts; admins may."
    )
    assert refusal_reason(frozenset({Role.ANALYST}), Side.HOST, "movement.escort") == (
        "Your role (analyst) may not assign escorts; ops officers and approvers may."
    )
    assert refusal_reason(frozenset({Role.APPROVER}), Side.GUEST, "authorisation.write") == (
        "Only host agencies may grant or revoke deployment authorisations; "
        "your agency is a guest agency."
    )


def test_every_possible_refusal_is_a_sentence_without_program_internals() -> None:
    from jsms.identity.policy import refusal_reason

    checked = 0
    for action in PERMISSIONS:
        for side in Side:
            for role in Role:
                if is_allowed(action, frozenset({role}), side):
                    continue
                text = refusal_reason(frozenset({role}), side, action)
                assert text[0].isupper() and text.endswith("."), text
                assert not any(mark in text for mark in ("<", "[", "'", "Role.", "Side.", "_"))
                assert action not in text
                checked += 1
    assert checked > 100


def test_the_api_refusal_is_the_sentence_and_names_the_permission_apart(
    client: TestClient, login_as
) -> None:
    analyst = login_as("analyst")
    refused = client.get("/api/v1/users", headers=analyst.headers)
    assert refused.status_code == 403
    body = refused.json()
    assert body["detail"] == (
        "Your role (analyst) may not see user accounts; auditors and admins may."
    )
    assert body["permission"] == "user.read"
