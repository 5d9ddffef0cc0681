"""Appending to and checking the audit chain.

Writes are captured automatically by a session hook (every flushed insert, update and delete of
a domain object); sensitive reads and refusals are recorded explicitly by the service that
performs them. Appends run in the caller's transaction, so an undone change leaves no event.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jsms.audit.chain import GENESIS, ChainBreak, event_hash, head_mac, verify_chain
from jsms.audit.models import AuditEvent, AuditHead
from jsms.db import transaction, utcnow
from jsms.keyring import get_keyring

NOT_AUDITED = {"audit_events", "audit_head"}


def cli_actor() -> str:
    """How a command-line operator is named in the trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli:unknown"


def _actor_fields(actor: Any) -> tuple[str | None, str, str | None]:
    if actor is None:
        return None, "system", None
    if isinstance(actor, str):
        return None, actor, None
    return actor.user_id, actor.username, actor.agency_id


def _append(connection: Connection, actor: Any, entries: list[dict[str, Any]]) -> None:
    """Chain `entries` onto the head, inside the current transaction."""
    if not entries:
        return
    mac = get_keyring().audit_mac
    # Writing first takes the database's write lock (SQLite) or the row lock (PostgreSQL),
    # so no two transactions can read the same head and fork the chain.
    connection.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = connection.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    actor_id, actor_name, agency_id = _actor_fields(actor)
    rows = []
    for entry in entries:
        seq += 1
        record = {
            "seq": seq,
            "at": utcnow(),
            "actor_id": actor_id,
            "actor_name": actor_name[:100],
            "actor_agency_id": agency_id,
            "action": entry["action"],
            "object_type": entry["object_type"],
            "object_id": entry.get("object_id"),
            "outcome": entry.get("outcome", "ok"),
            "detail": entry.get("detail") or {},
        }
        record["prev_hash"] = prev
        record["hash"] = prev = event_hash(_hashable(record), record["prev_hash"], mac)
        rows.append(record)
    connection.execute(insert(AuditEvent), rows)
    values = {"seq": seq, "hash": prev, "mac": head_mac(seq, prev, mac)}
    if head:
        connection.execute(update(AuditHead).where(AuditHead.id == 1).values(**values))
    else:
        connection.execute(insert(AuditHead).values(id=1, **values))


def _hashable(record: dict[str, Any]) -> dict[str, Any]:
    """Timestamps hash as ISO text so both databases give the same bytes back."""
    out = dict(record)
    at = out["at"]
    out["at"] = at.isoformat() if isinstance(at, datetime) else at
    return out


def record(
    db: Session,
    *,
    action: str,
    object_type: str,
    object_id: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> None:
    """Append one event (a sensitive read, a refusal, a login) in `db`'s transaction."""
    entry = {
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "detail": detail or {},
    }
    _append(db.connection(), actor if actor is not None else db.info.get("actor"), [entry])


def record_refusal(
    database_url: str,
    *,
    actor: Any,
    method: str,
    path: str,
    permission: str | None,
    reason: str | None,
) -> None:
    """Keep a refused request (HTTP 403) in its own transaction: the request's is rolled back.

    `reason` is given for refusals decided by a service rule (need-to-know, sovereignty);
    a refusal by the policy table is explained by its permission alone.
    """
    detail: dict[str, Any] = {"permission": permission, "method": method}
    if reason:
        detail["reason"] = reason
    if len(path) > 64:
        detail["path"] = path
    with transaction(actor if actor is not None else "anonymous", database_url) as log_db:
        record(
            log_db,
            action="access.denied",
            object_type="endpoint",
            object_id=path[:64],
            outcome="refused",
            detail=detail,
        )


def _object_type(obj: Any) -> str:
    return getattr(obj, "__audit_name__", obj.__tablename__)


def _object_id(obj: Any) -> str | None:
    """The object's primary key; new objects have none in their identity until the flush ends."""
    state = inspect(obj)
    key = state.identity or state.mapper.primary_key_from_instance(obj)
    return str(key[0]) if key and key[0] is not None else None


def _changed_fields(obj: Any) -> list[str]:
    state = inspect(obj)
    return sorted(
        attr.key
        for attr in state.attrs
        if attr.history.has_changes() and attr.key not in {"updated_at", "agency"}
    )


@event.listens_for(Session, "before_flush")
def _collect_writes(session: Session, _ctx: Any, _instances: Any) -> None:
    pending: list[tuple[str, Any, list[str]]] = session.info.setdefault("audit_pending", [])
    for verb, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if getattr(obj, "__tablename__", None) in NOT_AUDITED:
                continue
            if verb == "update":
                if not session.is_modified(obj, include_collections=False):
                    continue
                pending.append((verb, obj, _changed_fields(obj)))
            else:
                pending.append((verb, obj, []))


@event.listens_for(Session, "after_flush")
def _append_writes(session: Session, _ctx: Any) -> None:
    pending = session.info.pop("audit_pending", [])
    entries = []
    for verb, obj, fields in pending:
        kind = _object_type(obj)
        detail = {"fields": fields} if fields else {}
        entries.append(
            {
                "action": f"{kind}.{verb}",
                "object_type": kind,
                "object_id": _object_id(obj),
                "detail": detail,
            }
        )
    _append(session.connection(), session.info.get("actor"), entries)


def event_query(
    *,
    actor_id: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[AuditEvent]]:
    """Events matching every given filter, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    filters = {
        AuditEvent.actor_id: actor_id,
        AuditEvent.action: action,
        AuditEvent.object_type: object_type,
        AuditEvent.object_id: object_id,
        AuditEvent.outcome: outcome,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def _records(db: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = (
            db.execute(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield _hashable(
                {
                    "seq": row.seq,
                    "at": row.at,
                    "actor_id": row.actor_id,
                    "actor_name": row.actor_name,
                    "actor_agency_id": row.actor_agency_id,
                    "action": row.action,
                    "object_type": row.object_type,
                    "object_id": row.object_id,
                    "outcome": row.outcome,
                    "detail": row.detail,
                    "prev_hash": row.prev_hash,
                    "hash": row.hash,
                }
            )
        last = rows[-1].seq
        db.expunge_all()


def ensure_genesis(connection: Connection) -> None:
    """Start the chain with a MAC'd head (number 0) if it has none, so that a database whose
    whole trail was deleted, head included, no longer looks like a new one."""
    exists = connection.execute(select(AuditHead.id).where(AuditHead.id == 1)).first()
    if exists is None:
        mac = get_keyring().audit_mac
        connection.execute(
            insert(AuditHead).values(id=1, seq=0, hash=GENESIS, mac=head_mac(0, GENESIS, mac))
        )


def verify(db: Session) -> tuple[int, ChainBreak | None]:
    """Check the whole chain; returns events checked and the first break, if any."""
    head_row = db.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head_row is None:
        checked, broken = verify_chain(_records(db), None, get_keyring().audit_mac)
        return checked, broken or ChainBreak(
            1,
            "chain head is missing: the whole trail was deleted (a migrated database "
            "always has one)",
        )
    head = {"seq": head_row.seq, "hash": head_row.hash, "mac": head_row.mac}
    return verify_chain(_records(db), head, get_keyring().audit_mac)
