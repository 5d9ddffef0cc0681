"""CAP 1.2 over HTTP: the Atom feed of the messages the reader may see, and each message's
XML. Need-to-know and auditing live in jsms.exchange.cap_feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from jsms.db import utcnow
from jsms.deps import Db, require
from jsms.exchange import cap_feed
from jsms.identity.policy import Actor

router = APIRouter(prefix="/api/v1/cap", tags=["alerts"])
CAP_MEDIA = "application/cap+xml"
ATOM_MEDIA = "application/atom+xml"


@router.get(
    "/feed.atom",
    name="cap_feed",
    response_class=Response,
    responses={200: {"content": {ATOM_MEDIA: {}}, "description": "Atom 1.0 feed"}},
)
def feed(request: Request, db: Db, actor: Annotated[Actor, require("cap.read")]) -> Response:
    """Current alerts and advisories you may see, newest first, each linking its CAP XML."""
    now = utcnow()
    messages = cap_feed.current_messages(db, actor, now)

    def message_url(message_id: str) -> str:
        return str(request.url_for("cap_message", message_id=message_id))

    body = cap_feed.atom_feed(
        messages,
        self_url=str(request.url_for("cap_feed")),
        message_url=message_url,
        reader=actor.username,
        now=now,
    )
    return Response(body, media_type=ATOM_MEDIA)


@router.get(
    "/{message_id}.xml",
    name="cap_message",
    response_class=Response,
    responses={200: {"content": {CAP_MEDIA: {}}, "description": "CAP 1.2 XML"}},
)
def cap_message(
    message_id: Annotated[str, Path(max_length=60)],
    db: Db,
    actor: Annotated[Actor, require("cap.read")],
) -> Response:
    """One alert or advisory as a CAP 1.2 message, as it stands now (404 unless you may
    see it)."""
    return Response(cap_feed.message(db, actor, message_id).xml, media_type=CAP_MEDIA)
