"""Run Alembic migrations from code (`jsms db upgrade`, the demo, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from jsms.config import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%")
    )
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate, then make sure the audit chain has its head."""
    from jsms.audit.service import ensure_genesis
    from jsms.db import make_engine

    fresh = current(url) is None  # an empty schema starts a new audit trail
    command.upgrade(alembic_config(url), revision)
    engine = make_engine(url or get_settings().database_url)
    with engine.begin() as connection:
        ensure_genesis(connection, start_over=fresh)
    engine.dispose()


def current(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from jsms.db import make_engine

    with make_engine(url or get_settings().database_url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def behind(url: str | None = None) -> str | None:
    """Why the database cannot be served as it is (no schema, or an older one), or None."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    now = current(url)
    if now == head:
        return None
    if now is None:
        return "the database has no schema yet: run `jsms db upgrade` (or `jsms demo`) first"
    return (
        f"the database schema is at revision {now} and this JSMS needs {head}: "
        "back it up, then run `jsms db upgrade`"
    )
