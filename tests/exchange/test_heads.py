"""Receiving partners' signed audit heads (POST /api/v1/exchange/heads) and handing back what
we hold of a partner.

A head is kept only if the partner's own credential sent it, it verifies under the partner's
registered key and it moves the partner's chain forward; a forgery, a replay, an unknown
partner and a contradiction are refused and audited, and a contradiction (evidence of a
rewritten trail) raises a critical alert for the agency running the partnership. Kept heads
are never changed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts.models import Alert
from jsms.audit.against import HEADS_FORMAT
from jsms.audit.models import AuditEvent
from jsms.audit.signing import SignedHead, public_key_text, sign_head
from jsms.exchange import heads
from jsms.exchange import service as exchange
from jsms.exchange.head_models import HeadsAreKept, PartnerHead
from jsms.identity.roles import Role
from tests.conftest import World
from tests.exchange.stix_world import host_admin

SECRET = "partner-secret-for-heads-0123456789"
DATABASE = "5b0c8a52-6f4e-4d8e-9a3c-2f1d7e6a9b10"  # the partner's audit database id
HASH_1, HASH_2, OTHER = "1" * 64, "2" * 64, "e" * 64


@dataclass
class Anchoring:
    partner_id: str
    username: str
    key: Ed25519PrivateKey  # the partner's own signing key (its key file's)

    def head(self, seq: int, head_hash: str, minutes_ago: float = 0) -> SignedHead:
        moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        return sign_head(
            self.key, database_id=DATABASE, seq=seq, head_hash=head_hash, signed_at=moment
        )

    def auth(self, secret: str = SECRET) -> dict[str, str]:
        token = base64.b64encode(f"{self.username}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


@pytest.fixture
def anchoring(db: Session, world: World) -> Anchoring:
    """The guest detail's instance as our partner, its head-signing key registered."""
    made = exchange.create_partner(
        db,
        host_admin(world.host_sindh),
        name="Guest detail instance",
        agency_id=world.guest,
        trust_group="cpec",
        inbound_secret=SECRET,
    )
    key = Ed25519PrivateKey.generate()
    heads.trust_key(
        db, made.partner, public_key_text(key.public_key().public_bytes_raw()), by="test"
    )
    db.commit()
    return Anchoring(made.partner.id, made.partner.inbound_username, key)


def send(client: TestClient, anchoring: Anchoring, head: SignedHead | dict, **auth: str):
    body = head.to_dict() if isinstance(head, SignedHead) else head
    return client.post("/api/v1/exchange/heads", json=body, headers=anchoring.auth(**auth))


def kept(db: Session) -> list[tuple[int, str]]:
    db.rollback()
    return [(h.seq, h.hash) for h in db.scalars(select(PartnerHead).order_by(PartnerHead.seq))]


def refusals(db: Session) -> list[AuditEvent]:
    db.rollback()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "audit.head.refused")
            .order_by(AuditEvent.seq)
        )
    )


def test_heads_moving_forward_are_kept_and_audited(
    client: TestClient, db: Session, anchoring: Anchoring
) -> None:
    first = send(client, anchoring, anchoring.head(10, HASH_1, minutes_ago=30))
    assert first.status_code == 201, first.text
    assert first.json() == {"kept": True, "database_id": DATABASE, "seq": 10}
    assert send(client, anchoring, anchoring.head(25, HASH_2, minutes_ago=15)).status_code == 201
    # the same head signed again later (nothing written meanwhile) confirms it
    assert send(client, anchoring, anchoring.head(25, HASH_2)).status_code == 201
    assert kept(db) == [(10, HASH_1), (25, HASH_2), (25, HASH_2)]
    received = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.head.receive").order_by(AuditEvent.seq)
    ).all()
    assert [e.detail["seq"] for e in received] == [10, 25, 25]
    assert {e.actor_name for e in received} == {f"partner:{anchoring.username}"}
    assert refusals(db) == []


def test_a_replayed_head_is_refused_and_audited(
    client: TestClient, db: Session, anchoring: Anchoring
) -> None:
    old = anchoring.head(10, HASH_1, minutes_ago=30)
    newest = anchoring.head(25, HASH_2, minutes_ago=15)
    assert send(client, anchoring, old).status_code == 201
    assert send(client, anchoring, newest).status_code == 201
    for replay in (old, newest):
        refused = send(client, anchoring, replay)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert "behind the newest head" in send(client, anchoring, old).json()["detail"]
    assert "a replay" in send(client, anchoring, newest).json()["detail"]
    assert kept(db) == [(10, HASH_1), (25, HASH_2)]
    events = refusals(db)
    assert len(events) == 4 and all(e.outcome == "refused" for e in events)
    assert events[0].detail["head"]["seq"] == 10
    assert not any(e.detail.get("tampering") for e in events)
    assert db.scalars(select(Alert)).all() == []


def test_a_forged_head_is_refused(client: TestClient, db: Session, anchoring: Anchoring) -> None:
    genuine = anchoring.head(10, HASH_1)
    altered = replace(genuine, hash=OTHER)  # the signature covers the hash
    response = send(client, anchoring, altered)
    assert response.status_code == 422
    assert "signature does not verify" in response.json()["detail"]

    # signed by another key, claiming the partner's key: the signature does not verify
    forger = replace(anchoring, key=Ed25519PrivateKey.generate())
    forged = replace(forger.head(11, OTHER), key=genuine.key)
    assert send(client, anchoring, forged).status_code == 422
    # signed by another key, naming it: not the partner's registered key
    named = send(client, anchoring, forger.head(12, OTHER))
    assert named.status_code == 422 and "partner Guest detail instance's key is" in named.text

    ahead = anchoring.head(13, OTHER, minutes_ago=-60)  # an hour ahead of our clock
    assert "ahead of our clock" in send(client, anchoring, ahead).json()["detail"]
    malformed = send(client, anchoring, {**genuine.to_dict(), "seq": "ten"})
    assert malformed.status_code == 422 and "malformed" in malformed.json()["detail"]
    assert kept(db) == []
    assert len(refusals(db)) == 5


def test_a_head_from_an_unknown_partner_or_a_person_is_refused(
    client: TestClient, db: Session, anchoring: Anchoring, login_as
) -> None:
    head = anchoring.head(10, HASH_1).to_dict()
    wrong_secret = send(client, anchoring, head, secret="not-the-secret")
    stranger = client.post(
        "/api/v1/exchange/heads",
        json=head,
        headers={"Authorization": "Basic " + base64.b64encode(b"mallory:" + b"x" * 30).decode()},
    )
    person = client.post("/api/v1/exchange/heads", json=head, headers=login_as(Role.ADMIN).headers)
    for response in (wrong_secret, stranger, person):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
    assert kept(db) == []
    who = [e.actor_name for e in refusals(db)]
    assert who == [f"partner:{anchoring.username}", "partner:mallory", "partner:anonymous"]


def test_a_contradicting_head_is_refused_and_raises_a_tampering_alert(
    client: TestClient, db: Session, world: World, anchoring: Anchoring
) -> None:
    assert send(client, anchoring, anchoring.head(10, HASH_1, minutes_ago=30)).status_code == 201
    # the partner's trail rewritten and re-signed with its own key: event 10 has a new hash
    rewritten = send(client, anchoring, anchoring.head(10, OTHER))
    assert rewritten.status_code == 409
    assert "history was rewritten" in rewritten.json()["detail"]
    assert kept(db) == [(10, HASH_1)]
    event = refusals(db)[-1]
    assert event.detail["tampering"] is True
    assert event.detail["head"]["hash"] == OTHER
    alert = db.scalar(select(Alert).where(Alert.kind == "audit_tampering"))
    assert alert is not None and alert.severity == "critical"
    assert alert.agency_ids == [world.host_sindh]  # the agency running the partnership
    assert "Guest detail instance" in alert.title

    moved = sign_head(
        anchoring.key,
        database_id="another-database",
        seq=11,
        head_hash=HASH_2,
        signed_at=datetime.now(UTC),
    )
    response = send(client, anchoring, moved)
    assert response.status_code == 409 and "names database another-database" in response.text


def test_kept_heads_are_never_changed(
    db: Session, anchoring: Anchoring, client: TestClient
) -> None:
    assert send(client, anchoring, anchoring.head(10, HASH_1)).status_code == 201
    db.rollback()
    row = db.scalars(select(PartnerHead)).one()
    row.hash = OTHER
    with pytest.raises(HeadsAreKept):
        db.flush()
    db.rollback()
    db.delete(db.scalars(select(PartnerHead)).one())
    with pytest.raises(HeadsAreKept):
        db.flush()
    db.rollback()
    assert kept(db) == [(10, HASH_1)]


def test_auditors_export_what_we_hold_of_a_partner(
    client: TestClient, db: Session, anchoring: Anchoring, login_as
) -> None:
    sent = [anchoring.head(10, HASH_1, minutes_ago=30), anchoring.head(25, HASH_2)]
    for head in sent:
        assert send(client, anchoring, head).status_code == 201
    auditor = login_as(Role.AUDITOR)
    response = client.get(
        f"/api/v1/exchange/partners/{anchoring.partner_id}/heads", headers=auditor.headers
    )
    assert response.status_code == 200
    exported = response.json()
    assert exported["format"] == HEADS_FORMAT
    assert exported["partner"] == "Guest detail instance"
    assert [SignedHead.from_dict(h) for h in exported["heads"]] == sent
    analyst = login_as(Role.ANALYST)
    refused = client.get(
        f"/api/v1/exchange/partners/{anchoring.partner_id}/heads", headers=analyst.headers
    )
    assert refused.status_code == 403
    db.rollback()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "audit.heads.export"))
    assert event is not None and event.actor_id == auditor.user_id
    assert event.detail == {"partner": "Guest detail instance", "heads": 2}
