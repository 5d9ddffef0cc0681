"""Domain exceptions and their one translation to RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("jsms")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A refusal the caller can understand and act on."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    """A refusal: by the policy table (`permission=` the action) or by a service rule."""

    status, slug, title = 403, "forbidden", "Not allowed"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class Invalid(DomainError):
    status, slug, title = 422, "invalid", "Invalid input"


class AccountLocked(DomainError):
    status, slug, title = 423, "account-locked", "Account locked"


class Busy(DomainError):
    """Overload (the database's write lock or connection pool is exhausted): the client should
    retry after RETRY_AFTER_S; nothing of the request was kept."""

    status, slug, title = 503, "busy", "Service busy"


RETRY_AFTER_S = 2


def problem(
    status: int, slug: str, title: str, detail: str, instance: str | None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:jsms:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_S)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _audit_refusal(request: Request, exc: Forbidden) -> None:
    """Every 403 leaves an audit event; failing to write it must not hide the refusal."""
    from jsms.audit.service import record_refusal  # the audit chain sits above this module

    by_policy = "permission" in exc.extra
    try:
        record_refusal(
            request.app.state.database_url,
            actor=getattr(request.state, "actor", None),
            method=request.method,
            path=request.url.path,
            permission=exc.extra.get("permission") or getattr(request.state, "permission", None),
            reason=None if by_policy else exc.detail,
        )
    except Exception:
        log.exception("could not audit the refusal of %s %s", request.method, request.url.path)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        errors.append({"field": ".".join(loc), "reason": str(error.get("msg", "invalid"))})
    return errors


def _as_page(request: Request) -> Any:
    """The control room's error page maker when this request is for a page, else None."""
    from jsms.web import ui  # the web layer sits above this module

    return ui.error_page if ui.is_page(request) else None


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves the API as problem+json and a page as HTML; nothing leaks a
    traceback."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            await run_in_threadpool(_audit_refusal, request, exc)
        page = _as_page(request)
        if page is not None:
            return page(request, exc, exc.status, exc.detail)
        return problem(exc.status, exc.slug, exc.title, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]) or "invalid input"
        page = _as_page(request)
        if page is not None:
            return page(request, None, 422, detail)
        return problem(422, "invalid", "Invalid input", detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
            exc.status_code, "http-error"
        )
        page = _as_page(request)
        if page is not None:
            return page(request, None, exc.status_code, str(exc.detail))
        return problem(exc.status_code, slug, str(exc.detail), str(exc.detail), request.url.path)

    @app.exception_handler(OperationalError)
    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _overloaded(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database busy on %s: %s", request.url.path, exc)
        return problem(
            503,
            "busy",
            "Service busy",
            f"the database is busy; nothing was saved; retry in {RETRY_AFTER_S} s",
            request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        page = _as_page(request)
        if page is not None:
            return page(request, None, 500, "The server failed; the error is logged.")
        return problem(
            500,
            "internal",
            "Internal error",
            "The server failed; the error is logged.",
            request.url.path,
        )
