"""`jsms exchange pull PARTNER`: page through a partner's TAXII 2.1 collection since the last
pull (taxii2-client) and import what arrived.

The next pull asks only for what was added after the newest `X-TAXII-Date-Added-Last` the
partner's server announced, so a second pull with nothing new adds nothing. Objects an
incident refers to that did not change (a perpetrator, say) are fetched by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from sqlalchemy.orm import Session
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, as_pages

from jsms.db import utcnow
from jsms.errors import DomainError, Invalid
from jsms.exchange.importing import ImportOutcome, import_bundle
from jsms.exchange.models import Partner
from jsms.exchange.service import pull_secret

PER_REQUEST = 200
MAX_MISSING = 500


class PullFailed(DomainError):
    status, slug, title = 502, "pull-failed", "The partner's TAXII server did not answer well"


@dataclass
class Pulled:
    objects: int
    pages: int
    outcome: ImportOutcome
    added_last: datetime | None


def _collection(partner: Partner, user: str, password: str) -> Collection:
    if not partner.taxii_url:
        raise Invalid(f"partner {partner.name} has no TAXII address to pull from")
    if partner.taxii_collection:
        url = f"{partner.taxii_url}collections/{partner.taxii_collection}/"
        return Collection(url, user=user, password=password)
    root = ApiRoot(partner.taxii_url, user=user, password=password)
    readable = [c for c in root.collections if c.can_read]
    if not readable:
        raise PullFailed(f"{partner.name} offers us no collection we may read")
    return readable[0]


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def pull(db: Session, partner: Partner, *, by: str) -> Pulled:
    """Fetch what is new in the partner's collection and import it (audited by the import)."""
    if not partner.pull_username or not partner.pull_secret_enc:
        raise Invalid(f"partner {partner.name} has no credential for us to pull with")
    secret = pull_secret(partner) or ""
    announced: list[str] = []

    def note_date(response: requests.Response, *_: Any, **__: Any) -> None:
        last = response.headers.get("X-TAXII-Date-Added-Last")
        if last:
            announced.append(last)

    try:
        collection = _collection(partner, partner.pull_username, secret)
        collection._conn.session.hooks["response"].append(note_date)
        since = partner.last_pulled_at
        filters = {"added_after": since} if since else {}
        objects: list[dict[str, Any]] = []
        pages = 0
        for envelope in as_pages(collection.get_objects, per_request=PER_REQUEST, **filters):
            pages += 1
            objects.extend(envelope.get("objects", []))
        objects += _missing(collection, objects)
    except (requests.RequestException, TAXIIServiceException, ValueError) as exc:
        raise PullFailed(f"pulling from {partner.name} failed: {_why(exc)}") from None
    outcome = import_bundle(db, partner, {"type": "bundle", "objects": objects}, via="taxii", by=by)
    newest = max((_stamp(a) for a in announced), default=None)
    if newest is not None and (since is None or newest > since):
        partner.last_pulled_at = newest
    partner.last_pull = {"at": utcnow().isoformat(), "objects": len(objects), **outcome.as_dict()}
    db.flush()
    return Pulled(len(objects), pages, outcome, partner.last_pulled_at)


def _why(exc: Exception) -> str:
    """What went wrong, in a line a person can act on."""
    if isinstance(exc, requests.ConnectionError):
        return f"its server at {_address(exc)} could not be reached"
    if isinstance(exc, requests.Timeout):
        return "its server did not answer in time"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status == 401:
            return "it refused our credential (401): check our username and secret there"
        return f"its server answered {status} {exc.response.reason}"
    return str(exc).splitlines()[0][:300]


def _address(exc: requests.RequestException) -> str:
    request = exc.request
    url = getattr(request, "url", None) or ""
    return url.split("/taxii2/")[0] if url else "the given address"


def _missing(collection: Collection, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objects that what arrived refers to but that did not change, fetched by id."""
    have = {o.get("id") for o in objects}
    wanted: list[str] = []
    for obj in objects:
        if obj.get("type") == "relationship" and obj.get("source_ref") in have:
            target = obj.get("target_ref")
            if target and target not in have and target not in wanted:
                wanted.append(target)
    found: list[dict[str, Any]] = []
    for object_id in wanted[:MAX_MISSING]:
        try:
            envelope = collection.get_object(object_id)
        except requests.HTTPError:
            continue  # no longer shared with us: the incident arrives without it
        found.extend(envelope.get("objects", []))
    return found
