"""One synthetic order and its 50 recipients, shared by the order and watermark tests."""

from __future__ import annotations

import pytest

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.leak_simulation import example_order, make_recipients
from jsms.movements.orders.watermark import Recipient, derive_secret

SECRET = derive_secret(b"test master key, not a real one")


@pytest.fixture(scope="module")
def order() -> OrderContent:
    return example_order(0)


@pytest.fixture(scope="module")
def recipients() -> list[Recipient]:
    return make_recipients(50, SECRET)
