"""What every control-room page shares: rendering with the caller's navigation, CSRF tokens on
forms, and errors shown as pages a person can read (never problem+json in a browser).

Pages authorise exactly like the API: a handler takes `require(action)` from jsms.deps, so the
same policy table decides, and a refusal is audited the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jsms.deps import SESSION_COOKIE
from jsms.errors import DomainError, Forbidden
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.identity.roles import ROLE_TITLES, Role

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["can"] = can  # a page shows a button only to those who may press it
PRELOGIN_COOKIE = "jsms_prelogin"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    permission: str


# The menu, in the order a control room works; each entry shows only to roles that may use it.
NAV: tuple[NavItem, ...] = (
    NavItem("Home", "/", "session.self"),
    NavItem("Map", "/map", "geo.read"),
    NavItem("Operations", "/live", "alert.read"),
    NavItem("Roll calls", "/roll-calls", "rollcall.read"),
    NavItem("Movements", "/movements", "movement.read"),
    NavItem("New movement", "/movements/new", "movement.write"),
    NavItem("Approvals", "/approvals", "movement.approve"),
    NavItem("Incidents", "/incidents", "incident.read"),
    NavItem("Review queue", "/review", "incident.review"),
    NavItem("Overrides", "/overrides", "risk.read"),
    NavItem("Persons", "/registry/persons", "person.read"),
    NavItem("Sites", "/registry/sites", "site.read"),
    NavItem("Units", "/registry/units", "unit.read"),
    NavItem("Authorisations", "/registry/authorisations", "authorisation.read"),
    NavItem("Audit", "/audit", "audit.read"),
    NavItem("Leak trace", "/audit/leaks", "leak.trace"),
    NavItem("Exchange", "/exchange", "exchange.read"),
    NavItem("SITREP", "/reports/sitrep", "incident.read"),
    NavItem("My movement", "/phone", "movement.order"),
)


def nav_for(actor: Actor) -> list[NavItem]:
    return [item for item in NAV if can(actor, item.permission)]


def current_item(path: str) -> str | None:
    """The menu entry a page belongs to: the longest one its path starts with, so
    /audit/leaks is under "Leak trace", not also under "Audit".

    >>> current_item("/audit/leaks"), current_item("/audit/who-knew"), current_item("/")
    ('/audit/leaks', '/audit', '/')
    """
    matches = [
        item.href
        for item in NAV
        if path == item.href or (item.href != "/" and path.startswith(item.href + "/"))
    ]
    return max(matches, key=len) if matches else None


def _mac(secret: str) -> str:
    return hmac.new(secret.encode(), b"jsms-csrf-v1", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The form token: a MAC of the session cookie, which another site can neither read (it is
    HttpOnly) nor compute, so a forged form cannot carry it."""
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRELOGIN_COOKIE)
    if not secret:
        secret = getattr(request.state, "prelogin", None) or secrets.token_urlsafe(24)
        request.state.prelogin = secret  # set as a cookie by render()
    return _mac(secret)


async def check_csrf(request: Request) -> None:
    """Dependency for every state-changing page form: refuse a form without this session's
    token (a page left open across a re-login, or a form posted from another site)."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or "")
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRELOGIN_COOKIE)
    if not secret or not hmac.compare_digest(sent, _mac(secret)):
        raise Forbidden(
            "This form has expired or did not come from this site; reload the page and "
            "send it again."
        )


def render(
    request: Request,
    db: Session | None,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with the caller's menu, agency and a fresh form token."""
    actor: Actor | None = getattr(request.state, "actor", None)
    agency = db.get(Agency, actor.agency_id) if (db is not None and actor is not None) else None
    page = {
        "actor": actor,
        "agency": agency,
        "nav": nav_for(actor) if actor else [],
        "current": current_item(request.url.path),
        "csrf_token": csrf_token(request),
        "path": request.url.path,
        "now": datetime.now(UTC),
        "role_titles": ", ".join(
            ROLE_TITLES[Role(r)][0] for r in sorted(actor.roles) if actor is not None
        )
        if actor
        else "",
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, page, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages carry need-to-know content
    prelogin = getattr(request.state, "prelogin", None)
    if prelogin and not request.cookies.get(PRELOGIN_COOKIE):
        response.set_cookie(PRELOGIN_COOKIE, prelogin, httponly=True, samesite="strict")
    return response


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's complaints keyed by form field, in words for the person filling it in."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        name = loc[0] if loc else "form"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(name, message)
    return errors


def redirect(url: str) -> RedirectResponse:
    """After a successful form, go to the page that shows the result (POST-redirect-GET)."""
    return RedirectResponse(url, status_code=303)


def is_page(request: Request) -> bool:
    """A request for a page (not the API, not data or a file): errors are shown as HTML."""
    path = request.url.path
    return not path.startswith(
        ("/api/", "/static/", "/healthz", "/tiles/", "/basemap/")
    ) and not path.endswith((".json", ".geojson"))


def error_page(request: Request, exc: DomainError | None, status: int, detail: str) -> Response:
    """An error as a page: a missing login goes to the login page and comes back after."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Too large", 503: "Busy"}
    title = exc.title if exc is not None else titles.get(status, "Something went wrong")
    response = templates.TemplateResponse(
        request,
        "error.html",
        {
            "actor": getattr(request.state, "actor", None),
            "nav": nav_for(request.state.actor) if getattr(request.state, "actor", None) else [],
            "current": current_item(request.url.path),
            "title": title,
            "detail": detail,
            "status": status,
            "csrf_token": csrf_token(request),
            "path": request.url.path,
            "agency": None,
            "role_titles": "",
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
