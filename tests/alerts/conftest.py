"""An approved movement from Karachi airport (Sindh) to Hub (Balochistan) on the road, and
helpers to raise findings about it and to drive the alerts loop's clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy.orm import Session

from jsms.alerts.findings import Finding
from jsms.movements.models import Movement
from tests.movements.conftest import AIRPORT, actor_of, approved, mworld

__all__ = ["AIRPORT", "actor_of", "approved", "mworld"]


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with light parameters: login and check-in codes are no part of most tests."""
    from argon2 import PasswordHasher

    from jsms.identity import credentials
    from jsms.tracking import checkins

    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", light)
    monkeypatch.setattr(checkins, "_hasher", light)


@pytest.fixture
def on_the_road(db: Session, approved: str) -> str:
    """The approved movement, in progress and released to its units and passengers."""
    movement = db.get(Movement, approved)
    assert movement is not None
    movement.status = "in_progress"
    movement.started_at = datetime.now(UTC)
    movement.release_at = datetime.now(UTC)
    db.commit()
    return movement.id


def finding(movement_id: str | None, **overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "kind": "deviation",
        "severity": "warning",
        "key": f"deviation:{movement_id}:1",
        "title": "MV left the approved corridor by 1.2 km",
        "at": datetime.now(UTC),
        "movement_id": movement_id,
        "lat": AIRPORT[0] + 0.01,
        "lon": AIRPORT[1],
    }
    values.update(overrides)
    return Finding(**values)


class Recorder(BaseHTTPRequestHandler):
    """A local HTTP endpoint that answers the scripted statuses in turn (then 200)."""

    statuses: list[int]
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = self.statuses.pop(0) if self.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


class LocalEndpoint:
    def __init__(self, statuses: list[int]) -> None:
        handler = type("Handler", (Recorder,), {"statuses": list(statuses), "received": []})
        self.handler = handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @property
    def received(self) -> list[tuple[dict[str, str], bytes]]:
        return self.handler.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Any]:
    """endpoint(statuses) -> a local HTTP server answering them in turn."""
    made: list[LocalEndpoint] = []

    def make(statuses: list[int] | None = None) -> LocalEndpoint:
        made.append(LocalEndpoint(statuses or []))
        return made[-1]

    yield make
    for server in made:
        server.close()
