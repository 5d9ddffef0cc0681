"""Fixtures for the API-wide tests."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with light cost parameters: these tests log in hundreds of users, and
    hashing cost is no part of what they check (tests/identity checks the real hasher)."""
    from jsms.identity import service

    monkeypatch.setattr(
        service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
