"""An SMS reply finds its sender by a keyed hash of the phone number: kept whenever a phone
is written, the same for any way of writing the number, and computed for existing phones by
migration 0008."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from jsms.identity.roles import Role, Side
from jsms.registry import phones
from jsms.registry import service as registry
from jsms.registry.models import ProtectedPerson
from tests.movements.conftest import actor_of


def test_one_number_written_in_different_ways_hashes_alike() -> None:
    same = {
        phones.lookup_hash(n) for n in ("+92 300 1234567", "+92-300-123-4567", "0092 3001234567")
    }
    assert len(same) == 1
    assert phones.lookup_hash("+92 300 1234568") not in same
    assert phones.lookup_hash("no digits") is None


def test_writing_a_phone_keeps_its_lookup(db: Session, world) -> None:
    clerk = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    person = registry.create_person(db, clerk, full_name="Li", nationality="CN", phone="+92 300 1")
    assert person.phone_lookup == phones.lookup_hash("+923001")
    registry.update_person(db, clerk, person.id, phone=None)
    assert person.phone_lookup is None
    db.rollback()


@pytest.fixture
def own_key_file(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A key file (and so an audit anchor) of its own: the suite's anchor names one database."""
    from jsms.config import get_settings

    monkeypatch.setenv("JSMS_KEY_FILE", str(tmp_path / "keys.json"))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_migration_0008_hashes_the_phones_already_stored(own_key_file, tmp_path: Path) -> None:
    from jsms.db import make_engine
    from jsms.keyring import get_keyring
    from jsms.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0007")
    sealed = get_keyring().encrypt("+92 300 7654321", "person:p-1:phone")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO agencies (id, name, short_name, side, country, provinces, districts,"
                " active, created_at, updated_at) VALUES ('a-1', 'Co', 'CO', 'client', 'CN', '[]',"
                " '[]', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO protected_persons (id, full_name, nationality, employer_agency_id,"
                " job_title, status, phone_enc, created_at, updated_at) VALUES ('p-1', 'Li', 'CN',"
                " 'a-1', '', 'in_country', :phone, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"phone": sealed},
        )
    upgrade(url)
    with Session(engine) as session:
        person = session.get(ProtectedPerson, "p-1")
        assert person is not None
        assert person.phone_lookup == phones.lookup_hash("+923007654321")
    engine.dispose()
