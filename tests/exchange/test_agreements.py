"""Partners and sharing agreements: the rules an agreement must keep, versions, who may change
them, the two credentials (ours encrypted, theirs hashed), and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.errors import Forbidden, Invalid
from jsms.exchange import service as exchange
from jsms.exchange.agreements import Terms
from jsms.exchange.models import Agreement, Partner
from jsms.identity.roles import Role
from tests.conftest import World
from tests.exchange.stix_world import Sharing, host_admin

GOOD: dict[str, Any] = {
    "object_types": ["incident", "location"],
    "max_tlp": "green",
    "removed_fields": ["notes"],
    "coordinate_decimals": 2,
}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"object_types": ["location"]}, "object_types", "shares incidents at least"),
        ({"object_types": ["incident", "malware"]}, "object_types", "unknown object types"),
        ({"max_tlp": "red"}, "max_tlp", "never shared by feed"),
        ({"max_tlp": "purple"}, "max_tlp", "one of clear"),
        ({"removed_fields": ["passport"]}, "removed_fields", "unknown fields: passport"),
        ({"coordinate_decimals": 9}, "coordinate_decimals", "between 0 and 6"),
        ({"movements": "full"}, "movements", "never or as a summary"),
        ({"movements": "summary"}, "movements", "raise the highest TLP to amber"),
    ],
)
def test_an_agreement_outside_the_rules_is_refused_beside_its_field(
    db: Session, sharing: Sharing, change: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(Invalid) as refused:
        exchange.set_agreement(db, sharing.host, sharing.partner_id, **{**GOOD, **change})
    assert refused.value.extra["errors"][0]["field"] == field
    assert reason in refused.value.extra["errors"][0]["reason"]
    db.rollback()
    assert len(exchange.agreements_of(db, sharing.partner_id)) == 1


def test_each_change_is_a_new_version_and_the_old_ones_stay(db: Session, sharing: Sharing) -> None:
    second = exchange.set_agreement(db, sharing.host, sharing.partner_id, **GOOD, note="MoU 2")
    db.commit()
    versions = exchange.agreements_of(db, sharing.partner_id)
    assert [a.version for a in versions] == [2, 1]
    assert versions[1].max_tlp == "green" and versions[1].removed_fields == ["notes", "source_urls"]
    assert exchange.current_agreement(db, sharing.partner_id) == second
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "exchange.agreement.set")
    ).all()
    [event] = [e for e in events if e.detail["version"] == 2]
    assert event.detail["removed_fields"] == ["notes"] and event.object_id == sharing.partner_id


def test_only_the_agency_running_the_partnership_may_change_it(
    db: Session, world: World, sharing: Sharing
) -> None:
    other = host_admin(world.host_kp)
    with pytest.raises(Forbidden):
        exchange.set_agreement(db, other, sharing.partner_id, **GOOD)
    with pytest.raises(Forbidden):
        exchange.rotate_inbound_secret(db, other, sharing.partner_id)


def test_nothing_is_shared_before_or_after_the_validity_or_when_switched_off(
    db: Session, sharing: Sharing
) -> None:
    partner = exchange.get_partner(db, sharing.partner_id)
    assert exchange.terms_in_force(db, partner) is not None
    now = datetime.now(UTC)
    exchange.set_agreement(db, sharing.host, partner.id, **GOOD, valid_from=now + timedelta(days=1))
    assert exchange.terms_in_force(db, partner) is None
    exchange.set_agreement(
        db, sharing.host, partner.id, **GOOD, valid_until=now + timedelta(days=30)
    )
    assert exchange.terms_in_force(db, partner) is not None
    assert exchange.terms_in_force(db, partner, now + timedelta(days=31)) is None
    exchange.update_partner(db, sharing.host, partner.id, active=False)
    assert exchange.terms_in_force(db, partner) is None


def test_terms_order_tlp_as_tlp_2_does() -> None:
    terms = Terms(max_tlp="amber")
    assert [terms.shares_tlp(t) for t in ("clear", "green", "amber", "amber+strict", "red")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert not terms.shares_tlp("white")


def test_our_secret_is_kept_encrypted_and_theirs_only_as_a_hash(db: Session, world: World) -> None:
    made = exchange.create_partner(
        db,
        host_admin(world.host_sindh),
        name="GSD",
        agency_id=world.guest,
        trust_group="cpec",
        pull_username="spu",
        pull_secret="our-secret-at-the-guest",
    )
    db.commit()
    row = db.scalar(select(Partner))
    assert row is not None
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert made.inbound_secret not in stored and "our-secret-at-the-guest" not in stored
    assert exchange.pull_secret(row) == "our-secret-at-the-guest"
    assert exchange.authenticate_partner(db, "gsd", made.inbound_secret) == row
    assert exchange.authenticate_partner(db, "gsd", "guess") is None
    new = exchange.rotate_inbound_secret(db, host_admin(world.host_sindh), row.id)
    assert exchange.authenticate_partner(db, "gsd", made.inbound_secret) is None
    assert exchange.authenticate_partner(db, "gsd", new) == row


def test_a_partner_is_another_agency_with_a_unique_name(db: Session, world: World) -> None:
    admin = host_admin(world.host_sindh)
    with pytest.raises(Invalid, match="not our own"):
        exchange.create_partner(db, admin, name="Us", agency_id=world.host_sindh, trust_group="g")
    exchange.create_partner(db, admin, name="GSD", agency_id=world.guest, trust_group="g")
    with pytest.raises(Invalid, match="already a partner"):
        exchange.create_partner(db, admin, name="GSD", agency_id=world.guest, trust_group="g")


# The API ---------------------------------------------------------------------------------


def test_the_api_registers_a_partner_and_shows_its_secret_once(
    client: TestClient, db: Session, world: World, login_as
) -> None:
    admin = login_as(Role.ADMIN)
    made = client.post(
        "/api/v1/exchange/partners",
        json={"name": "GSD", "agency_id": world.guest, "trust_group": "cpec joint",
              "pull_secret": "their-secret-99"},
        headers=admin.headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert len(body["inbound_secret"]) >= 40 and body["trust_group"] == "cpec-joint"
    shown = client.get(f"/api/v1/exchange/partners/{body['id']}", headers=admin.headers).json()
    assert "inbound_secret" not in shown and "their-secret-99" not in str(shown)
    assert shown["has_pull_secret"] is True and shown["agreement"] is None

    agreed = client.post(
        f"/api/v1/exchange/partners/{body['id']}/agreements", json=GOOD, headers=admin.headers
    )
    assert agreed.status_code == 201 and agreed.json()["version"] == 1
    refused = client.post(
        f"/api/v1/exchange/partners/{body['id']}/agreements",
        json={**GOOD, "max_tlp": "red"},
        headers=admin.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "max_tlp"


def test_the_api_exports_and_imports_bundles_and_audits_both(
    client: TestClient, db: Session, sharing: Sharing, login_as
) -> None:
    admin = login_as(Role.ADMIN)
    url = f"/api/v1/exchange/partners/{sharing.partner_id}"
    exported = client.post(f"{url}/export", headers=admin.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/stix+json")
    bundle = exported.json()
    assert bundle["type"] == "bundle" and "Amber-only" not in exported.text
    imported = client.post(f"{url}/import", json=bundle, headers=admin.headers)
    assert imported.status_code == 200 and imported.json()["created"] == 2
    bad = client.post(f"{url}/import", json={"type": "not-a-bundle"}, headers=admin.headers)
    assert bad.status_code == 422
    sent = client.get(f"{url}/imports", headers=admin.headers).json()
    assert {r["outcome"] for r in sent} == {"created"} and len(sent) == 2
    db.rollback()
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"exchange.export", "exchange.import"} <= actions


def test_auditors_read_partners_but_change_nothing(
    client: TestClient, db: Session, sharing: Sharing, login_as
) -> None:
    auditor = login_as(Role.AUDITOR)
    listed = client.get("/api/v1/exchange/partners", headers=auditor.headers)
    assert listed.status_code == 200 and listed.json()[0]["agreement"]["max_tlp"] == "green"
    url = f"/api/v1/exchange/partners/{sharing.partner_id}"
    assert client.post(f"{url}/export", headers=auditor.headers).status_code == 403
    assert client.post(f"{url}/agreements", json=GOOD, headers=auditor.headers).status_code == 403
    db.rollback()
    assert len(db.scalars(select(Agreement)).all()) == 1
