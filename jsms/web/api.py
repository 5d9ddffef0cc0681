"""Login and landing pages (the full control room is a later issue)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from jsms.config import get_settings
from jsms.deps import SESSION_COOKIE, Db
from jsms.errors import DomainError
from jsms.identity import service as identity
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.pagination import count_rows
from jsms.registry import service as registry
from jsms.registry.models import DeploymentAuthorisation, SecurityUnit

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    return StaticFiles(directory=HERE / "static")


def _actor_from_cookie(request: Request, db: Db) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return identity.authenticate(db, token)
    except DomainError:
        return None


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    totp_code: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    try:
        result = identity.login(
            db,
            username=username,
            password=password,
            totp_code=totp_code or None,
            kind="cookie",
            client=request.headers.get("user-agent", ""),
        )
    except DomainError as exc:
        db.commit()  # keep the failure count and its audit event
        return templates.TemplateResponse(
            request, "login.html", {"error": exc.detail}, status_code=exc.status
        )
    response = RedirectResponse("/", status_code=303)
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=int(settings.session_hours * 3600),
    )
    return response


@router.post("/logout")
def logout_submit(request: Request, db: Db) -> Response:
    actor = _actor_from_cookie(request, db)
    if actor is not None:
        identity.logout(db, actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: Db) -> Response:
    actor = _actor_from_cookie(request, db)
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    agency = db.get(Agency, actor.agency_id)
    counts: dict[str, int] = {}
    if can(actor, "person.read"):
        counts["Protected persons you may see"] = count_rows(db, registry.person_query(actor))
    if can(actor, "site.read"):
        counts["Sites"] = count_rows(db, registry.site_query(actor))
    if can(actor, "unit.read"):
        counts["Security units"] = db.scalar(select(func.count(SecurityUnit.id))) or 0
    if can(actor, "authorisation.read"):
        counts["Live deployment authorisations"] = (
            db.scalar(
                select(func.count(DeploymentAuthorisation.id)).where(
                    DeploymentAuthorisation.revoked_at.is_(None)
                )
            )
            or 0
        )
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "actor": actor,
            "agency": agency,
            "counts": counts,
        },
    )
