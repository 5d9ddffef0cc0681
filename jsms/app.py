"""The FastAPI application: routers, error handling, limits and the OpenAPI document."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from jsms import __version__
from jsms.alerts.api import router as alerts_router
from jsms.audit.api import router as audit_router
from jsms.config import get_settings
from jsms.deps import Authorize
from jsms.errors import PROBLEM_JSON, install_problem_handlers, problem
from jsms.exchange.api import router as exchange_router
from jsms.exchange.cap_api import router as cap_router
from jsms.exchange.heads_api import router as heads_router
from jsms.exchange.taxii import router as taxii_router
from jsms.geo.api import router as geo_router
from jsms.identity.api import router as identity_router
from jsms.movements.api import router as movements_router
from jsms.registry.api import router as registry_router
from jsms.threat.api import router as threat_router
from jsms.tracking.api import router as tracking_router
from jsms.tracking.checkins_api import router as checkins_router
from jsms.web import map_layers, ui
from jsms.web.api import leaflet_files, static_files
from jsms.web.api import router as web_router
from jsms.web.apidocs import api_docs_files
from jsms.web.apidocs import router as api_docs_router
from jsms.web.security import BrowserProtection

DESCRIPTION = """Joint Security Management System: identity and access, the registry (protected
persons, sites, security units, deployment authorisations), geography and routing, the threat
picture (incidents, OSINT review queue, risk surface and threat levels), movements (plans, route
options, SOP checks, joint approval, escorts, watermarked orders, leak tracing) and the audit
trail. Every operation states the permission it needs in `x-permission`; errors are RFC 9457
problem+json; every time is ISO 8601 with its UTC offset."""

# One line per tag, so the document explains every group of operations it lists.
TAGS: list[dict[str, str]] = [
    {
        "name": "auth",
        "description": "Log in (password, and a second-factor code for admins and "
        "approvers), log out, sessions and tokens.",
    },
    {"name": "users", "description": "Accounts, roles, lock-out and second-factor enrolment."},
    {"name": "agencies", "description": "Host forces, guest details and client companies."},
    {
        "name": "persons",
        "description": "Protected persons; PII is encrypted at rest and read "
        "only with a stated, audited reason.",
    },
    {"name": "registry", "description": "Project sites and their perimeters."},
    {
        "name": "units",
        "description": "Security units (escort, close protection, QRF, static "
        "guard) and their vehicles.",
    },
    {
        "name": "authorisations",
        "description": "Deployment authorisations: where the host lets "
        "guest personnel act, and the may-act check.",
    },
    {"name": "geo", "description": "Gazetteer, administrative areas and boundary import."},
    {
        "name": "threat",
        "description": "Incidents with their sources, the OSINT review queue, "
        "the risk surface, threat levels per cell, district and province, and analyst overrides.",
    },
    {
        "name": "movements",
        "description": "Movement plans: route options, SOP evaluation, "
        "approvals, escorts per leg, orders, who knew, leak tracing.",
    },
    {
        "name": "alerts",
        "description": "Alerts with their timeline (acknowledge, resolve, escalate), "
        "CAP 1.2 messages, the control rooms' contact points, roll calls and inbound SMS.",
    },
    {
        "name": "check-ins",
        "description": "Check-ins with a personal code by escort commanders and protectees "
        "(a duress code answers the same and raises a silent alert).",
    },
    {
        "name": "devices",
        "description": "Tracking devices (Traccar Client, OwnTracks, gateways): who carries "
        "each, its key (shown once), key rotation and deactivation.",
    },
    {
        "name": "tracking",
        "description": "Positions from devices (OsmAnd / Traccar JSON, OwnTracks, batch; each "
        "device by its own key), a movement's trail, and the counters of refused messages.",
    },
    {"name": "audit", "description": "The hash-chained audit trail and its verification."},
    {
        "name": "exchange",
        "description": "Partner instances and their sharing agreements (what each may "
        "receive), STIX 2.1 exports and imports, pulls from a partner's TAXII server.",
    },
    {
        "name": "taxii",
        "description": "The TAXII 2.1 server partners pull from (HTTP Basic with the partner's "
        "own credential): discovery, API root per trust group, collection, objects, manifest.",
    },
    {"name": "ops", "description": "Health check for load balancers and monitoring."},
]


class BodyLimit:
    """Refuse request bodies over the limit before anything reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the limit is {self.max_bytes} bytes"
        request = Request(scope)
        response = (
            ui.error_page(request, None, 413, f"What you sent is too large: {detail}.")
            if ui.is_page(request)
            else problem(413, "too-large", "Request body too large", detail, scope.get("path"))
        )
        await response(scope, receive, send)


class NoNulInUrl:
    """Refuse a URL that carries a NUL character (%00): no parameter accepts one, and
    PostgreSQL fails on text containing it (request bodies are checked by StrictModel)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            query = scope.get("query_string", b"")
            if "\x00" in path or b"%00" in query or b"\x00" in query:
                response = problem(
                    422,
                    "invalid",
                    "Invalid input",
                    "the URL contains a NUL character (%00), which no parameter accepts",
                    path.replace("\x00", "%00"),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyTooLarge(StarletteHTTPException):
    """Raised while a body without Content-Length streams past the limit.

    An HTTP exception, because FastAPI turns any other error met while reading the body into
    a 400; this one reaches the problem handlers as a 413.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Request body too large: the limit is {max_bytes} bytes")


def _api_routes(routes: list[BaseRoute]) -> list[Any]:
    """Every path operation, including those of included routers.

    FastAPI 0.137+ keeps included routers as nodes of `app.routes` instead of copying their
    routes in; `iter_route_contexts` flattens that tree (older releases are flat already).
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI < 0.137: app.routes is a flat list
        return [route for route in routes if isinstance(route, APIRoute)]
    return [
        context
        for context in iter_route_contexts(routes)
        if isinstance(context.original_route, APIRoute)
    ]


def _permission_of(route: APIRoute) -> str | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Authorize):
            return dep.call.action
        stack.extend(dep.dependencies)
    return None


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}},
        },
    }


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title="JSMS API",
        version=__version__,
        description=DESCRIPTION,
        routes=app.routes,
        tags=TAGS,
    )
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "jsms_session"},
        # device doors (x-permission: device): the device's identifier and key, or the key alone
        "deviceBasic": {"type": "http", "scheme": "basic"},
        "deviceKey": {"type": "apiKey", "in": "query", "name": "key"},
        # TAXII (x-permission: partner): the partner instance's own username and secret
        "partnerBasic": {"type": "http", "scheme": "basic"},
    }
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for route in _api_routes(app.routes):
        if not route.include_in_schema:
            continue
        permission = _permission_of(route)
        for method in route.methods:
            operation = schema["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            # Errors leave as problem+json (jsms.errors), not FastAPI's default 422 shape.
            responses["422"] = _problem_response("invalid input")
            responses["4XX"] = _problem_response("refused; the detail says why")
            if permission:
                operation["x-permission"] = permission
                operation["security"] = [{"bearer": []}, {"cookie": []}]
                responses["401"] = _problem_response("not logged in")
                responses["403"] = _problem_response(f"needs permission {permission}")
    app.openapi_schema = schema
    return schema


def create_app(database_url: str | None = None) -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="JSMS",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.database_url = database_url or settings.database_url
    install_problem_handlers(app)
    for router in (
        identity_router,
        registry_router,
        geo_router,
        threat_router,
        movements_router,
        tracking_router,
        alerts_router,
        cap_router,
        checkins_router,
        audit_router,
        exchange_router,
        heads_router,
        taxii_router,
        web_router,
    ):
        app.include_router(router)
    app.mount("/static/apidocs", api_docs_files(), name="apidocs")
    app.mount("/static/leaflet", leaflet_files(), name="leaflet")
    app.mount("/static", static_files(), name="static")
    app.include_router(api_docs_router)

    @app.get("/healthz", tags=["ops"], openapi_extra={"x-permission": "public"})
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.on_event("startup")
    def warm_base_map() -> None:
        # outlines, boundaries and the risk surface take a second or two to read the first
        # time: not on the first person's map
        threading.Thread(
            target=map_layers.warm, args=(app.state.database_url,), daemon=True
        ).start()

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(NoNulInUrl)
    app.add_middleware(BrowserProtection)
    return app
