"""A person walks every step of a movement's life in the demo, through the HTTP API, with the
logins `jsms demo` prints: start and finish the movement that is ready to leave, finish the one
on the road, approve what waits for approval, and submit the draft after choosing its route.

The demo is loaded twice: from the data the project ships alone, and with ../shared/data
(boundaries, GTD, ACLED) when this machine has it, since either can change the jurisdictions a
route crosses and so the keys it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.demo.scenario import DemoLoad
from jsms.identity.models import Agency, User
from jsms.movements.models import Movement
from jsms.registry.models import SecurityUnit
from tests.conftest import shared_data, unspent_code


@dataclass
class Walk:
    """The loaded demo, an API client on it, and a token for every printed login."""

    url: str
    loaded: DemoLoad
    client: TestClient
    tokens: dict[str, str]
    secrets: dict[str, str | None]
    spent: dict[str, int]

    def code(self, username: str) -> str:
        """A fresh second-factor code of the user, for a decision."""
        secret = self.secrets[username]
        assert secret, username
        code, self.spent[username] = unspent_code(secret, self.spent.get(username, -1))
        return code

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def session(self) -> Session:
        from jsms.db import new_session

        return new_session(self.url)

    def call(self, method: str, path: str, username: str, **kwargs: Any) -> Any:
        response = self.client.request(
            method, f"/api/v1{path}", headers=self.headers(username), **kwargs
        )
        assert response.status_code < 300, (method, path, username, response.text)
        return response.json()


def _log_in(
    client: TestClient, url: str, loaded: DemoLoad
) -> tuple[dict[str, str], dict[str, str | None], dict[str, int]]:
    """Every printed login, each once (a second-factor code may be used only once): their
    tokens, second-factor secrets and the code steps spent logging in."""
    from jsms.db import new_session
    from jsms.identity import service as identity

    tokens = {}
    spent: dict[str, int] = {}
    with new_session(url) as db:
        secrets = {u.username: identity.totp_secret(u) for u in db.scalars(select(User))}
    for login in loaded.logins:
        body = {"username": login.username, "password": login.password}
        if login.second_factor:
            secret = secrets[login.username]
            assert secret, login.username
            body["totp_code"], spent[login.username] = unspent_code(secret, -1)
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 200, (login.username, response.text)
        tokens[login.username] = response.json()["access_token"]
    return tokens, secrets, spent


@pytest.fixture(scope="module", params=["shipped data only", "with ../shared/data"])
def walk(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Walk]:
    from jsms.app import create_app
    from jsms.db import get_engine
    from jsms.demo.scenario import load_scenario
    from jsms.migrate import upgrade

    folder = tmp_path_factory.mktemp("walk")
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "shipped data only":
            patch.setenv("JSMS_SHARED_DATA", str(folder / "no-shared-data"))
        elif shared_data() is None:
            pytest.skip("../shared/data is not on this machine")
        url = f"sqlite:///{folder / 'demo.sqlite3'}"
        upgrade(url)
        loaded = load_scenario(url)
    with TestClient(create_app(url), raise_server_exceptions=False) as client:
        yield Walk(url, loaded, client, *_log_in(client, url, loaded))
    get_engine(url).dispose()


def _one(db: Session, status: str) -> Movement:
    rows = db.scalars(select(Movement).where(Movement.status == status)).all()
    assert len(rows) == 1, f"the demo should hold one {status} movement, not {len(rows)}"
    return rows[0]


def _login_for(walk: Walk, db: Session, agency_id: str, role: str) -> str:
    """The printed login of `role` in the agency (the demo has one per job and agency)."""
    agency = db.get(Agency, agency_id)
    assert agency is not None
    names = [x.username for x in walk.loaded.logins if x.agency == agency.short_name]
    found = [
        u.username
        for u in db.scalars(select(User).where(User.username.in_(names)))
        if role in u.roles
    ]
    assert found, f"no printed {role} login for {agency.short_name}"
    return found[0]


def _commander_of_outer_ring(walk: Walk, db: Session, movement: Movement) -> str:
    outer = next(e for e in movement.escorts if e.ring == "outer")
    unit = db.get(SecurityUnit, outer.unit_id)
    assert unit is not None
    return _login_for(walk, db, unit.agency_id, "escort_commander")


def _approve_all(walk: Walk, movement_id: str) -> None:
    """Each required party's approver finds the decision in their queue and approves it."""
    with walk.session() as db:
        movement = db.get(Movement, movement_id)
        assert movement is not None
        current = [a for a in movement.approvals if a.movement_version == movement.version]
        approvers = {a.party: _login_for(walk, db, a.agency_id, "approver") for a in current}
    for username in approvers.values():
        queue = walk.call("GET", "/approvals/pending", username)
        items = queue["items"] if isinstance(queue, dict) else queue  # a page, or a plain list
        assert any(q.get("movement_id", movement_id) == movement_id for q in items), username
        decision = {"approve": True, "totp_code": walk.code(username)}
        walk.call("POST", f"/movements/{movement_id}/decision", username, json=decision)
    with walk.session() as db:
        movement = db.get(Movement, movement_id)
        assert movement is not None and movement.status == "approved", approvers


def test_the_ready_movement_is_started_and_finished_by_its_escort(walk: Walk) -> None:
    from jsms.db import utcnow

    with walk.session() as db:
        ready = _one(db, "approved")
        now = utcnow()
        assert now - timedelta(minutes=30) <= ready.departure_at <= now + timedelta(hours=1)
        assert ready.submitted_at is not None
        assert ready.departure_at - ready.submitted_at >= timedelta(hours=72)
        assert {e.ring for e in ready.escorts} == {"inner", "outer"}
        assert all(a.status == "approved" for a in ready.approvals)
        commander = _commander_of_outer_ring(walk, db, ready)
        requester = _login_for(walk, db, ready.client_agency_id, "requester")
        ready_id = ready.id

    plan = walk.call("GET", f"/movements/{ready_id}/plan", commander)
    assert plan["details_visible"] and not plan["evaluation"]["blocked"]
    refused = walk.client.post(
        f"/api/v1/movements/{ready_id}/start", headers=walk.headers(requester)
    )
    assert refused.status_code == 403, refused.text  # a company does not run convoys
    started = walk.call("POST", f"/movements/{ready_id}/start", commander)
    assert started["status"] == "in_progress"
    debrief = "Arrived on time; one vehicle swapped at the airport gate."
    finished = walk.call(
        "POST",
        f"/movements/{ready_id}/finish",
        commander,
        json={"outcome": "completed", "debrief": debrief},
    )
    assert finished["status"] == "completed"
    with walk.session() as db:
        movement = db.get(Movement, ready_id)
        assert movement is not None and movement.debrief == debrief


def test_the_movement_on_the_road_is_finished_by_its_escort(walk: Walk) -> None:
    with walk.session() as db:
        moving = _one(db, "in_progress")
        assert moving.started_at is not None and moving.started_at <= moving.arrival_at
        commander = _commander_of_outer_ring(walk, db, moving)
        moving_id = moving.id
    assert walk.call("GET", f"/movements/{moving_id}/plan", commander)["details_visible"]
    finished = walk.call(
        "POST",
        f"/movements/{moving_id}/finish",
        commander,
        json={"outcome": "completed", "debrief": "Convoy arrived; no incidents."},
    )
    assert finished["status"] == "completed"


def test_the_completed_movement_has_a_debrief(walk: Walk) -> None:
    with walk.session() as db:
        done = [m for m in db.scalars(select(Movement)) if m.status == "completed" and m.debrief]
        assert done, "a completed movement with a debrief"
        assert all(m.ended_at is not None and m.started_at is not None for m in done)


def test_every_key_of_the_submitted_movement_has_its_approver(walk: Walk) -> None:
    with walk.session() as db:
        waiting = _one(db, "submitted")
        parties = {a.party for a in waiting.approvals}
        assert {"guest", "client"} <= parties and any(p.startswith("host:") for p in parties)
        waiting_id = waiting.id
    _approve_all(walk, waiting_id)


def test_the_draft_is_submitted_after_choosing_a_route(walk: Walk) -> None:
    with walk.session() as db:
        draft = _one(db, "draft")
        assert not draft.route
        requester = _login_for(walk, db, draft.client_agency_id, "requester")
        draft_id = draft.id
    options = walk.call("GET", f"/movements/{draft_id}/route-options", requester)
    assert options
    walk.call("PUT", f"/movements/{draft_id}/route", requester, json={"label": options[0]["label"]})
    submitted = walk.call("POST", f"/movements/{draft_id}/submit", requester)
    assert submitted["status"] == "submitted"
    _approve_all(walk, draft_id)
