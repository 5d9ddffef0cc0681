"""Fixtures for the API-wide tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from jsms.db import new_session
from jsms.models import Base


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with light cost parameters: these tests log in hundreds of users, and
    hashing cost is no part of what they check (tests/identity checks the real hasher)."""
    from jsms.identity import credentials

    monkeypatch.setattr(
        credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def row_counts(url: str) -> dict[str, int]:
    with new_session(url) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def unchanged(db_url: str) -> Iterator[Any]:
    """Call `unchanged()` after arranging; the database must look the same at the end."""
    before: dict[str, int] = {}

    def start() -> None:
        before.update(row_counts(db_url))

    yield start
    assert before, "the test never took its 'before' snapshot"
    assert row_counts(db_url) == before
