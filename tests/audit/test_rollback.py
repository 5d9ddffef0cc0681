"""A head put back from an older backup, or copied from another database, is caught.

The anchor outside the database (next to the key file) remembers each database's id and how
far its head had got; `jsms audit verify` compares them and names what it found.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cli.runner import jsms, one_line


def _events(db: Session, count: int, label: str) -> int:
    """`count` audited reads, each committed on its own; returns the head's number after."""
    from jsms.audit import service as audit

    for number in range(count):
        audit.record(
            db, action="person.pii.read", object_type="person", object_id=f"{label}{number}"
        )
        db.commit()
    head = db.scalar(text("SELECT seq FROM audit_head"))
    db.rollback()
    return int(head)


def _head_row(db: Session) -> dict:
    row = db.execute(text("SELECT seq, hash, mac, database_id FROM audit_head")).mappings().one()
    db.rollback()
    return dict(row)


def _put_head(db: Session, head: dict) -> None:
    db.execute(text("DELETE FROM audit_head"))
    db.execute(
        text(
            "INSERT INTO audit_head (id, seq, hash, mac, database_id) "
            "VALUES (1, :seq, :hash, :mac, :database_id)"
        ),
        head,
    )
    db.commit()


def _verify() -> tuple[int, str]:
    result = jsms("audit", "verify")
    output = one_line(result.stdout + result.stderr)
    assert "Traceback" not in output
    return result.returncode, output


def _anchor_file() -> Path:
    from jsms.audit.anchor import anchor_path

    return anchor_path()


def test_the_anchor_sits_beside_the_key_file_readable_by_the_owner_only(db_url: str) -> None:
    path = _anchor_file()
    key_file = Path(os.environ["JSMS_KEY_FILE"])
    assert path.parent == key_file.parent
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    anchored = json.loads(path.read_text())["databases"]
    assert [url.split("://")[0] for url in anchored] == [db_url.split("://")[0]]


def test_restoring_an_older_head_after_deleting_recent_events_is_caught(db: Session) -> None:
    kept = _events(db, 5, "before-")
    old_head = _head_row(db)
    newest = _events(db, 4, "after-")
    assert _verify()[0] == 0
    db.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": kept})
    _put_head(db, old_head)
    code, output = _verify()
    assert code == 1, output
    assert f"BROKEN at event {kept + 1}:" in output
    assert f"the chain head is event {kept} but event {newest} had been recorded" in output
    assert "older head" in output


def test_writing_past_the_recorded_head_after_a_rollback_is_caught(db: Session) -> None:
    kept = _events(db, 3, "before-")
    old_head = _head_row(db)
    newest = _events(db, 3, "after-")
    db.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": kept})
    _put_head(db, old_head)
    _events(db, 5, "again-")  # the application goes on writing past the recorded number
    code, output = _verify()
    assert code == 1, output
    assert f"BROKEN at event {newest}:" in output
    assert "rolled back and written again" in output


def test_a_genesis_from_another_database_with_the_same_key_is_caught(
    db: Session, tmp_path: Path
) -> None:
    from jsms.migrate import upgrade

    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    upgrade(other)
    from jsms.db import make_engine

    engine = make_engine(other)
    with engine.connect() as connection:
        foreign = dict(
            connection.execute(text("SELECT seq, hash, mac, database_id FROM audit_head"))
            .mappings()
            .one()
        )
    engine.dispose()
    _events(db, 3, "mine-")
    db.execute(text("DELETE FROM audit_events"))
    _put_head(db, foreign)
    code, output = _verify()
    assert code == 1, output
    assert "belongs to another database" in output
    assert foreign["database_id"][:8] in output


def test_wiping_the_trail_and_migrating_again_is_caught(db: Session) -> None:
    newest = _events(db, 3, "x-")
    db.execute(text("DELETE FROM audit_events"))
    db.execute(text("DELETE FROM audit_head"))
    db.commit()
    migrated = jsms("db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    code, output = _verify()
    assert code == 1, output
    assert f"the chain head is event 0 but event {newest} had been recorded" in output


def test_a_lost_anchor_is_reported_not_ignored(db: Session) -> None:
    _events(db, 2, "x-")
    path = _anchor_file()
    saved = path.read_text()
    try:
        path.unlink()
        code, output = _verify()
        assert code == 1, output
        assert "has no record of this database" in output
    finally:
        path.write_text(saved)
        path.chmod(0o600)


def _recorded(db: Session) -> dict:
    head = _head_row(db)
    entries = json.loads(_anchor_file().read_text())["databases"].values()
    [recorded] = [e for e in entries if e["id"] == head["database_id"]]
    return recorded


def _assert_anchor_on_the_chain(db: Session) -> None:
    """Never ahead of the head and on its chain; level again after the next commit."""
    recorded = _recorded(db)
    held = db.scalar(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": recorded["seq"]})
    db.rollback()
    assert recorded["seq"] <= _head_row(db)["seq"]
    assert held == recorded["hash"]
    _events(db, 1, "next-")
    head = _head_row(db)
    assert (_recorded(db)["seq"], _recorded(db)["hash"]) == (head["seq"], head["hash"])
    code, output = _verify()
    assert code == 0, output


WRITER = """
import sys
from jsms.audit import service as audit
from jsms.db import new_session

db = new_session()
for number in range(int(sys.argv[1])):
    audit.record(db, action="test.write", object_type="writer", object_id=sys.argv[2], actor="w")
    db.commit()
db.close()
"""


def test_several_processes_writing_at_once_keep_the_anchor_in_step(db: Session) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, "25", f"writer-{n}"], env=os.environ)
        for n in range(3)
    ]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0]
    assert _head_row(db)["seq"] >= 75
    _assert_anchor_on_the_chain(db)


@pytest.mark.parametrize("damage", ["id", "mac"])
def test_a_head_edited_to_claim_this_databases_id_is_caught(db: Session, damage: str) -> None:
    _events(db, 2, "x-")
    head = _head_row(db)
    if damage == "id":
        head["database_id"] = "00000000-0000-4000-8000-000000000000"
    else:
        head["mac"] = "0" * 64
    _put_head(db, head)
    code, output = _verify()
    assert code == 1 and "altered" in output, output


def test_a_trail_from_before_heads_named_their_database_is_resealed_on_upgrade(
    db: Session,
) -> None:
    from jsms.audit.anchor import anchor_path
    from jsms.audit.chain import legacy_head_mac
    from jsms.keyring import get_keyring

    newest = _events(db, 3, "x-")
    head = _head_row(db)
    legacy = {**head, "database_id": None}
    legacy["mac"] = legacy_head_mac(head["seq"], head["hash"], get_keyring().audit_mac)
    _put_head(db, legacy)
    path = anchor_path()
    path.write_text(json.dumps({"format": 1, "databases": {}}))  # as before the anchor existed
    assert "`jsms db upgrade` re-seals it" in _verify()[1]
    migrated = jsms("db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    code, output = _verify()
    assert code == 0, output
    resealed = _head_row(db)
    assert resealed["seq"] == newest and resealed["database_id"]


def test_an_old_style_head_with_a_forged_mac_is_not_resealed(db: Session) -> None:
    _events(db, 2, "x-")
    _put_head(db, {**_head_row(db), "database_id": None, "mac": "f" * 64})
    assert jsms("db", "upgrade").returncode == 0
    code, output = _verify()
    assert code == 1 and "names no database" in output, output


def test_a_burst_of_requests_on_a_live_server_keeps_the_anchor_in_step(
    live_server: str, db: Session, login_as
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    analyst = login_as("analyst")
    start = threading.Barrier(30)
    with httpx.Client(base_url=live_server, headers=analyst.headers, timeout=30) as http:

        def refused(_: int) -> int:
            start.wait()
            return http.get("/api/v1/users").status_code  # each refusal is its own commit

        with ThreadPoolExecutor(30) as pool:
            assert set(pool.map(refused, range(30))) == {403}
    _assert_anchor_on_the_chain(db)


def test_an_operator_can_accept_a_deliberately_restored_head_and_it_is_audited(
    db: Session,
) -> None:
    kept = _events(db, 3, "before-")
    backup = _head_row(db)
    _events(db, 3, "after-")
    db.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": kept})
    _put_head(db, backup)  # the restore
    assert _verify()[0] == 1
    no_reason = jsms("audit", "accept-head", "--reason", " ")
    assert no_reason.returncode == 2 and "say why" in one_line(no_reason.stderr)
    accepted = jsms("audit", "accept-head", "--reason", "restored the 02:00 backup")
    assert accepted.returncode == 0, accepted.stderr
    assert f"audit anchor now at event {kept + 1}" in one_line(accepted.stdout)
    code, output = _verify()
    assert code == 0, output
    detail = db.scalar(text("SELECT detail FROM audit_events WHERE action = 'audit.anchor.accept'"))
    db.rollback()
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail["reason"] == "restored the 02:00 backup"
    assert detail["head_seq"] == kept and detail["anchor_was"]["seq"] > kept


def test_accepting_a_tampered_trail_is_refused(db: Session) -> None:
    _events(db, 3, "x-")
    db.execute(text("UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 2"))
    db.commit()
    refused = jsms("audit", "accept-head", "--reason", "restored a backup")
    assert refused.returncode == 2
    assert "the trail itself is broken" in one_line(refused.stderr)
    assert _verify()[0] == 1
