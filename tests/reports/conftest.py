"""The SITREP tests' day: incidents, an override and movements around 27 March 2024."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.movements.conftest import MovementWorld, mworld
from tests.reports.seed import Seeded, seed_all

__all__ = ["mworld"]  # fixtures


@pytest.fixture
def seeded(db: Session, mworld: MovementWorld) -> Seeded:
    return seed_all(db, mworld)
