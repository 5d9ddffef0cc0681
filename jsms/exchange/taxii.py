"""The TAXII 2.1 server partners pull from, at /taxii2/.

A partner authenticates with its own credential (HTTP Basic, the username and secret given
when it was registered); a person's login opens nothing here. Its trust group is its API
root; in it the partner sees one collection: the objects its agreement lets through, kept
current (sharing.refresh_collection). Objects and the manifest page with `limit`, `next` and
`more`, filter with `added_after` and `match[id|type|version|spec_version]`, and say the
first and last date added in X-TAXII-Date-Added-First/Last. Every request is audited, a
refused one too (in its own transaction).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import transaction
from jsms.deps import Db
from jsms.exchange.models import Partner, PublishedObject
from jsms.exchange.service import authenticate_partner, terms_in_force
from jsms.exchange.sharing import refresh_collection
from jsms.identity.policy import PARTNER

TAXII = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_CONTENT = 10_000_000
DOC = {"x-permission": PARTNER, "security": [{"partnerBasic": []}]}


class TaxiiJSON(JSONResponse):
    """What every TAXII answer is, errors included (documented so in the OpenAPI document)."""

    media_type = TAXII


TAXII_ERROR: dict[int | str, dict[str, Any]] = {
    status: {
        "description": f"a TAXII error message ({why})",
        "content": {TAXII: {"schema": {"type": "object"}}},
    }
    for status, why in (
        (400, "a filter or paging token it cannot read"),
        (401, "no or wrong partner credential"),
        (404, "not this partner's API root, collection or object"),
        (406, "the client does not accept TAXII 2.1"),
    )
}
router = APIRouter(
    prefix="/taxii2", tags=["taxii"], default_response_class=TaxiiJSON, responses=TAXII_ERROR
)


class TaxiiError(Exception):
    """A refusal, answered as a TAXII error message."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return TaxiiJSON(body, status_code=status, headers=headers)


def _error(exc: TaxiiError) -> Response:
    body = {"title": exc.title, "description": exc.description, "http_status": str(exc.status)}
    headers = {"WWW-Authenticate": 'Basic realm="JSMS TAXII"'} if exc.status == 401 else None
    return _json(body, exc.status, headers)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def collection_id(partner: Partner) -> str:
    """The partner's collection: a stable UUID of its own."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jsms:taxii:collection:{partner.id}"))


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, secret) if username and secret else None


def _accepts_taxii(request: Request) -> bool:
    accept = request.headers.get("accept", "").replace(" ", "").lower()
    if not accept or "*/*" in accept or "application/*" in accept:
        return True
    return any(
        part.startswith("application/taxii+json")
        and ("version=" not in part or "version=2.1" in part)
        for part in accept.split(",")
    )


def _refuse_logged(request: Request, who: str, status: int, why: str) -> None:
    with transaction(f"taxii:{who}"[:100], request.app.state.database_url) as log_db:
        audit.record(
            log_db,
            action="taxii.refused",
            object_type="taxii",
            object_id=request.url.path[:64],
            outcome="refused",
            detail={"status": status, "reason": why},
        )


def _serve(
    request: Request, db: Session, root: str | None, answer: Callable[[Partner], Response]
) -> Response:
    """Authenticate, check the API root and the media type, answer, audit."""
    credentials = _credentials(request)
    partner = authenticate_partner(db, *credentials) if credentials else None
    if partner is None:
        who = credentials[0] if credentials else "anonymous"
        _refuse_logged(request, who, 401, "no or wrong partner credential")
        return _error(TaxiiError(401, "Authentication required", "use the partner credential"))
    try:
        if not _accepts_taxii(request):
            raise TaxiiError(406, "Not acceptable", f"this server speaks {TAXII}")
        if root is not None and root != partner.trust_group:
            raise TaxiiError(404, "Not found", "no such API root")
        response = answer(partner)
    except TaxiiError as exc:
        db.rollback()
        _refuse_logged(request, partner.inbound_username, exc.status, exc.title)
        return _error(exc)
    audit.record(
        db,
        action="taxii.request",
        object_type="exchange_partner",
        object_id=partner.id,
        actor=f"taxii:{partner.inbound_username}",
        detail={
            "path": request.url.path,
            "query": str(request.url.query)[:300],
            "status": response.status_code,
            "objects": response.headers.get("x-jsms-objects", "0"),
        },
    )
    return response


# Discovery, API root, collections --------------------------------------------------------


@router.get("/", openapi_extra=DOC, summary="TAXII discovery")
def discovery(request: Request, db: Db) -> Response:
    def answer(partner: Partner) -> Response:
        root = f"{str(request.base_url).rstrip('/')}/taxii2/{partner.trust_group}/"
        return _json(
            {
                "title": "JSMS TAXII 2.1",
                "description": "Incidents shared under each partner's sharing agreement.",
                "default": root,
                "api_roots": [root],
            }
        )

    return _serve(request, db, None, answer)


@router.get("/{root}/", openapi_extra=DOC, summary="TAXII API root (one per trust group)")
def api_root(request: Request, db: Db, root: str) -> Response:
    def answer(partner: Partner) -> Response:
        return _json(
            {
                "title": f"Trust group {partner.trust_group}",
                "versions": [TAXII],
                "max_content_length": MAX_CONTENT,
            }
        )

    return _serve(request, db, root, answer)


def _collection(db: Session, partner: Partner) -> dict[str, Any]:
    terms = terms_in_force(db, partner)
    allowed = "nothing (no agreement in force)"
    if terms is not None:
        allowed = f"up to TLP:{terms.max_tlp.upper()}, agreement version {terms.version}"
    return {
        "id": collection_id(partner),
        "title": f"Shared with {partner.name}",
        "description": f"What the sharing agreement lets through: {allowed}.",
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_MEDIA],
    }


def _own_collection(partner: Partner, cid: str) -> None:
    if cid != collection_id(partner):
        raise TaxiiError(404, "Not found", "no such collection")


@router.get("/{root}/collections/", openapi_extra=DOC, summary="TAXII collections")
def collections(request: Request, db: Db, root: str) -> Response:
    return _serve(request, db, root, lambda p: _json({"collections": [_collection(db, p)]}))


@router.get("/{root}/collections/{cid}/", openapi_extra=DOC, summary="TAXII collection")
def collection(request: Request, db: Db, root: str, cid: str) -> Response:
    def answer(partner: Partner) -> Response:
        _own_collection(partner, cid)
        return _json(_collection(db, partner))

    return _serve(request, db, root, answer)


# Objects and the manifest ----------------------------------------------------------------


def _when(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TaxiiError(400, "Bad request", f"{name} is not a timestamp: {text!r}") from None
    if value.tzinfo is None:
        raise TaxiiError(400, "Bad request", f"{name} needs its zone, e.g. Z")
    return value


def _encode_next(row: PublishedObject) -> str:
    return base64.urlsafe_b64encode(f"{_stamp(row.date_added)}|{row.id}".encode()).decode()


def _decode_next(token: str) -> tuple[datetime, str]:
    try:
        stamp, _, row_id = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        return _when(stamp, "next"), row_id
    except (binascii.Error, UnicodeDecodeError, TaxiiError):
        raise TaxiiError(400, "Bad request", "next is not a token this server gave") from None


def _page(
    request: Request, db: Session, partner: Partner, stix_id: str | None = None
) -> tuple[list[PublishedObject], bool]:
    """The page of live objects the request asks for, and whether more follow."""
    refresh_collection(db, partner)
    params = request.query_params
    stmt: Select[PublishedObject] = select(PublishedObject).where(
        PublishedObject.partner_id == partner.id, PublishedObject.withdrawn.is_(False)
    )
    if stix_id is not None:
        stmt = stmt.where(PublishedObject.stix_id == stix_id)
    if params.get("added_after"):
        stmt = stmt.where(PublishedObject.date_added > _when(params["added_after"], "added_after"))
    for key, column in (("match[id]", PublishedObject.stix_id), ("match[type]", None)):
        if params.get(key):
            values = [v for v in params[key].split(",") if v]
            if column is not None:
                stmt = stmt.where(column.in_(values))
            else:
                stmt = stmt.where(
                    or_(*(PublishedObject.stix_id.startswith(f"{v}--") for v in values))
                )
    version = params.get("match[version]", "last")
    if version not in ("last", "first", "all"):
        stmt = stmt.where(PublishedObject.version.in_([v for v in version.split(",") if v]))
    spec = params.get("match[spec_version]")
    if spec and "2.1" not in spec.split(","):
        return [], False
    if params.get("next"):
        after, row_id = _decode_next(params["next"])
        stmt = stmt.where(
            or_(
                PublishedObject.date_added > after,
                and_(PublishedObject.date_added == after, PublishedObject.id > row_id),
            )
        )
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise TaxiiError(400, "Bad request", "limit is a whole number") from None
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(
        db.scalars(stmt.order_by(PublishedObject.date_added, PublishedObject.id).limit(limit + 1))
    )
    return rows[:limit], len(rows) > limit


def _envelope(
    rows: list[PublishedObject], more: bool, key: str, item: Callable[[PublishedObject], Any]
) -> Response:
    body: dict[str, Any] = {"more": more}
    headers = {"X-JSMS-Objects": str(len(rows))}
    if rows:
        body[key] = [item(r) for r in rows]
        headers["X-TAXII-Date-Added-First"] = _stamp(rows[0].date_added)
        headers["X-TAXII-Date-Added-Last"] = _stamp(rows[-1].date_added)
    if more:
        body["next"] = _encode_next(rows[-1])
    return _json(body, headers=headers)


@router.get("/{root}/collections/{cid}/objects/", openapi_extra=DOC, summary="TAXII objects")
def objects(request: Request, db: Db, root: str, cid: str) -> Response:
    def answer(partner: Partner) -> Response:
        _own_collection(partner, cid)
        rows, more = _page(request, db, partner)
        return _envelope(rows, more, "objects", lambda r: r.body)

    return _serve(request, db, root, answer)


@router.get(
    "/{root}/collections/{cid}/objects/{object_id}/", openapi_extra=DOC, summary="TAXII object"
)
def one_object(request: Request, db: Db, root: str, cid: str, object_id: str) -> Response:
    def answer(partner: Partner) -> Response:
        _own_collection(partner, cid)
        rows, more = _page(request, db, partner, object_id)
        if not rows:
            raise TaxiiError(404, "Not found", "no such object in this collection")
        return _envelope(rows, more, "objects", lambda r: r.body)

    return _serve(request, db, root, answer)


@router.get(
    "/{root}/collections/{cid}/objects/{object_id}/versions/",
    openapi_extra=DOC,
    summary="TAXII object versions",
)
def versions(request: Request, db: Db, root: str, cid: str, object_id: str) -> Response:
    def answer(partner: Partner) -> Response:
        _own_collection(partner, cid)
        rows, more = _page(request, db, partner, object_id)
        if not rows:
            raise TaxiiError(404, "Not found", "no such object in this collection")
        return _envelope(rows, more, "versions", lambda r: r.version)

    return _serve(request, db, root, answer)


@router.get("/{root}/collections/{cid}/manifest/", openapi_extra=DOC, summary="TAXII manifest")
def manifest(request: Request, db: Db, root: str, cid: str) -> Response:
    def answer(partner: Partner) -> Response:
        _own_collection(partner, cid)
        rows, more = _page(request, db, partner)
        return _envelope(
            rows,
            more,
            "objects",
            lambda r: {
                "id": r.stix_id,
                "date_added": _stamp(r.date_added),
                "version": r.version,
                "media_type": STIX_MEDIA,
            },
        )

    return _serve(request, db, root, answer)
