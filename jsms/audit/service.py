"""Appending to and checking the audit chain.

Writes are captured automatically by a session hook (every flushed insert, update and delete of
a domain object); sensitive reads and refusals are recorded explicitly by the service that
performs them. Appends run in the caller's transaction, so an undone change leaves no event;
once the transaction commits, the new head is recorded in the audit anchor (jsms.audit.anchor).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jsms.audit import anchor
from jsms.audit.chain import (
    GENESIS,
    event_hash,
    hashable,
    head_mac,
    legacy_head_mac,
)
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


@dataclass(frozen=True)
class NewHead:
    """Where an append left the head, and where it found it."""

    key: str  # the database, as the anchor names it
    database_id: str
    seq_before: int
    hash_before: str
    seq: int
    hash: str


def _append(connection: Connection, actor: Any, entries: list[dict[str, Any]]) -> NewHead | None:
    """Chain `entries` onto the head, inside the current transaction; returns the new head."""
    if not entries:
        return None
    mac = get_keyring().audit_mac
    key = anchor.database_key(connection.engine.url)
    # Writing first takes the database's write lock (SQLite) or the row lock (PostgreSQL),
    # so no two transactions can read the same head and fork the chain.
    connection.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = connection.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.database_id)
        .where(AuditHead.id == 1)
        .with_for_update()
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    seq_before, hash_before = seq, prev
    database_id = head.database_id if head else None
    if database_id is None:  # the head was deleted (verify reports it): keep the known id
        known = anchor.read(key)
        database_id = known.database_id if known else ""
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
        record["hash"] = prev = event_hash(hashable(record), record["prev_hash"], mac)
        rows.append(record)
    connection.execute(insert(AuditEvent), rows)
    values = {
        "seq": seq,
        "hash": prev,
        "mac": head_mac(database_id, seq, prev, mac),
        "database_id": database_id,
    }
    if head:
        connection.execute(update(AuditHead).where(AuditHead.id == 1).values(**values))
    else:
        connection.execute(insert(AuditHead).values(id=1, **values))
    return NewHead(key, database_id, seq_before, hash_before, seq, prev)


def _remember_head(session: Session, connection: Connection, head: NewHead | None) -> None:
    """Note the transaction's newest head; on its first append, also whether the chain it
    extends still holds the event the anchor recorded (else the anchor must not follow)."""
    if head is None:
        return
    if "audit_head" not in session.info:
        session.info["audit_witness"] = anchor.witness(
            connection,
            head.key,
            anchor.Anchor(head.database_id, head.seq_before, head.hash_before),
        )
    session.info["audit_head"] = head


@event.listens_for(Session, "after_commit")
def _advance_anchor(session: Session) -> None:
    """The events are durable now: move the anchor outside the database up to them."""
    head = session.info.pop("audit_head", None)
    along = session.info.pop("audit_witness", ())
    if head is not None and along:
        anchor.advance(head.key, along=along, seq=head.seq, last_hash=head.hash)


@event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop("audit_head", None)
    session.info.pop("audit_witness", None)


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
    actor = actor if actor is not None else db.info.get("actor")
    connection = db.connection()
    _remember_head(db, connection, _append(connection, actor, [entry]))


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
    if entries:
        connection = session.connection()
        _remember_head(session, connection, _append(connection, session.info.get("actor"), entries))


def event_query(
    *,
    actor_id: str | None = None,
    actor_name: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[AuditEvent]:
    """Events matching every given filter, newest first (`actor_name` is the username, or a
    command-line or system actor's name, as the event recorded it)."""
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    filters = {
        AuditEvent.actor_id: actor_id,
        AuditEvent.actor_name: actor_name,
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


def ensure_genesis(connection: Connection, *, start_over: bool = False) -> None:
    """Give the chain its MAC'd head (number 0) if it has none, bound to the database's id.

    The id comes from the audit anchor; a database the anchor does not know, or one migrated
    from an empty schema (`start_over`), gets a new id and a new trail. A database whose
    head was deleted keeps its id and its recorded head, so `verify` still reports what was
    lost. Heads written before migration 0006 are re-sealed with the id if their MAC holds.
    """
    mac = get_keyring().audit_mac
    key = anchor.database_key(connection.engine.url)
    head = connection.execute(select(AuditHead).where(AuditHead.id == 1)).first()
    if head is None:
        known = anchor.start(key, seq=0, last_hash=GENESIS, keep_id=not start_over)
        connection.execute(
            insert(AuditHead).values(
                id=1,
                seq=0,
                hash=GENESIS,
                mac=head_mac(known.database_id, 0, GENESIS, mac),
                database_id=known.database_id,
            )
        )
    elif head.database_id is None and head.mac == legacy_head_mac(head.seq, head.hash, mac):
        known = anchor.start(key, seq=head.seq, last_hash=head.hash)
        connection.execute(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(
                database_id=known.database_id,
                mac=head_mac(known.database_id, head.seq, head.hash, mac),
            )
        )
