"""Shared fixtures: a migrated real database (SQLite, or PostgreSQL when
JSMS_TEST_DATABASE_URL says so), the app, and users of every role.

Each test starts from empty tables; the schema is migrated once per run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

TEST_PASSWORD = "correct-horse-battery"


def _reset_postgres(url: str) -> None:
    from jsms.db import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("jsms")
    url = os.environ.get("JSMS_TEST_DATABASE_URL") or f"sqlite:///{folder / 'test.sqlite3'}"
    os.environ["JSMS_DATABASE_URL"] = url
    os.environ["JSMS_KEY_FILE"] = str(folder / "keys.json")
    os.environ["JSMS_ENV"] = "test"
    from jsms.config import get_settings
    from jsms.keyring import get_keyring

    get_settings.cache_clear()
    get_keyring.cache_clear()
    if url.startswith("postgresql"):
        _reset_postgres(url)
    from jsms.migrate import upgrade

    upgrade(url)
    yield url


def _empty_all_tables(url: str) -> None:
    from jsms.audit.service import ensure_genesis
    from jsms.db import get_engine
    from jsms.models import Base

    with get_engine(url).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        ensure_genesis(connection, start_over=True)


@pytest.fixture
def db_url(database_url: str) -> Iterator[str]:
    """The database URL, with every table emptied after the test."""
    yield database_url
    _empty_all_tables(database_url)


@pytest.fixture
def db(db_url: str) -> Iterator[Session]:
    """A session for arranging and checking data; the test commits what it arranges."""
    from jsms.db import new_session

    session = new_session(db_url)
    session.info["actor"] = "test"
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def app(db_url: str):
    from jsms.app import create_app

    return create_app(db_url)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class World:
    """A small joint-security world: two host forces, a guest detail, two companies."""

    host_sindh: str
    host_kp: str
    guest: str
    company_a: str
    company_b: str


@pytest.fixture
def world(db: Session) -> World:
    from jsms.identity import service as identity
    from jsms.identity.roles import Side

    def agency(name: str, short: str, side: Side, country: str, provinces: list[str]) -> str:
        return identity.create_agency(
            db, name=name, short_name=short, side=side, country=country, provinces=provinces
        ).id

    result = World(
        host_sindh=agency("Sindh SPU", "SPU-S", Side.HOST, "PK", ["Sindh"]),
        host_kp=agency("KP SSU", "SSU-KP", Side.HOST, "PK", ["Khyber Pakhtunkhwa"]),
        guest=agency("Guest Detail", "GSD", Side.GUEST, "CN", []),
        company_a=agency("Company A", "CO-A", Side.CLIENT, "CN", []),
        company_b=agency("Company B", "CO-B", Side.CLIENT, "CN", []),
    )
    db.commit()
    return result


def unspent_code(secret: str, spent_step: int) -> tuple[str, int]:
    """A code of a 30-second step after `spent_step` (each code works once, and a step spent
    at login or a decision is refused). The server takes the current step or either
    neighbour, so when the current step is spent the next one is handed out; only when that
    is spent too does this wait for time to move on. Never the current step in its last
    seconds (the server could be past it). Returns (code, step)."""
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        step = int(now // totp.interval)
        left = totp.interval - now % totp.interval
        if step > spent_step and left > 3:
            return totp.at(now), step
        if step + 1 > spent_step:
            return totp.at(now + totp.interval), step + 1
        time.sleep(left + 0.1)


@dataclass
class Login:
    user_id: str
    username: str
    token: str
    totp_secret: str | None
    spent_step: int = -1

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def code(self) -> str:
        """A fresh second-factor code for a decision (waits if this step is spent)."""
        assert self.totp_secret, f"{self.username} has no second factor"
        code, self.spent_step = unspent_code(self.totp_secret, self.spent_step)
        return code


@pytest.fixture
def login_as(db: Session, client: TestClient, world: World):
    """login_as(role, agency_id=None, person_id=None) -> Login with a bearer token."""
    from jsms.identity import service as identity
    from jsms.identity.roles import Role

    default_agency = {
        Role.REQUESTER: world.company_a,
        Role.PROTECTEE: world.company_a,
        Role.ESCORT_COMMANDER: world.guest,
    }
    counter = iter(range(1, 10_000))

    def _login(
        role: Role | str, agency_id: str | None = None, person_id: str | None = None
    ) -> Login:
        role = Role(role)
        username = f"{role.value.replace('_', '-')}-{next(counter)}"
        secret = pyotp.random_base32()
        identity.create_user(
            db,
            username=username,
            display_name=username,
            agency_id=agency_id or default_agency.get(role, world.host_sindh),
            roles=[role],
            password=TEST_PASSWORD,
            person_id=person_id,
            totp_secret=secret,
        )
        db.commit()
        body = {"username": username, "password": TEST_PASSWORD}
        spent_step = -1
        if identity.requires_totp([role]):
            # the previous step's code (still valid), so a test may log in again with now();
            # never in the last seconds of a step, when the server could already be past it
            totp = pyotp.TOTP(secret)
            remaining = totp.interval - time.time() % totp.interval
            if remaining < 3:
                time.sleep(remaining + 0.1)
            body["totp_code"] = totp.at(time.time() - totp.interval)
            spent_step = int(time.time() // totp.interval) - 1
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 200, response.text
        user_id = identity.authenticate(db, response.json()["access_token"]).user_id
        return Login(
            user_id,
            username,
            response.json()["access_token"],
            secret if identity.requires_totp([role]) else None,
            spent_step,
        )

    return _login


def shared_data() -> Path | None:
    from jsms.config import shared_data_dir

    return shared_data_dir()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by uvicorn on a free local port, for requests that must really arrive
    together (threads); it shares the test database with `db` and `client`."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With JSMS_TEST_DB_ONLY=1 (CI's second pass, against PostgreSQL) only the tests that use
    the test database run: the rest (rules, parsers, pure computation, SQLite files of their
    own) already ran on the first pass and cannot behave otherwise on another database."""
    if os.environ.get("JSMS_TEST_DB_ONLY") != "1":
        return
    uses_db = [i for i in items if "database_url" in getattr(i, "fixturenames", ())]
    config.hook.pytest_deselected(items=[i for i in items if i not in uses_db])
    items[:] = uses_db
