"""Fixtures of the exchange tests: a host's picture to share with a guest partner
(stix_world), and an approved movement (the movements' own fixture)."""

from tests.exchange.stix_world import sharing  # noqa: F401
from tests.movements.conftest import approved, mworld  # noqa: F401
