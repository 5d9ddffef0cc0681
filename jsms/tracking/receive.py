"""One device request, whichever door it came in by (the OsmAnd listener on port 5055 or the
API under /api/v1/tracking): parse it, check it, queue its fixes, and say what to answer.

`prepare_*` do everything up to the queue without waiting and return either a `Reply` (a
refusal, or nothing to store) or a `Pending` (fixes to store, and how to answer once they
are committed). The listener chains those answers in order on a keep-alive connection; the
API awaits them (`answer`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from jsms.db import utcnow
from jsms.tracking.directory import KnownDevice
from jsms.tracking.fixes import Fix
from jsms.tracking.ingest import Pipeline, Receipt
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.batch import parse_batch
from jsms.tracking.protocols.osmand import parse_params, parse_traccar_json, query_params
from jsms.tracking.protocols.owntracks import LastWill, identifier_from_topic, parse_owntracks

__all__ = [
    "DeviceRequest",
    "Pending",
    "Reply",
    "answer",
    "prepare_batch",
    "prepare_osmand",
    "prepare_owntracks",
]

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
STORE_FAILED = "the position was not stored (database unavailable); send it again"


@dataclass(frozen=True)
class DeviceRequest:
    method: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = TEXT
    challenge: bool = False  # a 401 that asks for HTTP Basic credentials

    @classmethod
    def refusal(cls, refused: Rejected) -> Reply:
        return cls(refused.status, refused.detail.encode(), challenge=refused.status == 401)


@dataclass(frozen=True)
class Pending:
    items: Sequence[tuple[Fix, KnownDevice]]
    reply: Callable[[Receipt], Reply]

    def failed(self) -> Reply:
        return Reply(503, STORE_FAILED.encode())


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    header = headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = (
            base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _checked_size(pipeline: Pipeline, request: DeviceRequest) -> None:
    if len(request.body) > pipeline.limits.max_message_bytes:
        raise Rejected(
            Reason.TOO_LARGE,
            f"a device message is at most {pipeline.limits.max_message_bytes} bytes",
        )


def _refused(pipeline: Pipeline, source: str, refused: Rejected, sample: str | bytes) -> Reply:
    pipeline.refuse(source, refused, sample)
    return Reply.refusal(refused)


def prepare_osmand(pipeline: Pipeline, request: DeviceRequest) -> Reply | Pending:
    """OsmAnd query form or Traccar Client JSON, told apart by Content-Type as Traccar does."""
    as_json = request.headers.get("content-type", "").startswith("application/json")
    source = "traccar_json" if as_json else "osmand"
    sample: str | bytes = request.body[:400] if as_json else request.query
    now = utcnow()
    try:
        if request.method not in ("GET", "POST"):
            raise Rejected(Reason.BAD_METHOD, "send positions with GET or POST")
        _checked_size(pipeline, request)
        basic = basic_credentials(request.headers)
        if as_json:
            key = query_params(request.query).get("key") or (basic[1] if basic else None)
            fixes = parse_traccar_json(request.body, key)
        else:
            query = request.query
            if not query and request.method == "POST":
                query = request.body.decode("ascii", "replace")
                sample = query
            fix = parse_params(query_params(query), now)
            if not fix.key and basic:
                fix = replace(fix, key=basic[1])
            fixes = [fix]
        items = [(fix, pipeline.admit(fix, protocols=("osmand",), now=now)) for fix in fixes]
    except Rejected as refused:
        return _refused(pipeline, source, refused, sample)
    return Pending(items, lambda _receipt: Reply(200))


def prepare_owntracks(pipeline: Pipeline, request: DeviceRequest) -> Reply | Pending:
    """OwnTracks' HTTP mode: user and device from X-Limit-U/-D (or ?u=&d=, or the Basic user
    "user/device", or the payload's topic), the key as the Basic password; answers `[]`.
    Every message is authenticated first, even one that carries nothing to store."""
    source = "owntracks"
    empty = Reply(200, b"[]", JSON)
    try:
        if request.method != "POST":
            raise Rejected(Reason.BAD_METHOD, "OwnTracks posts its messages")
        _checked_size(pipeline, request)
        basic = basic_credentials(request.headers)
        if basic is None:
            raise Rejected(Reason.MISSING_KEY, "authenticate with HTTP Basic: user and device key")
        identifier = _owntracks_identifier(request, basic) or _payload_topic(request.body)
        if identifier is None:
            raise Rejected(Reason.NO_DEVICE, "name the device: X-Limit-U and X-Limit-D")
        device = pipeline.authenticate(identifier, basic[1])
        result = parse_owntracks(request.body, identifier)
        if result is None or isinstance(result, LastWill):
            return empty
        pipeline.admit(result, protocols=("owntracks",), key_checked=False)
    except Rejected as refused:
        return _refused(pipeline, source, refused, request.body[:400])
    return Pending([(result, device)], lambda _receipt: empty)


def _owntracks_identifier(request: DeviceRequest, basic: tuple[str, str]) -> str | None:
    params = query_params(request.query) if request.query else {}
    user = request.headers.get("x-limit-u") or params.get("u") or basic[0]
    device = request.headers.get("x-limit-d") or params.get("d") or ""
    if "/" in user:
        return user
    return f"{user}/{device}" if user and device else None


def _payload_topic(body: bytes) -> str | None:
    try:
        topic = json.loads(body).get("topic")
        return identifier_from_topic(topic) if isinstance(topic, str) else None
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


def prepare_batch(pipeline: Pipeline, request: DeviceRequest) -> Reply | Pending:
    """A gateway's (or one device's) batch: HTTP Basic with its identifier and key; each fix
    judged on its own, the refused ones listed by index in the answer."""
    source = "batch"
    now = utcnow()
    try:
        if request.method != "POST":
            raise Rejected(Reason.BAD_METHOD, "post the batch")
        basic = basic_credentials(request.headers)
        if basic is None:
            raise Rejected(Reason.MISSING_KEY, "authenticate with HTTP Basic: identifier and key")
        poster = pipeline.authenticate(*basic)
        entries = parse_batch(request.body)
    except Rejected as refused:
        return _refused(pipeline, source, refused, request.body[:200])
    items: list[tuple[Fix, KnownDevice]] = []
    refused_list: list[dict[str, object]] = []
    for entry in entries:
        try:
            if entry.refused is not None:
                raise entry.refused
            assert entry.fix is not None
            items.append((entry.fix, pipeline.admit_for(poster, entry.fix, now)))
        except Rejected as refused:
            pipeline.refuse(source, refused, entry.sample)
            refused_list.append(
                {"index": entry.index, "reason": refused.reason.value, "detail": refused.detail}
            )

    def reply(receipt: Receipt) -> Reply:
        body = {
            "stored": receipt.stored,
            "duplicates": receipt.duplicates,
            "refused": refused_list,
        }
        return Reply(200, json.dumps(body).encode(), JSON)

    return Pending(items, reply)


async def answer(pipeline: Pipeline, prepared: Reply | Pending) -> Reply:
    """Wait for the commit (for callers on an event loop) and say what to answer."""
    if isinstance(prepared, Reply):
        return prepared
    try:
        receipt = await pipeline.store_async(prepared.items) if prepared.items else Receipt(0, 0)
    except Exception:
        return prepared.failed()
    return prepared.reply(receipt)
