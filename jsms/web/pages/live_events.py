"""GET /live/events: the live feed as Server-Sent Events, for the map, the ops dashboard and
the roll-call pages (static/live.js).

The browser's cookie session (or a bearer token) authenticates it like any page; the stream
checks the session again every half minute (a logout or an expiry ends it) and ends itself
after a while, so the browser reconnects with `Last-Event-ID` and carries on from where it
was. About once a second it polls the database (jsms.web.pages.live_feed) and sends only what
changed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from jsms.db import new_session
from jsms.deps import SESSION_COOKIE, require
from jsms.errors import Unauthorized
from jsms.identity import service as identity
from jsms.identity.policy import Actor
from jsms.web.pages.live_feed import Cursor, Event, Feed

router = APIRouter(include_in_schema=False)

POLL_S = 1.0
SESSION_CHECK_S = 30.0
KEEP_ALIVE_S = 15.0  # a comment line keeps proxies from closing a quiet stream
CONNECTION_S = 15 * 60.0  # then the browser reconnects (and resumes) on its own
RETRY_MS = 3000


def frame(events: list[Event], cursor: Cursor) -> str:
    """Events in the text/event-stream format; the last carries the cursor as its id."""
    lines = []
    for index, (name, data) in enumerate(events):
        lines.append(f"event: {name}")
        if index == len(events) - 1:
            lines.append(f"id: {cursor.text()}")
        lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _still_logged_in(database_url: str, token: str | None) -> bool:
    if not token:
        return False
    db = new_session(database_url)
    try:
        identity.authenticate(db, token)
        return True
    except Unauthorized:
        return False
    finally:
        db.close()


async def _stream(request: Request, feed: Feed, resume: Cursor | None) -> AsyncIterator[str]:
    header = request.headers.get("authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = bearer or request.cookies.get(SESSION_COOKIE)
    started = last_write = next_check = time.monotonic()
    next_check += SESSION_CHECK_S
    yield f"retry: {RETRY_MS}\n\n"
    events = await run_in_threadpool(feed.open, resume)
    yield frame(events, feed.cursor) if events else f"id: {feed.cursor.text()}\ndata: {{}}\n\n"
    while time.monotonic() - started < CONNECTION_S:
        await asyncio.sleep(POLL_S)
        now = time.monotonic()
        if now >= next_check:
            next_check = now + SESSION_CHECK_S
            alive = await run_in_threadpool(_still_logged_in, feed.database_url, token)
            if not alive:
                yield 'event: end\ndata: {"reason":"session ended"}\n\n'
                return
        events = await run_in_threadpool(feed.poll)
        if events:
            last_write = now
            yield frame(events, feed.cursor)
        elif now - last_write >= KEEP_ALIVE_S:
            last_write = now
            yield ": still here\n\n"


@router.get("/live/events")
def live_events(
    request: Request, actor: Annotated[Actor, require("movement.read")]
) -> StreamingResponse:
    """The person's live feed (need-to-know applied per event; see live_feed)."""
    feed = Feed(request.app.state.database_url, actor)
    resume = Cursor.parse(request.headers.get("last-event-id"))
    return StreamingResponse(
        _stream(request, feed, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
