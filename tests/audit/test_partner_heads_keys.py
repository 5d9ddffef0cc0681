"""The instance's head-signing key: made with the key file (and added to an older one), shown
by `jsms keys`, kept through a PII key rotation, never in the database; and no head is signed
for a chain that does not verify."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit.models import AuditEvent
from jsms.audit.signing import fingerprint
from tests.cli.runner import jsms, one_line


@pytest.fixture
def key_file(database_url: str) -> Iterator[Path]:
    """The test key file, restored (and the process keyring reloaded) afterwards."""
    from jsms.keyring import get_keyring

    path = Path(os.environ["JSMS_KEY_FILE"])
    get_keyring()
    saved = path.read_bytes()
    yield path
    path.write_bytes(saved)
    get_keyring.cache_clear()


def _fingerprint() -> str:
    from jsms.keyring import get_keyring

    get_keyring.cache_clear()
    return fingerprint(get_keyring().signer().public_key().public_bytes_raw())


def test_an_older_key_file_gains_a_signing_key_that_stays(key_file: Path, db_url: str) -> None:
    data = json.loads(key_file.read_text())
    data.pop("signing_key")
    key_file.write_text(json.dumps(data))  # as written before heads were signed

    first = _fingerprint()
    assert "signing_key" in json.loads(key_file.read_text())
    assert _fingerprint() == first  # read again: the same key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"

    shown = jsms("keys")
    assert shown.returncode == 0, shown.stderr
    assert first in one_line(shown.stdout)
    rotated = jsms("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert _fingerprint() == first  # a new PII key, the same signing key


def test_the_signing_key_never_enters_the_database(key_file: Path, db: Session) -> None:
    secret = json.loads(key_file.read_text())["signing_key"]
    audit.record(db, action="person.pii.read", object_type="person", object_id="p-1")
    db.commit()
    sent = jsms("audit", "send-head")
    assert sent.returncode == 0, sent.stderr
    db.rollback()
    from jsms.models import Base

    dump = "\n".join(
        str(row) for table in Base.metadata.sorted_tables for row in db.execute(table.select())
    )
    assert "audit.head" in dump or "person.pii.read" in dump  # the dump reads the trail
    assert secret not in dump and secret[:20] not in dump


def test_no_head_is_signed_for_a_broken_chain(db: Session, key_file: Path) -> None:
    audit.record(db, action="person.pii.read", object_type="person", object_id="p-1")
    db.commit()
    assert jsms("audit", "send-head").returncode == 0  # intact: signed (no partner to send to)
    db.execute(text("UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 1"))
    db.commit()

    refused = jsms("audit", "send-head")
    assert refused.returncode == 1
    assert "no head signed" in one_line(refused.stderr)
    db.rollback()
    rounds = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.head.send").order_by(AuditEvent.seq)
    ).all()
    assert rounds[-1].outcome == "failed"
    assert rounds[-1].detail["seq"] is None
    assert "broken at event 1" in rounds[-1].detail["problem"]
