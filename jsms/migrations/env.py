"""Alembic environment: the URL comes from jsms.migrate, the tables from the models."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from jsms.db import make_engine
from jsms.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    given = config.attributes.get("connection")  # a caller's open connection, if any
    if isinstance(given, Connection):
        _run(given)
        return
    with make_engine(url).connect() as connection:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
