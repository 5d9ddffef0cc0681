"""How stored positions reach the live monitor.

Embedded (the default, and the demo): the monitor runs in the serving process and is handed
each batch as soon as it is committed. Scaled out: the batch is published to a durable
NATS JetStream stream and monitor workers consume it (see docs/live-operations.md). Either
way the database commit comes first: a position is durable before it is acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from jsms.tracking.fixes import StoredPosition

__all__ = ["InProcessBus", "PositionBus"]

Subscriber = Callable[[Sequence[StoredPosition]], None]


class PositionBus(Protocol):
    def publish(self, positions: Sequence[StoredPosition]) -> None:
        """Hand committed positions on; must not lose them once it returns."""


class InProcessBus:
    """Calls every subscriber in turn, in the publishing thread."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, positions: Sequence[StoredPosition]) -> None:
        for subscriber in self._subscribers:
            subscriber(positions)
