"""Audit heads over HTTP: a partner instance sends its signed head (authenticated by its own
partner credential, never a person's login); auditors read what we hold of a partner, as the
file the partner checks its chain against."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response

from jsms.audit.signing import HeadFormatError, SignedHead
from jsms.deps import Db, require
from jsms.errors import problem
from jsms.exchange import heads
from jsms.exchange.heads import HeadRefused
from jsms.exchange.service import authenticate_partner, get_partner
from jsms.identity.policy import PARTNER, Actor

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
PARTNER_DOC = {"x-permission": PARTNER, "security": [{"partnerBasic": []}]}


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, secret) if username and secret else None


def _refused(request: Request, status: int, detail: str) -> Response:
    answer = problem(status, "head-refused", "Audit head refused", detail, request.url.path)
    if status == 401:
        answer.headers["WWW-Authenticate"] = 'Basic realm="JSMS partners"'
    return answer


@router.post("/heads", status_code=201, openapi_extra=PARTNER_DOC)
def receive_head(
    request: Request,
    db: Db,
    body: Annotated[dict[str, Any] | None, Body(description="a signed head")] = None,
) -> Response:
    """A partner's signed audit chain head, kept as evidence of how far its trail had got.
    Refused (and audited): a wrong credential (401), a head not signed by the partner's
    registered key or malformed (422), one that goes back, repeats or contradicts a head we
    hold (409; a contradiction also raises a critical alert)."""
    credentials = _basic(request)
    partner = authenticate_partner(db, *credentials) if credentials else None
    if partner is None:
        who = credentials[0][:60] if credentials else "anonymous"
        db.info["actor"] = f"partner:{who}"
        refused = HeadRefused("no or wrong partner credential")
        heads.refuse(db, None, refused, who=who)
        return _refused(request, 401, "send the partner credential this instance issued you")
    db.info["actor"] = f"partner:{partner.inbound_username}"
    try:
        head = SignedHead.from_dict(body)
        kept = heads.receive(db, partner, head)
    except HeadFormatError as exc:
        heads.refuse(db, partner, HeadRefused(f"malformed head: {exc}"))
        return _refused(request, 422, f"malformed head: {exc}")
    except HeadRefused as refused:
        heads.refuse(db, partner, refused, sent=body)
        return _refused(request, refused.status, refused.reason)
    return JSONResponse(
        {"kept": True, "database_id": kept.database_id, "seq": kept.seq}, status_code=201
    )


@router.get("/partners/{partner_id}/heads")
def export_heads(
    partner_id: str, db: Db, actor: Annotated[Actor, require("audit.read")]
) -> dict[str, Any]:
    """Every head the partner sent us, as the file it checks its own chain against
    (`jsms audit verify --against`); audited."""
    return heads.export_heads(db, get_partner(db, partner_id), by=actor)
