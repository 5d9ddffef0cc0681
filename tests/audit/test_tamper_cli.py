"""Tampering with the audit trail in the database is caught by `jsms audit verify`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cli.runner import jsms, one_line

SHIFT = 1_000_000


@pytest.fixture
def trail(world, db: Session) -> int:
    """A realistic trail, written by the services: agencies, persons, a PII read, a refusal."""
    from jsms.audit import service as audit
    from jsms.identity.policy import Actor
    from jsms.identity.roles import Role, Side
    from jsms.registry import service as registry

    requester = Actor(
        "u-req", "requester", world.company_a, Side.CLIENT, frozenset({Role.REQUESTER})
    )
    ops = Actor("u-ops", "ops", world.host_sindh, Side.HOST, frozenset({Role.OPS_OFFICER}))
    db.info["actor"] = requester
    people = [
        registry.create_person(
            db,
            requester,
            full_name=f"Audited Person {number}",
            nationality="CN",
            passport_number=f"EC{5550000 + number}",
        )
        for number in range(3)
    ]
    db.commit()
    db.info["actor"] = ops
    registry.read_pii(db, ops, people[0].id, "medical emergency")
    audit.record(db, action="access.denied", object_type="endpoint", outcome="denied")
    db.commit()
    count = db.scalar(text("SELECT COUNT(*) FROM audit_events"))
    db.rollback()
    assert count >= 10
    return count


def _sql(db: Session, statement: str, **params) -> None:
    db.execute(text(statement), params)
    db.commit()


def _broken_at(expected_seq: int) -> str:
    result = jsms("audit", "verify")
    output = one_line(result.stdout + result.stderr)
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert f"BROKEN at event {expected_seq}:" in output, output
    return output


def test_an_untouched_trail_verifies(trail: int) -> None:
    result = jsms("audit", "verify")
    assert result.returncode == 0, result.stderr
    assert f"audit chain intact: {trail} events" in one_line(result.stdout)


def test_editing_an_events_detail_is_caught(trail: int, db: Session) -> None:
    seq = db.scalar(text("SELECT seq FROM audit_events WHERE action = 'person.pii.read'"))
    db.rollback()
    value = json.dumps({"reason": "routine", "fields": []})
    json_param = "CAST(:d AS json)" if db.bind.dialect.name == "postgresql" else ":d"
    _sql(db, f"UPDATE audit_events SET detail = {json_param} WHERE seq = :s", d=value, s=seq)
    output = _broken_at(seq)
    assert "contents do not match" in output


def test_editing_an_events_actor_is_caught(trail: int, db: Session) -> None:
    _sql(db, "UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 5")
    _broken_at(5)


def test_deleting_a_middle_event_is_caught(trail: int, db: Session) -> None:
    middle = trail // 2
    _sql(db, "DELETE FROM audit_events WHERE seq = :s", s=middle)
    output = _broken_at(middle)
    assert "missing" in output


def test_inserting_a_forged_event_is_caught(trail: int, db: Session) -> None:
    at = trail // 2
    # Make room after the event before, then slip a forged copy in, correctly linked.
    _sql(db, "UPDATE audit_events SET seq = seq + :k WHERE seq >= :s", k=SHIFT, s=at)
    _sql(db, "UPDATE audit_events SET seq = seq - :k + 1 WHERE seq >= :k", k=SHIFT)
    _sql(
        db,
        "INSERT INTO audit_events (seq, at, actor_id, actor_name, actor_agency_id, action, "
        "object_type, object_id, outcome, detail, prev_hash, hash) "
        "SELECT :s, at, actor_id, actor_name, actor_agency_id, 'person.pii.read', object_type, "
        "object_id, outcome, detail, (SELECT hash FROM audit_events WHERE seq = :p), hash "
        "FROM audit_events WHERE seq = 2",
        s=at,
        p=at - 1,
    )
    output = _broken_at(at)
    assert "contents do not match" in output


def test_reordering_two_events_is_caught(trail: int, db: Session) -> None:
    _sql(db, "UPDATE audit_events SET seq = -1 WHERE seq = 4")
    _sql(db, "UPDATE audit_events SET seq = 4 WHERE seq = 7")
    _sql(db, "UPDATE audit_events SET seq = 7 WHERE seq = -1")
    _broken_at(4)


def test_cutting_the_newest_events_is_caught(trail: int, db: Session) -> None:
    _sql(db, "DELETE FROM audit_events WHERE seq > :s", s=trail - 2)
    output = _broken_at(trail - 1)
    assert "removed" in output


def test_cutting_events_and_moving_the_head_is_caught(trail: int, db: Session) -> None:
    keep = trail - 3
    _sql(db, "DELETE FROM audit_events WHERE seq > :s", s=keep)
    _sql(
        db,
        "UPDATE audit_head SET seq = :s, hash = (SELECT hash FROM audit_events WHERE seq = :s)",
        s=keep,
    )
    output = _broken_at(keep)
    assert "head was altered" in output


def test_deleting_the_head_is_caught(trail: int, db: Session) -> None:
    _sql(db, "DELETE FROM audit_head")
    output = _broken_at(trail)
    assert "head is missing" in output


def test_wiping_the_whole_trail_is_caught(trail: int, db: Session) -> None:
    _sql(db, "DELETE FROM audit_events")
    _sql(db, "DELETE FROM audit_head")
    output = _broken_at(1)
    assert "whole trail was deleted" in output


def test_the_api_reports_the_same_break(trail: int, db: Session, client, login_as) -> None:
    auditor = login_as("auditor")
    before = client.get("/api/v1/audit/verify", headers=auditor.headers).json()
    assert before["intact"] is True
    db.rollback()
    assert before["checked"] == db.scalar(text("SELECT COUNT(*) FROM audit_events")) > trail
    db.rollback()
    _sql(db, "UPDATE audit_events SET object_id = 'elsewhere' WHERE seq = 3")
    after = client.get("/api/v1/audit/verify", headers=auditor.headers).json()
    assert after["intact"] is False
    assert after["first_bad_seq"] == 3
    assert after["checked"] == 2
    assert "hash" in after["reason"]
