"""The situation map: its page, its layers (need-to-know in the query), the offline base map
and locally served tiles."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Side
from jsms.registry import service as registry
from jsms.threat import service as threat
from tests.movements.conftest import actor_of, approved, mworld, release_now

__all__ = ["approved", "mworld"]  # fixtures used by the tests below


def _incident(
    db: Session,
    title: str,
    *,
    tlp: str = "green",
    when: str = "2024-03-26",
    attack_type: str = "vbied",
    lat: float = 34.9,
    lon: float = 72.9,
) -> str:
    incident = threat.create_incident(
        db,
        sources=[],
        review_status="accepted",
        title=title,
        occurred_at=datetime.fromisoformat(when).replace(tzinfo=UTC),
        place_name="Besham",
        lat=lat,
        lon=lon,
        attack_type=attack_type,
        killed=6,
        injured=0,
        tlp=tlp,
    )
    db.commit()
    return incident.id


def _features(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    return response.json()["features"]


def test_map_page_offers_the_layers_the_role_may_see(browse, client: TestClient) -> None:
    browse("ops_officer")
    page = client.get("/map")
    assert page.status_code == 200
    config = json.loads(page.text.split('id="situation">', 1)[1].split("</script>", 1)[0])
    names = [o["name"] for o in config["overlays"]]
    assert names == [
        "Province threat levels",
        "District threat levels",
        "Threat hexagons",
        "Incidents",
        "Sites",
        "Live routes",
    ]
    assert '<script src="/static/map.js"' in page.text
    assert 'src="http' not in page.text and 'href="http' not in page.text  # nothing off-site


def test_protectee_may_not_open_the_map(db: Session, world, browse, client: TestClient) -> None:
    person = registry.create_person(
        db, actor_of(world.company_a, Side.CLIENT), full_name="Engineer", nationality="CN"
    )
    db.commit()
    browse("protectee", person_id=person.id)
    page = client.get("/map")
    assert page.status_code == 403
    assert "text/html" in page.headers["content-type"]
    assert "may not see the geography" in page.text


def test_a_bad_filter_is_shown_beside_its_field(browse, client: TestClient) -> None:
    browse("analyst")
    page = client.get("/map", params={"since": "2024-05-01", "until": "2024-01-01"})
    assert page.status_code == 422
    assert 'id="e-since"' in page.text and "after the end date" in page.text
    page = client.get("/map", params={"type": "meteor"})
    assert page.status_code == 422 and 'id="e-type"' in page.text


def test_sites_layer_shows_a_company_only_its_own_sites(db: Session, world, login_as, client):
    for company, name in ((world.company_a, "Camp A"), (world.company_b, "Camp B")):
        registry.create_site(
            db,
            actor_of(company, Side.CLIENT),
            name=name,
            lat=34.9,
            lon=72.9,
            kind="camp",
            perimeter={
                "type": "Polygon",
                "coordinates": [[[72.89, 34.89], [72.91, 34.89], [72.91, 34.91], [72.89, 34.89]]],
            },
        )
    db.commit()
    requester = login_as("requester")
    features = _features(client.get("/map/layers/sites.geojson", headers=requester.headers))
    assert {f["properties"]["title"] for f in features} == {"Camp A"}
    assert {f["geometry"]["type"] for f in features} == {"Point", "Polygon"}
    ops = login_as("ops_officer")
    features = _features(client.get("/map/layers/sites.geojson", headers=ops.headers))
    assert {f["properties"]["title"] for f in features} == {"Camp A", "Camp B"}


def test_incidents_layer_filters_by_date_type_and_marking(db: Session, login_as, client) -> None:
    _incident(db, "Convoy bombing", when="2024-03-26")
    _incident(db, "Older attack", when="2021-07-14")
    _incident(db, "Armed raid", when="2024-04-02", attack_type="armed_assault")
    _incident(db, "Partner-only report", when="2024-03-28", tlp="amber")
    ops = login_as("ops_officer")
    url = "/map/layers/incidents.geojson"
    window = {"since": "2024-01-01", "until": "2024-12-31"}
    titles = {
        f["properties"]["title"]
        for f in _features(client.get(url, params=window, headers=ops.headers))
    }
    assert titles == {"Convoy bombing", "Armed raid", "Partner-only report"}
    only_vbied = {**window, "type": "vbied"}
    titles = {
        f["properties"]["title"]
        for f in _features(client.get(url, params=only_vbied, headers=ops.headers))
    }
    assert titles == {"Convoy bombing", "Partner-only report"}
    company = login_as("requester")
    titles = {
        f["properties"]["title"]
        for f in _features(client.get(url, params=window, headers=company.headers))
    }
    assert "Partner-only report" not in titles  # TLP:AMBER is not for companies
    refused = client.get(url, params={"since": "yesterday"}, headers=ops.headers)
    assert refused.status_code == 422 and "since" in refused.json()["detail"]


def test_default_window_falls_back_to_the_latest_year_on_record(db: Session, login_as, client):
    _incident(db, "Last reported attack", when="2024-10-06")
    analyst = login_as("analyst")
    features = _features(client.get("/map/layers/incidents.geojson", headers=analyst.headers))
    assert [f["properties"]["title"] for f in features] == ["Last reported attack"]


def test_area_levels_are_shaded_with_overrides_in_force(db: Session, login_as, client) -> None:
    _incident(db, "Convoy bombing")
    now = datetime.now(UTC)
    threat.create_override(
        db,
        actor_of("analyst", Side.HOST),
        area_kind="province",
        area="Sindh",
        level=5,
        reason="specific threat to convoys leaving the airport",
        starts_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=3),
    )
    db.commit()
    ops = login_as("ops_officer")
    features = _features(
        client.get("/map/layers/areas.geojson", params={"kind": "province"}, headers=ops.headers)
    )
    sindh = [f for f in features if f["properties"]["title"].startswith("Sindh")]
    assert len(sindh) == 1 and sindh[0]["properties"]["level"] == 5
    assert ["Analyst override", "specific threat to convoys leaving the airport"] in sindh[0][
        "properties"
    ]["lines"]
    assert sindh[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_routes_layer_follows_need_to_know_and_audits_each_view(
    db: Session, world, mworld, approved: str, login_as, client: TestClient
) -> None:
    url = "/map/layers/routes.geojson"
    requester_b = login_as("requester", agency_id=world.company_b)
    assert _features(client.get(url, headers=requester_b.headers)) == []
    auditor = login_as("auditor")
    assert _features(client.get(url, headers=auditor.headers)) == []  # summary only
    escort = login_as("escort_commander", agency_id=world.guest)
    assert _features(client.get(url, headers=escort.headers)) == []  # not yet released
    release_now(db, approved)
    features = _features(client.get(url, headers=escort.headers))
    assert len(features) == 1
    assert features[0]["geometry"]["coordinates"] == mworld.route["coordinates"]
    views = db.query(AuditEvent).filter_by(action="movement.details.read", object_id=approved)
    assert any(e.detail.get("via") == "map" and e.actor_name == escort.username for e in views)


def test_base_map_outlines_are_served_compressed_and_cacheable(client: TestClient) -> None:
    response = client.get("/basemap/provinces.geojson", params={"iso3": "PAK"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "public" in response.headers["cache-control"]
    names = {f["properties"]["name"] for f in response.json()["features"]}
    assert {"Sind", "Punjab", "Baluchistan"} <= names
    assert client.get("/basemap/provinces.geojson", params={"iso3": "PAK;drop"}).status_code == 422
    countries = client.get("/basemap/countries.geojson").json()["features"]
    assert len(countries) > 150


def test_base_settings_frame_the_countries_of_the_sites(db: Session, world, login_as, client):
    registry.create_site(
        db, actor_of(world.company_a, Side.CLIENT), name="Dasu camp", lat=35.29, lon=73.29
    )
    db.commit()
    ops = login_as("ops_officer")
    settings = client.get("/map/base.json", headers=ops.headers).json()
    assert settings["provinces_url"].endswith("iso3=PAK")
    assert settings["tile_url"] == ""
    lat, lon = settings["center"]
    assert 23 < lat < 37 and 60 < lon < 78


def _mbtiles(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute(
            "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
        )
        db.execute("INSERT INTO metadata VALUES ('format', 'png')")
        # z=2, x=1, y=0 in XYZ is TMS row 3
        db.execute("INSERT INTO tiles VALUES (2, 1, 3, ?)", (b"\x89PNG tile 2/1/0",))


@pytest.fixture
def tiles_configured(monkeypatch: pytest.MonkeyPatch):
    from jsms.config import get_settings
    from jsms.web.pages import maps

    def configure(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        maps._tile_set.cache_clear()

    yield configure
    monkeypatch.delenv("JSMS_TILES_FILE", raising=False)
    monkeypatch.delenv("JSMS_TILE_URL", raising=False)
    get_settings.cache_clear()
    maps._tile_set.cache_clear()


def test_local_mbtiles_are_served_in_xyz_order(tmp_path: Path, tiles_configured, client) -> None:
    assert client.get("/tiles/2/1/0.png").status_code == 404  # no tile file configured
    _mbtiles(tmp_path / "karachi.mbtiles")
    tiles_configured(JSMS_TILES_FILE=str(tmp_path / "karachi.mbtiles"))
    response = client.get("/tiles/2/1/0.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == b"\x89PNG tile 2/1/0"
    assert client.get("/tiles/2/1/1.png").status_code == 404
    assert client.get("/tiles/2/9/0.png").status_code == 404  # outside the zoom level


def test_local_pmtiles_are_served(tmp_path: Path, tiles_configured, client) -> None:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    path = tmp_path / "karachi.pmtiles"
    with path.open("wb") as out:
        writer = Writer(out)
        writer.write_tile(zxy_to_tileid(3, 5, 3), b"\x89PNG tile 3/5/3")
        writer.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_zoom": 3,
                "max_zoom": 3,
                "min_lon_e7": 660000000,
                "min_lat_e7": 240000000,
                "max_lon_e7": 680000000,
                "max_lat_e7": 260000000,
                "center_zoom": 3,
                "center_lon_e7": 670000000,
                "center_lat_e7": 250000000,
            },
            {"attribution": "test"},
        )
    tiles_configured(JSMS_TILES_FILE=str(path))
    response = client.get("/tiles/3/5/3")
    assert response.status_code == 200 and response.content == b"\x89PNG tile 3/5/3"
    assert response.headers["content-type"] == "image/png"


def test_a_configured_tile_server_is_allowed_by_the_page_policy(
    tiles_configured, browse, client: TestClient
) -> None:
    tiles_configured(JSMS_TILE_URL="https://tiles.ops.example/{z}/{x}/{y}.png")
    browse("ops_officer")
    page = client.get("/map")
    assert (
        "img-src 'self' data: blob: https://tiles.ops.example;"
        in page.headers["content-security-policy"]
    )
    assert client.get("/map/base.json").json()["tile_url"].startswith("https://tiles.ops.example")


def test_outlines_file_is_the_packaged_one() -> None:
    from importlib import resources

    raw = resources.files("jsms.geo.basemap").joinpath("countries.geojson.gz").read_bytes()
    assert json.loads(gzip.decompress(raw))["type"] == "FeatureCollection"
