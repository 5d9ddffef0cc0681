"""Log in, log out, and the home page: each role opens on its own work."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit.models import AuditEvent
from jsms.config import get_settings
from jsms.deps import SESSION_COOKIE, Db, current_actor, require
from jsms.errors import DomainError
from jsms.identity import service as identity
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Role
from jsms.movements import approvals
from jsms.movements import service as movements
from jsms.movements.api import pending_item, summary_of
from jsms.movements.models import Movement
from jsms.pagination import count_rows
from jsms.registry import service as registry
from jsms.registry.models import DeploymentAuthorisation, SecurityUnit
from jsms.threat import service as threat
from jsms.web.ui import PRELOGIN_COOKIE, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, None, "login.html", {"error": None, "next": _safe_next(next)})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login_submit(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    totp_code: Annotated[str, Form(max_length=6)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
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
        return render(
            request,
            None,
            "login.html",
            {"error": exc.detail, "next": _safe_next(next), "username": username},
            status_code=exc.status,
        )
    response = redirect(_safe_next(next))
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=int(settings.session_hours * 3600),
    )
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout_submit(request: Request, db: Db) -> Response:
    with suppress(DomainError):  # already logged out: the cookie goes either way
        identity.logout(db, current_actor(request, db))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


def _pending_decisions(db: Session, actor: Actor) -> list[Any]:
    return [pending_item(db, a) for a in db.scalars(approvals.pending_query(actor).limit(20))]


def _todays_movements(db: Session, actor: Actor) -> list[dict[str, Any]]:
    """Movements departing today or under way that this person is involved in."""
    today = datetime.now(UTC).date()
    known = movements.directory(db)
    rows = []
    stmt = movements.candidate_query(actor).order_by(Movement.departure_at).limit(500)
    for movement in db.scalars(stmt):
        if movement.departure_at.date() != today and movement.status != "in_progress":
            continue
        seen = movements.visible_to(db, actor, movement, known)
        if seen.summary:
            rows.append({"summary": summary_of(movement, seen), "movement": movement, "seen": seen})
    return rows


def _my_movements(db: Session, actor: Actor) -> list[Any]:
    known = movements.directory(db)
    stmt = movements.candidate_query(actor).order_by(Movement.departure_at.desc()).limit(50)
    out = []
    for movement in db.scalars(stmt):
        seen = movements.visible_to(db, actor, movement, known)
        if seen.summary:
            out.append(summary_of(movement, seen))
    return out[:12]


ANOMALY_ACTIONS = ("auth.login", "person.pii.read", "leak.trace", "audit.accept_head")


def _anomalies(db: Session) -> dict[str, Any]:
    """What an auditor looks at first: refusals, failed logins and personal-data reads."""
    since = datetime.now(UTC) - timedelta(days=7)
    refused = list(db.scalars(audit.event_query(outcome="refused", since=since).limit(15)))
    failed_logins = db.scalar(
        select(func.count(AuditEvent.seq)).where(
            AuditEvent.at >= since,
            AuditEvent.action.like("auth.login%"),
            AuditEvent.outcome != "ok",
        )
    )
    pii_reads = list(db.scalars(audit.event_query(action="person.pii.read", since=since).limit(10)))
    return {"refused": refused, "failed_logins": failed_logins or 0, "pii_reads": pii_reads}


def _registry_counts(db: Session, actor: Actor) -> dict[str, int]:
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
    return counts


@router.get("/")
def home(request: Request, db: Db, actor: Annotated[Actor, require("session.self")]) -> Response:
    if actor.roles <= {Role.PROTECTEE}:
        return redirect("/phone")
    context: dict[str, Any] = {"counts": _registry_counts(db, actor)}
    if can(actor, "movement.approve"):
        context["pending"] = _pending_decisions(db, actor)
    if can(actor, "incident.review"):
        context["review"] = list(db.scalars(threat.review_queue(actor).limit(10)))
        context["review_total"] = count_rows(db, threat.review_queue(actor))
    if actor.has(Role.OPS_OFFICER) or actor.has(Role.ESCORT_COMMANDER):
        context["today"] = _todays_movements(db, actor)
    if actor.has(Role.REQUESTER):
        context["mine"] = _my_movements(db, actor)
    if can(actor, "audit.read"):
        context["anomalies"] = _anomalies(db)
    return render(request, db, "home.html", context)
