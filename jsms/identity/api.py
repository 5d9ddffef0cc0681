"""Login, sessions, agencies and users over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from jsms.deps import Db, Paging, require
from jsms.errors import DomainError
from jsms.identity import credentials, service
from jsms.identity.models import Agency, User
from jsms.identity.policy import PERMISSIONS, Actor, can
from jsms.identity.roles import Role, Side
from jsms.identity.schemas import (
    AgencyIn,
    AgencyOut,
    MeOut,
    NewUserOut,
    SessionOut,
    TokenOut,
    TokenRequest,
    UserIn,
    UserOut,
    UserPatch,
)
from jsms.pagination import Page, paginate

router = APIRouter(prefix="/api/v1")
PUBLIC = {"x-permission": "public"}


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_id=user.agency_id,
        roles=[Role(r) for r in user.roles],
        clearance=user.clearance,
        active=user.active,
        locked_until=user.locked_until,
        second_factor=bool(user.totp_secret_enc),
    )


@router.post("/auth/token", response_model=TokenOut, tags=["auth"], openapi_extra=PUBLIC)
def issue_token(body: TokenRequest, request: Request, db: Db) -> TokenOut:
    """Log in for an API bearer token (admins and approvers also give a TOTP code)."""
    try:
        result = service.login(
            db,
            username=body.username,
            password=body.password,
            totp_code=body.totp_code,
            kind="bearer",
            client=request.headers.get("user-agent", ""),
        )
    except DomainError:
        db.commit()  # keep the failure count and its audit event
        raise
    return TokenOut(access_token=result.token, expires_at=result.session.expires_at)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(db: Db, actor: Annotated[Actor, require("session.self")]) -> Response:
    """End the session or revoke the token used for this request."""
    service.logout(db, actor)
    response = Response(status_code=204)
    response.delete_cookie("jsms_session")
    return response


@router.get("/auth/me", response_model=MeOut, tags=["auth"])
def me(actor: Annotated[Actor, require("session.self")]) -> MeOut:
    return MeOut(
        user_id=actor.user_id,
        username=actor.username,
        agency_id=actor.agency_id,
        side=actor.side,
        roles=sorted(actor.roles),
        permissions=sorted(a for a in PERMISSIONS if can(actor, a)),
    )


@router.get("/auth/sessions", response_model=list[SessionOut], tags=["auth"])
def my_sessions(db: Db, actor: Annotated[Actor, require("session.self")]) -> list[SessionOut]:
    return [SessionOut.model_validate(s) for s in service.list_sessions(db, actor.user_id)]


@router.delete("/auth/sessions/{session_id}", status_code=204, tags=["auth"])
def revoke_my_session(
    session_id: str, db: Db, actor: Annotated[Actor, require("session.self")]
) -> Response:
    """Revoke one of your own sessions or tokens (a lost laptop)."""
    service.revoke_session(db, user_id=actor.user_id, session_id=session_id)
    return Response(status_code=204)


@router.get("/agencies", response_model=Page[AgencyOut], tags=["agencies"])
def list_agencies(
    db: Db,
    paging: Paging,
    _: Annotated[Actor, require("agency.read")],
    side: Side | None = None,
) -> Page[AgencyOut]:
    stmt = select(Agency).order_by(Agency.name)
    if side:
        stmt = stmt.where(Agency.side == side.value)
    rows, total = paginate(db, stmt, paging.page, paging.per_page)
    return Page(
        items=[AgencyOut.model_validate(a) for a in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("/agencies", response_model=AgencyOut, status_code=201, tags=["agencies"])
def create_agency(
    body: AgencyIn, db: Db, _: Annotated[Actor, require("agency.write")]
) -> AgencyOut:
    agency = service.create_agency(db, **body.model_dump())
    return AgencyOut.model_validate(agency)


@router.get("/agencies/{agency_id}", response_model=AgencyOut, tags=["agencies"])
def get_agency(agency_id: str, db: Db, _: Annotated[Actor, require("agency.read")]) -> AgencyOut:
    return AgencyOut.model_validate(service.get_agency(db, agency_id))


@router.get("/users", response_model=Page[UserOut], tags=["users"])
def list_users(
    db: Db,
    paging: Paging,
    _: Annotated[Actor, require("user.read")],
    agency_id: str | None = None,
) -> Page[UserOut]:
    stmt = select(User).order_by(User.username)
    if agency_id:
        stmt = stmt.where(User.agency_id == agency_id)
    rows, total = paginate(db, stmt, paging.page, paging.per_page)
    return Page(
        items=[user_out(u) for u in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post("/users", response_model=NewUserOut, status_code=201, tags=["users"])
def create_user(body: UserIn, db: Db, _: Annotated[Actor, require("user.write")]) -> NewUserOut:
    """Create a user; for admins and approvers the TOTP provisioning URI is returned once."""
    created = service.create_user(db, **body.model_dump())
    return NewUserOut(**user_out(created.user).model_dump(), totp_uri=created.totp_uri)


@router.get("/users/{user_id}", response_model=UserOut, tags=["users"])
def get_user(user_id: str, db: Db, _: Annotated[Actor, require("user.read")]) -> UserOut:
    return user_out(service.get_user(db, user_id))


@router.patch("/users/{user_id}", response_model=NewUserOut, tags=["users"])
def update_user(
    user_id: str, body: UserPatch, db: Db, _: Annotated[Actor, require("user.write")]
) -> NewUserOut:
    """Disable or re-enable, unlock after failed logins, or reset the second factor."""
    user = service.get_user(db, user_id)
    if body.active is not None:
        service.set_active(db, user, body.active)
    if body.unlock:
        service.unlock_user(db, user)
    uri = credentials.reset_totp(db, user) if body.reset_second_factor else None
    return NewUserOut(**user_out(user).model_dump(), totp_uri=uri)


@router.post("/users/{user_id}/revoke-sessions", tags=["users"])
def revoke_user_sessions(
    user_id: str, db: Db, _: Annotated[Actor, require("user.write")]
) -> dict[str, int]:
    """Log a user out everywhere (suspected compromise)."""
    service.get_user(db, user_id)
    return {"revoked": service.revoke_all_sessions(db, user_id)}
