"""The SQLite database and its WAL files are private to the service's user."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from jsms.db import make_engine


def test_database_and_wal_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "jsms.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        files = sorted(tmp_path.glob("var/jsms.sqlite3*"))
        assert {f.name for f in files} >= {"jsms.sqlite3", "jsms.sqlite3-wal"}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, (
                file.name,
                oct(file.stat().st_mode),
            )
    engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
