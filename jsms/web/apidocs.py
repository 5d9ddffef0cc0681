"""Swagger UI, ReDoc and the favicon served from installed packages, so the API
documentation works in an operations centre with no internet."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
FAVICON = Path(__file__).parent / "static" / "favicon.svg"
OPENAPI_URL = "/api/openapi.json"

router = APIRouter(include_in_schema=False)


def api_docs_files() -> StaticFiles:
    return StaticFiles(directory=ASSETS)


@router.get("/api/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="JSMS API",
        swagger_js_url="/static/apidocs/swagger-ui-bundle.js",
        swagger_css_url="/static/apidocs/swagger-ui.css",
        swagger_favicon_url="/favicon.ico",
    )


@router.get("/api/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url=OPENAPI_URL,
        title="JSMS API",
        redoc_js_url="/static/apidocs/redoc.standalone.js",
        redoc_favicon_url="/favicon.ico",
        with_google_fonts=False,
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(FAVICON, media_type="image/svg+xml")
