"""The control room: server-rendered pages over the same services and policy as the API."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as leaflet
from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from jsms.web.pages import (
    alerts,
    approvals,
    audit,
    authorisations,
    exchange,
    exchange_agreements,
    home,
    leaks,
    live,
    live_events,
    live_phone,
    maps,
    movement_escorts,
    movement_order,
    movement_wizard,
    movements,
    overrides,
    phone,
    registry,
    reports,
    review,
    rollcalls,
    sites,
    threat,
    units,
)

HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)
for area in (
    home,
    maps,
    movement_wizard,  # /movements/new before /movements/{movement_id}
    movements,
    movement_escorts,
    movement_order,
    approvals,
    threat,
    review,
    overrides,
    registry,
    sites,
    units,
    authorisations,
    audit,
    leaks,
    phone,
    reports,
    live,
    live_events,
    alerts,
    rollcalls,
    live_phone,
    exchange,
    exchange_agreements,
):
    router.include_router(area.router)


def static_files() -> StaticFiles:
    return StaticFiles(directory=HERE / "static")


def leaflet_files() -> StaticFiles:
    """Leaflet from its installed package (XStatic-Leaflet): the map needs no CDN."""
    return StaticFiles(directory=leaflet.BASE_DIR)
