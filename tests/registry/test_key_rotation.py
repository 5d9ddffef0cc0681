"""`jsms keys rotate`: every encrypted value moves to the new key and still reads the same."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jsms.identity import service as identity
from jsms.identity.models import User
from jsms.registry.models import ProtectedPerson
from tests.cli.runner import jsms, one_line
from tests.conftest import TEST_PASSWORD

PII = ("passport", "phone", "blood_group", "emergency_contact")


@pytest.fixture
def key_file(database_url: str) -> Iterator[Path]:
    """The test key file, restored (and the process keyring reloaded) afterwards."""
    from jsms.keyring import get_keyring

    path = Path(os.environ["JSMS_KEY_FILE"])
    get_keyring()  # make sure it exists
    saved = path.read_bytes()
    yield path
    path.write_bytes(saved)
    get_keyring.cache_clear()


def _reload_keyring():
    from jsms.keyring import get_keyring

    get_keyring.cache_clear()
    return get_keyring()


def _tokens(db: Session) -> list[str]:
    db.rollback()
    rows = db.execute(
        text(
            "SELECT passport_enc, phone_enc, blood_group_enc, emergency_contact_enc "
            "FROM protected_persons"
        )
    ).all()
    tokens = [value for row in rows for value in row if value is not None]
    tokens += [t for t in db.scalars(text("SELECT totp_secret_enc FROM users")) if t]
    return tokens


def _plaintexts(db: Session) -> dict[tuple[str, str], str | None]:
    from jsms.keyring import get_keyring

    keyring = get_keyring()
    db.rollback()
    out: dict[tuple[str, str], str | None] = {}
    for person in db.scalars(select(ProtectedPerson)):
        for field in PII:
            token = getattr(person, f"{field}_enc")
            out[(person.id, field)] = (
                None if token is None else keyring.decrypt(token, f"person:{person.id}:{field}")
            )
    for user in db.scalars(select(User)):
        out[(user.id, "totp")] = identity.totp_secret(user)
    db.expunge_all()
    return out


def test_rotation_reencrypts_everything_and_drop_old_retires_the_key(
    client: TestClient, login_as, db: Session, key_file: Path
) -> None:
    requester = login_as("requester")
    for number in range(5):
        response = client.post(
            "/api/v1/persons",
            headers=requester.headers,
            json={
                "full_name": f"Rotated Person {number}",
                "nationality": "CN",
                "passport_number": f"EA{1000000 + number}",
                "phone": f"+86 138 0000 000{number}",
                "blood_group": "B+",
                "emergency_contact": f"contact {number}",
            },
        )
        assert response.status_code == 201, response.text
    approver = login_as("approver")  # has an encrypted TOTP secret
    before = _plaintexts(db)
    old_ids = set(json.loads(key_file.read_text())["pii_keys"])
    assert {t.split(":")[1] for t in _tokens(db)} <= old_ids

    rotated = jsms("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    keys = json.loads(key_file.read_text())
    new_id = keys["pii_current"]
    assert new_id not in old_ids
    assert set(keys["pii_keys"]) == old_ids | {new_id}  # old keys kept for backups
    expected = 5 * 4 + 1  # every PII value and the approver's TOTP secret
    assert f"{expected} values re-encrypted" in one_line(rotated.stdout)

    tokens = _tokens(db)
    assert len(tokens) == expected
    assert all(t.startswith(f"jsms1:{new_id}:") for t in tokens)
    _reload_keyring()
    assert _plaintexts(db) == before

    # Rotating again with --drop-old leaves only the newest key in the file.
    dropped = jsms("keys", "rotate", "--drop-old")
    assert dropped.returncode == 0, dropped.stderr
    assert "old keys removed" in one_line(dropped.stdout)
    keys = json.loads(key_file.read_text())
    newest = keys["pii_current"]
    assert list(keys["pii_keys"]) == [newest]
    assert all(t.split(":")[1] == newest for t in _tokens(db))
    for old in old_ids | {new_id}:
        assert all(f":{old}:" not in t for t in _tokens(db))
    _reload_keyring()
    assert _plaintexts(db) == before

    # The API still decrypts PII and the second factor still works after rotation.
    ops = login_as("ops_officer")
    person_id = next(pid for (pid, field) in before if field == "passport")
    pii = client.get(
        f"/api/v1/persons/{person_id}/pii", headers=ops.headers, params={"reason": "check"}
    )
    assert pii.status_code == 200
    assert pii.json()["passport_number"] == before[(person_id, "passport")]
    token = client.post(
        "/api/v1/auth/token",
        json={
            "username": approver.username,
            "password": TEST_PASSWORD,
            "totp_code": pyotp.TOTP(approver.totp_secret).now(),
        },
    )
    assert token.status_code == 200, token.text

    # The rotation itself is in the audit trail, and the trail is intact.
    db.rollback()
    events = db.execute(
        text("SELECT object_id FROM audit_events WHERE action = 'keys.rotate' ORDER BY seq")
    ).all()
    assert [e[0] for e in events] == [new_id, newest]
    verified = jsms("audit", "verify")
    assert verified.returncode == 0, verified.stderr


def test_rotation_with_nothing_encrypted_still_makes_a_new_key(db_url: str, key_file: Path) -> None:
    old = json.loads(key_file.read_text())["pii_current"]
    result = jsms("keys", "rotate")
    assert result.returncode == 0, result.stderr
    assert "0 values re-encrypted" in one_line(result.stdout)
    assert json.loads(key_file.read_text())["pii_current"] != old


def test_rotation_refuses_when_the_key_file_is_unreadable(db_url: str, key_file: Path) -> None:
    key_file.write_text("{not json")
    result = jsms("keys", "rotate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "unreadable" in result.stderr
