"""Fixtures for the identity tests."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with light cost parameters, for tests about policy rather than passwords."""
    from jsms.identity import credentials

    monkeypatch.setattr(
        credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
