"""Leak tracing for auditors: upload the leaked file (text, HTML or PDF, read as
`jsms leak trace` reads it) or paste its text, and see whose watermarked order copy it most
likely came from, with the evidence. The trace is recorded as POST /api/v1/leaks/trace
records it (leak_trace.trace_leak_audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from jsms.config import get_settings
from jsms.deps import Db, require
from jsms.identity.policy import Actor
from jsms.movements.models import Movement
from jsms.movements.orders import leak_trace
from jsms.movements.orders.watermark import CONFIDENT
from jsms.movements.schemas import LeakIn
from jsms.web.ui import check_csrf, field_errors, render

router = APIRouter(include_in_schema=False)

FORM_ROOM = 16_384  # the rest of the form (token, movement, boundaries) within the body limit
SHOWN = 10  # suspects listed


def file_limit() -> int:
    """The largest file the form accepts: a larger one would break the request body limit."""
    return get_settings().max_body_bytes - FORM_ROOM


class Unreadable(ValueError):
    """The upload is not a leak the tracer can read; the message says why, for the person."""


def _text_of(upload: UploadFile, data: bytes) -> str:
    name = upload.filename or "the file"
    if len(data) > file_limit():
        raise Unreadable(
            f"{name} is {len(data):,} bytes; the limit is {file_limit():,}. "
            "Paste the relevant part of its text instead."
        )
    if not data.startswith(b"%PDF"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable(f"{name} is not text, HTML or PDF, so it cannot be read") from None
        if b"\x00" in data:
            raise Unreadable(f"{name} is not text, HTML or PDF, so it cannot be read")
    text = leak_trace.read_leak_bytes(data, name)
    if len(text.strip()) < 20:
        raise Unreadable(f"no text could be read from {name} (a scanned image?)")
    return text


def _page(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str],
    suspects: list[leak_trace.Suspect] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        db,
        "audit/leaks.html",
        {
            "values": values,
            "errors": errors,
            "suspects": suspects[:SHOWN] if suspects is not None else None,
            "confident": CONFIDENT,
            "limit": file_limit(),
        },
        status_code=status_code,
    )


@router.get("/audit/leaks")
def leak_form(request: Request, db: Db, actor: Annotated[Actor, require("leak.trace")]) -> Response:
    return _page(request, db, {"text": "", "movement": ""}, {})


def _movement_id(db: Session, name: str) -> str | None:
    stmt = select(Movement.id).where(or_(Movement.reference == name.upper(), Movement.id == name))
    return db.scalar(stmt)


@router.post("/audit/leaks", dependencies=[Depends(check_csrf)])
async def leak_trace_page(
    request: Request, db: Db, actor: Annotated[Actor, require("leak.trace")]
) -> Response:
    form = await request.form()
    upload = form.get("file")
    upload = upload if isinstance(upload, UploadFile) and upload.filename else None
    values = {"text": str(form.get("text") or ""), "movement": str(form.get("movement") or "")}
    values["movement"] = values["movement"].strip()[:64]
    errors: dict[str, str] = {}
    text = values["text"]
    if upload is not None and text.strip():
        errors["file"] = "upload a file or paste its text, not both"
    elif upload is not None:
        try:
            text = _text_of(upload, await upload.read())
        except Unreadable as exc:
            errors["file"] = str(exc)
    elif not text.strip():
        errors["file"] = "upload the leaked file, or paste its text below"
    data: dict[str, Any] = {"text": text}
    if values["movement"]:
        data["movement_id"] = _movement_id(db, values["movement"])
        if data["movement_id"] is None:
            errors["movement"] = f"no movement {values['movement']}; give its reference"
    if errors:
        return _page(request, db, values, errors, status_code=422)
    try:
        body = LeakIn.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        if upload is not None and "text" in errors:
            errors["file"] = errors.pop("text")
        return _page(request, db, values, errors, status_code=422)
    suspects = leak_trace.trace_leak_audited(
        db, body.text, movement_id=body.movement_id, file=upload.filename if upload else None
    )
    return _page(request, db, values, {}, suspects)
