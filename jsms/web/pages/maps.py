"""The situation map: sites, incidents, threat levels and live routes, with an offline base.

The page is a frame; its layers come from `/map/layers/*.geojson`, each filtered to the caller
in the query. Outlines (`/basemap/`) and tiles (`/tiles/`) are public geography and cacheable.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError, field_validator
from shapely.geometry import shape
from sqlalchemy import select

from jsms.config import get_settings
from jsms.deps import Db, require
from jsms.errors import Invalid, NotFound
from jsms.geo import basemap
from jsms.identity.policy import Actor, can
from jsms.registry.models import Site
from jsms.threat.osint.types import ATTACK_TYPES
from jsms.web import map_layers
from jsms.web.tiles import TileSet, open_tiles
from jsms.web.ui import field_errors, render

router = APIRouter(include_in_schema=False)
GEOJSON = "application/geo+json"
DAY = 86400


def _geojson(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse(data, media_type=GEOJSON, headers={"Cache-Control": "no-store"})


class IncidentFilter(BaseModel):
    """The map's incident filter as typed in the form: dates and a type, all optional."""

    since: date | None = None
    until: date | None = None
    type: str | None = None

    @field_validator("since", "until", "type", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in ATTACK_TYPES:
            raise ValueError(f"choose one of: {', '.join(ATTACK_TYPES)}")
        return value

    def window(self, db: Db, actor: Actor) -> map_layers.IncidentWindow:
        if self.since and self.until and self.since > self.until:
            raise Invalid("the start date is after the end date")
        if self.since is None and self.until is None:
            return map_layers.default_window(db, actor, self.type)
        until = datetime.combine(self.until, time.max, UTC) if self.until else datetime.now(UTC)
        since = (
            datetime.combine(self.since, time.min, UTC)
            if self.since
            else until - timedelta(days=365)
        )
        return map_layers.IncidentWindow(since, until, self.type)


def _filter_from(request: Request) -> tuple[IncidentFilter, dict[str, str]]:
    raw = {k: request.query_params.get(k, "") for k in ("since", "until", "type")}
    try:
        return IncidentFilter.model_validate(raw), {}
    except ValidationError as exc:
        return IncidentFilter(), field_errors(exc)


@router.get("/map")
def map_page(request: Request, db: Db, actor: Annotated[Actor, require("geo.read")]) -> Response:
    chosen, errors = _filter_from(request)
    try:
        window = chosen.window(db, actor)
    except Invalid as exc:
        errors["since"] = exc.detail
        chosen, window = IncidentFilter(), map_layers.default_window(db, actor)
    query = f"since={window.since:%Y-%m-%d}&until={window.until:%Y-%m-%d}"
    if window.attack_type:
        query += f"&type={window.attack_type}"
    overlays: list[dict[str, Any]] = []
    if can(actor, "risk.read"):
        overlays += [
            {
                "name": "Province threat levels",
                "url": "/map/layers/areas.geojson?kind=province",
                "color": "#8d6e63",
                "fit": False,
                "legend": False,
                "levels": True,
            },
            {
                "name": "District threat levels",
                "url": "/map/layers/areas.geojson?kind=district",
                "color": "#8d6e63",
                "fit": False,
                "on": False,
                "legend": False,
                "levels": True,
            },
            {
                "name": "Threat hexagons",
                "url": "/map/layers/cells.geojson?resolution=5",
                "color": "#e64a19",
                "fit": False,
                "on": False,
                "legend": False,
                "levels": True,
            },
        ]
    if can(actor, "incident.read"):
        overlays.append(
            {
                "name": "Incidents",
                "url": f"/map/layers/incidents.geojson?{query}",
                "color": "#e65100",
                "count_id": "count-incidents",
            }
        )
    overlays.append({"name": "Sites", "url": "/map/layers/sites.geojson", "color": "#00695c"})
    if can(actor, "movement.read"):
        overlays.append(
            {
                "name": "Live routes",
                "url": "/map/layers/routes.geojson",
                "color": "#0b5394",
                "count_id": "count-routes",
            }
        )
    return render(
        request,
        db,
        "map.html",
        {
            "map_config": {"overlays": overlays, "fit": False},
            # live convoys and open alerts from /live/events (static/live.js)
            "live_config": {"page": "map", "map": "situation"}
            if can(actor, "movement.read")
            else None,
            "window": window,
            "chosen": chosen,
            "errors": errors,
            "attack_types": [("", "All types")] + [(t, t.replace("_", " ")) for t in ATTACK_TYPES],
        },
        status_code=422 if errors else 200,
    )


@router.get("/map/layers/sites.geojson")
def sites_layer(db: Db, actor: Annotated[Actor, require("site.read")]) -> JSONResponse:
    return _geojson(map_layers.sites(db, actor))


@router.get("/map/layers/incidents.geojson")
def incidents_layer(
    request: Request, db: Db, actor: Annotated[Actor, require("incident.read")]
) -> JSONResponse:
    chosen, errors = _filter_from(request)
    if errors:
        raise Invalid("; ".join(f"{k}: {v}" for k, v in errors.items()))
    return _geojson(map_layers.incidents(db, actor, chosen.window(db, actor)))


@router.get("/map/layers/cells.geojson")
def cells_layer(
    db: Db,
    _: Annotated[Actor, require("risk.read")],
    resolution: Annotated[int, Query(ge=5, le=7)] = 5,
) -> JSONResponse:
    if resolution == 6:
        raise Invalid("resolution must be 5 (regions) or 7 (cells)")
    return _geojson(map_layers.cells(db, resolution))


@router.get("/map/layers/areas.geojson")
def areas_layer(
    db: Db,
    _: Annotated[Actor, require("risk.read")],
    kind: Annotated[str, Query(pattern="^(province|district)$")] = "province",
) -> JSONResponse:
    return _geojson(map_layers.areas(db, kind))


@router.get("/map/layers/routes.geojson")
def routes_layer(db: Db, actor: Annotated[Actor, require("movement.read")]) -> JSONResponse:
    return _geojson(map_layers.routes(db, actor))


def _countries(db: Db) -> tuple[str, ...]:
    configured = get_settings().map_countries
    if configured:
        return tuple(c.strip().upper() for c in configured.split(",") if c.strip())
    places = db.execute(select(Site.lat, Site.lon)).all()
    return tuple(basemap.countries_containing([(lat, lon) for lat, lon in places]))


def _view(codes: tuple[str, ...]) -> tuple[list[float], float]:
    """Centre and zoom that frame the countries the instance works in."""
    shapes = [
        shape(f["geometry"])
        for f in basemap.countries()["features"]
        if f["properties"]["iso3"] in codes
    ]
    if not shapes:
        return [20.0, 0.0], 2
    west = min(s.bounds[0] for s in shapes)
    south = min(s.bounds[1] for s in shapes)
    east = max(s.bounds[2] for s in shapes)
    north = max(s.bounds[3] for s in shapes)
    span = max(east - west, north - south)
    zoom = 5 if span < 25 else 4 if span < 50 else 3
    return [round((south + north) / 2, 3), round((west + east) / 2, 3)], zoom


@router.get("/map/base.json")
def base_settings(db: Db, _: Annotated[Actor, require("session.self")]) -> JSONResponse:
    """What every map draws first: outlines, the operator's tiles if any, the home view."""
    settings = get_settings()
    codes = _countries(db)
    center, zoom = _view(codes)
    tile_url = settings.tile_url or ("/tiles/{z}/{x}/{y}" if settings.tiles_file else "")
    return JSONResponse(
        {
            "countries_url": "/basemap/countries.geojson",
            "provinces_url": f"/basemap/provinces.geojson?iso3={','.join(codes)}" if codes else "",
            "tile_url": tile_url,
            "tile_attribution": settings.tile_attribution,
            "center": center,
            "zoom": zoom,
            "attribution": "Outlines: Natural Earth (public domain)",
        },
        headers={"Cache-Control": "no-store"},
    )


def _gzipped_geojson(request: Request, body: bytes) -> Response:
    if "gzip" not in request.headers.get("accept-encoding", ""):
        return Response(gzip.decompress(body), media_type=GEOJSON)
    return Response(
        body,
        media_type=GEOJSON,
        headers={
            "Content-Encoding": "gzip",
            "Cache-Control": f"public, max-age={DAY}",
            "Vary": "Accept-Encoding",
        },
    )


@router.get("/basemap/countries.geojson")
def countries_outline(request: Request) -> Response:
    return _gzipped_geojson(request, basemap.gzipped("countries"))


@router.get("/basemap/provinces.geojson")
def provinces_outline(request: Request, iso3: str = "") -> Response:
    codes = tuple(sorted({c.strip().upper() for c in iso3.split(",") if c.strip()}))
    if any(len(c) != 3 or not c.isalpha() for c in codes):
        raise Invalid("iso3 is a comma-separated list of three-letter country codes")
    return _gzipped_geojson(request, basemap.gzipped("provinces", codes or None))


@cache
def _tile_set() -> TileSet:
    path = get_settings().tiles_file
    if path is None:
        raise NotFound("this installation serves no tiles (JSMS_TILES_FILE is not set)")
    return open_tiles(path)


@router.get("/tiles/{z}/{x}/{y}")
def tile(z: int, x: int, y: str) -> Response:
    """A tile from the local MBTiles/PMTiles file; y may carry an extension (7.png)."""
    row = y.split(".", 1)[0]
    if not row.isdigit() or not 0 <= z <= 24 or not (0 <= x < 1 << z and int(row) < 1 << z):
        raise NotFound(f"no tile {z}/{x}/{y}")
    found = _tile_set().tile(z, x, int(row))
    if found is None:
        raise NotFound(f"no tile {z}/{x}/{y}")
    headers = {"Cache-Control": f"public, max-age={DAY}"}
    if found.gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(found.body, media_type=found.media_type, headers=headers)
