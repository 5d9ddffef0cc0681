"""Deployment authorisations in the browser: every state listed, a map of each grant's scope,
the grant and revoke forms for the host only, and the "may this unit act here?" question."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.identity.roles import Side
from jsms.registry import service as registry
from jsms.registry.models import DeploymentAuthorisation
from tests.conftest import World
from tests.movements.conftest import actor_of
from tests.web.conftest import csrf_of
from tests.web.forms import token_of_form
from tests.web.test_sites_pages import map_config


@pytest.fixture
def grants(db: Session, world: World) -> dict[str, str]:
    """Sindh grants the guest all of Sindh (live) and Malir (expired); KP grants Shangla
    (revoked) and Battagram (from next month)."""
    sindh = actor_of(world.host_sindh, Side.HOST)
    kp = actor_of(world.host_kp, Side.HOST)
    unit = registry.create_unit(
        db,
        agency_id=world.guest,
        name="Close protection team 1",
        call_sign="GSD-CP-1",
        unit_type="close_protection",
        strength=6,
        vehicles=[],
    )
    now = datetime.now(UTC)

    def grant(host, starts: int, ends: int, **scope) -> DeploymentAuthorisation:
        fields = {"provinces": [], "districts": [], "site_ids": [], **scope}
        return registry.grant_authorisation(
            db,
            host,
            guest_agency_id=world.guest,
            unit_id=None,
            starts_at=now + timedelta(days=starts),
            ends_at=now + timedelta(days=ends),
            headcount_cap=8,
            arms="concealed sidearms",
            conditions="host escort present",
            **fields,
        )

    live = grant(sindh, -10, 90, provinces=["Sindh"])
    expired = grant(sindh, -90, -10, districts=["Malir"])
    revoked = grant(kp, -10, 90, districts=["Shangla"])
    registry.revoke_authorisation(db, kp, revoked.id, "the threat level rose")
    future = grant(kp, 30, 120, districts=["Battagram"])
    db.commit()
    return {
        "live": live.id,
        "expired": expired.id,
        "revoked": revoked.id,
        "future": future.id,
        "unit": unit.id,
        "live_ref": live.reference,
        "future_ref": future.reference,
    }


def test_the_list_shows_every_state_and_filters_by_state(
    browse, client: TestClient, grants: dict[str, str]
) -> None:
    browse("ops_officer")
    page = client.get("/registry/authorisations").text
    for state in ("live", "expired", "revoked", "future"):
        assert f"grant-{state}" in page
    live = client.get("/registry/authorisations", params={"state": "live"}).text
    assert grants["live_ref"] in live and grants["future_ref"] not in live
    assert "grant-revoked" not in live


def test_a_company_is_refused_the_authorisations(
    browse, client: TestClient, world: World, grants: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    for path in ("/registry/authorisations", f"/registry/authorisations/{grants['live']}"):
        response = client.get(path)
        assert response.status_code == 403
        assert grants["live_ref"] not in response.text


def test_a_grant_page_maps_its_provinces_and_the_hosts_jurisdiction(
    browse, client: TestClient, grants: dict[str, str]
) -> None:
    browse("ops_officer")
    page = client.get(f"/registry/authorisations/{grants['live']}")
    assert page.status_code == 200
    assert "host escort present" in page.text
    overlays = {o["name"]: o for o in map_config(page.text, "scope-map")["overlays"]}
    granted = overlays["Provinces granted"]["data"]["features"]
    assert [f["properties"]["title"] for f in granted] == ["Sindh"]
    assert granted[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert overlays["SPU-S jurisdiction"]["dash"]
    # an ops officer may not revoke
    assert "Revoke now" not in page.text


def test_a_district_without_a_boundary_is_named_not_drawn(
    browse, client: TestClient, grants: dict[str, str]
) -> None:
    browse("ops_officer")
    page = client.get(f"/registry/authorisations/{grants['future']}").text
    assert "No imported boundary for Battagram" in page
    names = [o["name"] for o in map_config(page, "scope-map")["overlays"]]
    assert "Districts granted" not in names


def _grant_form(client: TestClient) -> str:
    form = client.get("/registry/authorisations/new")
    assert form.status_code == 200
    return token_of_form(form.text, "/registry/authorisations/new")


def _period() -> dict[str, str]:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return {
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"),
    }


def _count(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count(DeploymentAuthorisation.id))) or 0


def test_a_host_approver_grants_and_bad_input_saves_nothing(
    browse, client: TestClient, db: Session, world: World, grants: dict[str, str]
) -> None:
    browse("approver", agency_id=world.host_sindh)
    token = _grant_form(client)
    before = _count(db)
    base = {"csrf_token": token, "guest_agency_id": world.guest, "headcount_cap": "6"}

    backwards = {**base, **_period(), "provinces": "Sindh"}
    backwards["ends_at"], backwards["starts_at"] = backwards["starts_at"], backwards["ends_at"]
    response = client.post("/registry/authorisations/new", data=backwards)
    assert response.status_code == 422
    assert 'id="e-ends_at"' in response.text and "after starts_at" in response.text
    assert 'value="Sindh" checked' in response.text  # the input is kept

    nowhere = client.post("/registry/authorisations/new", data={**base, **_period()})
    assert nowhere.status_code == 422
    assert 'id="e-provinces"' in nowhere.text
    assert _count(db) == before

    granted = client.post(
        "/registry/authorisations/new",
        data={**base, **_period(), "districts": "Malir, Thatta", "arms": "none"},
        follow_redirects=False,
    )
    assert granted.status_code == 303
    assert "The authorisation is granted." in client.get(granted.headers["location"]).text
    assert _count(db) == before + 1
    grant = db.scalar(
        select(DeploymentAuthorisation).order_by(DeploymentAuthorisation.created_at.desc())
    )
    assert grant is not None
    assert grant.districts == ["Malir", "Thatta"] and grant.host_agency_id == world.host_sindh

    # A forged province outside Sindh's jurisdiction is refused as the API refuses it.
    outside = client.post(
        "/registry/authorisations/new",
        data={**base, **_period(), "provinces": "Khyber Pakhtunkhwa"},
    )
    assert outside.status_code == 403
    assert "no jurisdiction in Khyber Pakhtunkhwa" in outside.text
    assert _count(db) == before + 1


def test_a_guest_approver_may_not_grant(
    browse, client: TestClient, world: World, grants: dict[str, str]
) -> None:
    browse("approver", agency_id=world.guest)
    assert client.get("/registry/authorisations/new").status_code == 403
    page = client.get(f"/registry/authorisations/{grants['live']}")
    assert page.status_code == 200 and "Revoke now" not in page.text
    response = client.post(
        f"/registry/authorisations/{grants['live']}/revoke",
        data={"csrf_token": csrf_of(page.text), "reason": "we decide ourselves"},
    )
    assert response.status_code == 403


def test_the_granting_host_revokes_with_a_reason(
    browse, client: TestClient, db: Session, world: World, grants: dict[str, str]
) -> None:
    browse("approver", agency_id=world.host_sindh)
    url = f"/registry/authorisations/{grants['live']}"
    page = client.get(url)
    assert "Revoke now" in page.text
    token = token_of_form(page.text, f"{url}/revoke")
    assert client.post(f"{url}/revoke", data={"reason": "threat rose"}).status_code == 403
    empty = client.post(f"{url}/revoke", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and 'id="e-reason"' in empty.text
    db.rollback()
    assert db.get(DeploymentAuthorisation, grants["live"]).revoked_at is None

    done = client.post(
        f"{url}/revoke", data={"csrf_token": token, "reason": "threat rose"}, follow_redirects=False
    )
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "The authorisation is revoked." in after and "threat rose" in after
    db.rollback()
    assert db.get(DeploymentAuthorisation, grants["live"]).revoked_reason == "threat rose"


def test_another_host_may_not_revoke(
    browse, client: TestClient, db: Session, world: World, grants: dict[str, str]
) -> None:
    browse("approver", agency_id=world.host_kp)
    url = f"/registry/authorisations/{grants['live']}"
    page = client.get(url)
    assert "Revoke now" not in page.text
    response = client.post(
        f"{url}/revoke", data={"csrf_token": csrf_of(page.text), "reason": "mine now"}
    )
    assert response.status_code == 403
    db.rollback()
    assert db.get(DeploymentAuthorisation, grants["live"]).revoked_at is None


def test_may_this_unit_act_here_answers_with_the_reason(
    browse, client: TestClient, grants: dict[str, str]
) -> None:
    browse("ops_officer")
    url = "/registry/authorisations/check"
    karachi = client.get(url, params={"unit_id": grants["unit"], "lat": "24.86", "lon": "67.01"})
    assert karachi.status_code == 200
    assert "Yes: it may act there" in karachi.text and grants["live_ref"] in karachi.text
    besham = client.get(url, params={"unit_id": grants["unit"], "town": "Besham"})
    assert "No: it may not act there" in besham.text
    assert "was revoked" in besham.text  # Besham lies in Shangla, whose grant KP revoked


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "site_id"),
        ({"town": "Atlantis"}, "town"),
        ({"town": "Besham", "lat": "24.8", "lon": "67.0"}, "town"),
        ({"lat": "124.8", "lon": "67.0"}, "lat"),
    ],
)
def test_a_check_without_a_place_says_why_beside_the_field(
    params: dict[str, str], field: str, browse, client: TestClient, grants: dict[str, str]
) -> None:
    browse("ops_officer")
    response = client.get(
        "/registry/authorisations/check", params={"unit_id": grants["unit"], **params}
    )
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert "it may act there" not in response.text
