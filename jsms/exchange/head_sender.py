"""Signing our audit chain head and sending it to partners: on demand (`jsms audit
send-head`) and every JSMS_HEAD_INTERVAL minutes inside `jsms serve`.

Only a chain that verifies (events, head and anchor) is signed: we never vouch for a broken
trail. A head goes to each active partner whose signing key we hold (a JSMS instance that
anchors with us), by HTTP POST to its /api/v1/exchange/heads with the credential we pull
from it with. Each round is audited with every partner's answer; nothing is sent while a
transaction is open.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit import verification
from jsms.audit.chain import GENESIS
from jsms.audit.models import AuditEvent, AuditHead
from jsms.audit.signing import SignedHead, sign_head
from jsms.config import get_settings
from jsms.db import new_session, transaction, utcnow
from jsms.exchange import heads
from jsms.exchange.models import Partner
from jsms.exchange.service import pull_secret
from jsms.keyring import get_keyring

__all__ = ["Delivery", "HeadLoop", "HeadNotSigned", "heads_url", "send_heads", "sign_head_now"]

log = logging.getLogger("jsms.exchange.heads")
ACTOR = "system:audit-heads"
PATH = "/api/v1/exchange/heads"
TIMEOUT_S = 10.0


class HeadNotSigned(Exception):
    """Our own chain does not verify: no head is signed."""


@dataclass(frozen=True)
class Delivery:
    """What became of our head at one partner: kept, refused (with its reason), failed
    (unreachable, an error) or skipped (nowhere to send it)."""

    partner: str
    outcome: str
    detail: str = ""


@dataclass(frozen=True)
class _Target:
    name: str
    url: str
    username: str
    secret: str


def heads_url(taxii_url: str) -> str:
    """Where a JSMS partner takes heads: its server's address with our path.

    >>> heads_url("https://jsms.partner.example:8443/taxii2/host/")
    'https://jsms.partner.example:8443/api/v1/exchange/heads'
    """
    parts = urlsplit(taxii_url)
    return f"{parts.scheme}://{parts.netloc}{PATH}"


def sign_head_now(db: Session) -> SignedHead:
    """Verify our whole chain, then sign how far it verified (HeadNotSigned if broken)."""
    checked, broken = verification.verify(db)
    if broken is not None:
        raise HeadNotSigned(f"the audit chain is broken at event {broken.seq}: {broken.reason}")
    database_id = db.scalar(select(AuditHead.database_id).where(AuditHead.id == 1))
    last = db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == checked)) or GENESIS
    return sign_head(
        get_keyring().signer(),
        database_id=database_id or "",
        seq=checked,
        head_hash=last,
        signed_at=utcnow(),
    )


def _targets(db: Session) -> tuple[list[_Target], list[Delivery]]:
    targets, skipped = [], []
    for partner in db.scalars(select(Partner).where(Partner.active.is_(True))):
        secret = pull_secret(partner)
        if heads.key_of(db, partner) is None:
            continue  # not a JSMS instance anchoring with us
        if not partner.taxii_url or not partner.pull_username or not secret:
            skipped.append(Delivery(partner.name, "skipped", "no address or credential"))
            continue
        url = heads_url(partner.taxii_url)
        targets.append(_Target(partner.name, url, partner.pull_username, secret))
    return targets, skipped


def _post(target: _Target, head: SignedHead) -> Delivery:
    token = base64.b64encode(f"{target.username}:{target.secret}".encode()).decode()
    request = urllib.request.Request(
        target.url,
        data=json.dumps(head.to_dict()).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            response.read()
        return Delivery(target.name, "kept")
    except urllib.error.HTTPError as exc:
        try:
            detail = str(json.loads(exc.read() or b"{}").get("detail", ""))
        except ValueError:
            detail = ""
        outcome = "refused" if exc.code in (401, 409, 422) else "failed"
        return Delivery(target.name, outcome, f"HTTP {exc.code}: {detail}"[:300])
    except (OSError, ValueError) as exc:
        return Delivery(target.name, "failed", f"{type(exc).__name__}: {exc}"[:300])


def send_heads(url: str | None = None) -> tuple[SignedHead | None, list[Delivery]]:
    """Sign our head and send it to every partner anchoring with us; each round with a
    partner (or a broken chain) is audited."""
    db = new_session(url)
    try:
        head: SignedHead | None = sign_head_now(db)
        problem = ""
    except HeadNotSigned as exc:
        head, problem = None, str(exc)
    try:
        targets, deliveries = _targets(db)
    finally:
        db.close()
    if head is not None:
        deliveries += [_post(target, head) for target in targets]
    if deliveries or problem:  # with no partner nothing left: nothing to keep in the trail
        _record_round(url, head, problem, deliveries)
    if problem:
        log.error("no audit head sent: %s", problem)
    for delivery in deliveries:
        if delivery.outcome != "kept":
            log.warning(
                "audit head to %s: %s %s", delivery.partner, delivery.outcome, delivery.detail
            )
    return head, deliveries


def _record_round(
    url: str | None, head: SignedHead | None, problem: str, deliveries: list[Delivery]
) -> None:
    with transaction(ACTOR, url) as log_db:
        audit.record(
            log_db,
            action="audit.head.send",
            object_type="audit_head",
            object_id=head.database_id if head else None,
            outcome="ok" if head and all(d.outcome == "kept" for d in deliveries) else "failed",
            detail={
                "seq": head.seq if head else None,
                "hash": head.hash if head else None,
                "problem": problem or None,
                "partners": {d.partner: f"{d.outcome} {d.detail}".strip() for d in deliveries},
            },
        )


class HeadLoop(threading.Thread):
    """`send_heads` at start and every `interval_s` until stopped; a failing round is
    logged, never fatal."""

    def __init__(self, url: str | None, interval_s: float) -> None:
        super().__init__(name="jsms-audit-heads", daemon=True)
        self.url = url
        self.interval_s = interval_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                send_heads(self.url)
            except Exception:
                log.exception("sending the audit head failed; trying again later")
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        self._stop_event.set()


def start(url: str | None = None) -> HeadLoop | None:
    """The background sender for `jsms serve` (None when JSMS_HEAD_INTERVAL is 0)."""
    minutes = get_settings().head_interval
    if minutes <= 0:
        return None
    loop = HeadLoop(url, minutes * 60)
    loop.start()
    return loop
