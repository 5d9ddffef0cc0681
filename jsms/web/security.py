"""Browser-facing protections applied to every response and every cookie-authenticated write:
security headers (CSP, no framing, no sniffing) and a same-origin check against cross-site
request forgery. Bearer-token clients send no cookie and are not affected."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jsms.config import get_settings
from jsms.deps import SESSION_COOKIE
from jsms.errors import problem

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; img-src 'self' data: blob:{tiles}; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'{docs}; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
DOCS_PATHS = ("/api/docs", "/api/redoc")


def content_policy(path: str, tile_url: str) -> str:
    """The page's CSP: only this site, plus the operator's own tile server for map images.
    Swagger UI and ReDoc start from an inline script that FastAPI writes into the page."""
    tiles = f" {_origin_of(tile_url)}" if tile_url else ""
    docs = " 'unsafe-inline'" if path.startswith(DOCS_PATHS) else ""
    return CSP.format(tiles=tiles, docs=docs)


HEADERS = {
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
}


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def cross_site(headers: Headers, scheme: str) -> str | None:
    """Why a cookie-carrying write is refused, or None when it comes from this site.

    Browsers name the page a write comes from in Origin (every cross-site POST carries it)
    or Referer; a write naming another site, or an opaque ("null") origin, is refused. A
    request naming none comes from no browser page, so it cannot ride a victim's cookie.
    """
    own = f"{scheme}://{headers.get('host', '')}".lower()
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return None
    if source == "null" or _origin_of(source) != own:
        return f"cross-site request from {_origin_of(source) or source!r} refused"
    return None


class BrowserProtection:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if (
            scope["method"] in UNSAFE_METHODS
            and SESSION_COOKIE in cookie_parser(headers.get("cookie", ""))
            and not headers.get("authorization")
        ):
            reason = cross_site(headers, scope.get("scheme", "http"))
            if reason:
                response = problem(403, "cross-site", "Cross-site request", reason, scope["path"])
                await response(scope, receive, wrapped(send, scope["path"]))
                return
        await self.app(scope, receive, wrapped(send, scope["path"]))


def wrapped(send: Send, path: str) -> Send:
    policy = content_policy(path, get_settings().tile_url).encode()

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            extra = [*HEADERS.items(), (b"content-security-policy", policy)]
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return send_with_headers
