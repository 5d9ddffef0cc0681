"""Sites and security units in the browser: a company sees its own sites (on the map too),
the site form fails well, and units are the forces' business only."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.registry.models import Site
from tests.conftest import World
from tests.movements.conftest import actor_of
from tests.web.forms import token_of_form

MAP_DATA = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def map_config(html: str, map_id: str) -> dict:
    """The configuration a page hands to map.js (data, not script)."""
    blocks = dict(MAP_DATA.findall(html))
    assert map_id in blocks, f"no map {map_id} on the page"
    return json.loads(blocks[map_id])


@pytest.fixture
def sites(db: Session, world: World) -> dict[str, str]:
    a = actor_of(world.company_a, Side.CLIENT, Role.REQUESTER)
    b = actor_of(world.company_b, Side.CLIENT, Role.REQUESTER)
    square = [[67.33, 24.78], [67.35, 24.78], [67.35, 24.80], [67.33, 24.80], [67.33, 24.78]]
    port = registry.create_site(
        db,
        a,
        name="Port Qasim plant",
        kind="project_site",
        lat=24.79,
        lon=67.34,
        perimeter={"type": "Polygon", "coordinates": [square]},
    )
    camp = registry.create_site(db, b, name="Dasu camp", kind="camp", lat=35.29, lon=73.24)
    db.commit()
    return {"port": port.id, "camp": camp.id}


def test_a_company_sees_its_own_sites_in_the_list_and_on_the_map(
    browse, client: TestClient, world: World, sites: dict[str, str]
) -> None:
    browse("requester", agency_id=world.company_a)
    page = client.get("/registry/sites")
    assert page.status_code == 200
    assert "Port Qasim plant" in page.text and "Dasu camp" not in page.text
    features = map_config(page.text, "sites-map")["overlays"][0]["data"]["features"]
    titles = {f["properties"]["title"] for f in features}
    assert titles == {"Port Qasim plant"}
    assert {f["geometry"]["type"] for f in features} == {"Point", "Polygon"}
    assert client.get(f"/registry/sites/{sites['camp']}").status_code == 404


def test_a_site_page_draws_its_perimeter(browse, client: TestClient, sites: dict[str, str]) -> None:
    browse("ops_officer")
    page = client.get(f"/registry/sites/{sites['port']}")
    assert page.status_code == 200
    assert "Sindh" in page.text
    features = map_config(page.text, "site-map")["overlays"][0]["data"]["features"]
    assert [f["geometry"]["type"] for f in features] == ["Point", "Polygon"]


def test_a_requester_registers_a_site_located_in_its_province(
    browse, client: TestClient, db: Session, world: World
) -> None:
    browse("requester", agency_id=world.company_a)
    form = client.get("/registry/sites/new")
    assert form.status_code == 200
    assert map_config(form.text, "site-pick-map")["pick"][0]["lat"] == "f-lat"
    response = client.post(
        "/registry/sites/new",
        data={
            "csrf_token": token_of_form(form.text, "/registry/sites/new"),
            "name": "Jhimpir wind farm",
            "kind": "project_site",
            "lat": "25.02",
            "lon": "68.02",
            "perimeter": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "The site is registered." in client.get(response.headers["location"]).text
    db.rollback()
    site = db.scalar(select(Site).where(Site.name == "Jhimpir wind farm"))
    assert site is not None
    assert site.client_agency_id == world.company_a and site.province == "Sindh"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"perimeter": "{not json"}, "perimeter"),
        ({"perimeter": '{"type": "Point", "coordinates": [67, 24]}'}, "perimeter"),
        ({"lat": "ninety"}, "lat"),
        ({"lon": "200"}, "lon"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_site_input_is_re_rendered_with_the_reason_and_nothing_saved(
    changes: dict[str, str], field: str, browse, client: TestClient, db: Session, world: World
) -> None:
    browse("requester", agency_id=world.company_a)
    data = {"name": "New camp", "kind": "camp", "lat": "25.0", "lon": "68.0", **changes}
    data["csrf_token"] = token_of_form(
        client.get("/registry/sites/new").text, "/registry/sites/new"
    )
    response = client.post("/registry/sites/new", data=data)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert 'value="camp" selected' in response.text  # the input is kept
    db.rollback()
    assert db.scalar(select(func.count(Site.id))) == 0


def test_the_site_form_without_its_token_is_refused(
    browse, client: TestClient, db: Session, world: World
) -> None:
    browse("requester", agency_id=world.company_a)
    response = client.post(
        "/registry/sites/new", data={"name": "X", "kind": "camp", "lat": "25", "lon": "68"}
    )
    assert response.status_code == 403
    db.rollback()
    assert db.scalar(select(func.count(Site.id))) == 0


def test_an_analyst_reads_sites_but_may_not_register_one(
    browse, client: TestClient, sites: dict[str, str]
) -> None:
    browse("analyst")
    page = client.get("/registry/sites").text
    assert "Dasu camp" in page and "Register a site" not in page
    assert client.get("/registry/sites/new").status_code == 403


# Security units -------------------------------------------------------------------------------


@pytest.fixture
def unit(db: Session, world: World) -> str:
    created = registry.create_unit(
        db,
        agency_id=world.guest,
        name="Close protection team 1",
        call_sign="GSD-CP-1",
        unit_type="close_protection",
        strength=8,
        base_name="Karachi",
        base_lat=24.86,
        base_lon=67.01,
        vehicles=[
            {"registration": "GSD-101", "kind": "SUV", "armoured": True, "seats": 5},
            {"registration": "GSD-102", "kind": "SUV", "armoured": False, "seats": 5},
        ],
    )
    db.commit()
    return created.id


def test_the_forces_see_units_with_their_vehicles(browse, client: TestClient, unit: str) -> None:
    browse("ops_officer")
    page = client.get("/registry/units").text
    assert "GSD-CP-1" in page and "Close protection" in page
    assert "2 (1 armoured)" in page
    detail = client.get(f"/registry/units/{unit}")
    assert detail.status_code == 200
    assert "GSD-101" in detail.text and "GSD-102" in detail.text
    base = map_config(detail.text, "unit-map")["overlays"][0]["data"]["features"][0]
    assert base["geometry"]["coordinates"] == [67.01, 24.86]


@pytest.mark.parametrize("path", ["/registry/units", "/registry/units/{unit}"])
def test_a_company_is_refused_the_units(
    path: str, browse, client: TestClient, world: World, unit: str
) -> None:
    browse("requester", agency_id=world.company_a)
    response = client.get(path.format(unit=unit))
    assert response.status_code == 403
    assert "GSD-CP-1" not in response.text
