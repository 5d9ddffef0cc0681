"""The API documentation must work in an operations centre with no internet."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""")


def _assets(html: str) -> list[str]:
    return [a or b for a, b in ASSET.findall(html)]


def test_swagger_ui_loads_every_asset_from_this_server(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assets = _assets(page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 100, asset


def test_redoc_loads_every_asset_from_this_server(client: TestClient) -> None:
    page = client.get("/api/redoc")
    assert page.status_code == 200
    assert "fonts.googleapis" not in page.text
    assets = _assets(page.text)
    assert any(a.endswith("redoc.standalone.js") for a in assets)
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
        assert client.get(asset).status_code == 200, asset


def test_favicon_is_served(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/")
    assert 'rel="icon"' in client.get("/login").text


def test_openapi_describes_every_tag_it_uses(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    described = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    used = {
        tag
        for operations in document["paths"].values()
        for operation in operations.values()
        for tag in operation.get("tags", [])
    }
    assert used, "operations carry tags"
    missing = sorted(tag for tag in used if not described.get(tag))
    assert not missing, f"tags without a description: {missing}"
    for word in ("movements", "incidents", "risk", "audit", "persons"):
        assert word in document["info"]["description"]
