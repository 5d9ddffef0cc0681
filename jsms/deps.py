"""Request-scoped plumbing shared by every router: the database session and the caller.

Access is decided by `require(action)`, which looks the action up in the policy table; the
action is also published in the OpenAPI document as `x-permission` for every operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from jsms.db import new_session
from jsms.errors import Forbidden, Unauthorized
from jsms.identity import service as identity
from jsms.identity.policy import Actor, can, refusal_reason

SESSION_COOKIE = "jsms_session"


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    db = new_session(request.app.state.database_url)
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


Db = Annotated[Session, Depends(get_db, scope="function")]


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def current_actor(request: Request, db: Db) -> Actor:
    token = _token_from(request)
    if not token:
        raise Unauthorized("log in first: send a bearer token or the session cookie")
    actor = identity.authenticate(db, token)
    db.info["actor"] = actor
    request.state.actor = actor  # for auditing a refusal after the transaction is gone
    return actor


class Authorize:
    """Dependency that admits the caller only when the policy table allows `action`."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __call__(
        self, request: Request, db: Db, actor: Annotated[Actor, Depends(current_actor)]
    ) -> Actor:
        request.state.permission = self.action
        if not can(actor, self.action):
            # The refusal is audited where every 403 is turned into problem+json.
            raise Forbidden(
                refusal_reason(actor.roles, actor.side, self.action), permission=self.action
            )
        return actor


def require(action: str) -> Any:
    return Depends(Authorize(action))


class PageParams:
    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
        per_page: Annotated[int, Query(ge=1, le=200, description="items per page")] = 50,
    ) -> None:
        self.page = page
        self.per_page = per_page


Paging = Annotated[PageParams, Depends()]
