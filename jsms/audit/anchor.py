"""The audit anchor: what the chain head must at least be, kept outside the database.

A head row restored from an older backup, or copied from another database migrated with the
same key, carries a valid MAC. So each database gets a random id when it is first migrated,
the head's MAC covers that id, and a small JSON file next to the key file (mode 0600) records
per database URL its id and the newest head committed (number and hash). `jsms audit verify`
compares the head with it: an older head, a head of another database, or a different event
at the recorded number is a break.

The file is advanced after each commit that appended events, under an exclusive file lock
(several server processes and CLI commands may write), written to a temporary file, fsync'd
and renamed into place. It only ever moves forward, and only along the chain it recorded:
an append first checks that the chain it extends still holds the recorded event.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import URL, Connection

from jsms.audit.chain import GENESIS
from jsms.audit.models import AuditEvent
from jsms.config import get_settings

__all__ = [
    "Anchor",
    "AnchorError",
    "advance",
    "anchor_path",
    "database_key",
    "read",
    "replace",
    "start",
    "witness",
]

log = logging.getLogger("jsms.audit")

FORMAT = 1


class AnchorError(Exception):
    """The anchor file cannot be read or written."""


@dataclass(frozen=True)
class Anchor:
    """A database's id and the newest head committed to it, as last recorded."""

    database_id: str
    seq: int
    hash: str


def anchor_path() -> Path:
    """`keys.json` -> `keys.audit-anchor.json`, beside the key file."""
    key_file = get_settings().key_file
    return key_file.with_name(f"{key_file.stem}.audit-anchor.json")


def database_key(url: URL) -> str:
    """How the anchor names a database: its URL without password, SQLite paths absolute."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:///{Path(url.database or '').resolve()}"
    user = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    return f"{backend}://{user}{url.host or ''}{port}/{url.database or ''}"


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"format": FORMAT, "databases": {}}
    if not isinstance(data, dict) or not isinstance(data.get("databases"), dict):
        raise ValueError(f"{path} is not an audit anchor file")
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    """Atomic: a temporary file, fsync'd, renamed over the old one. A crash just after may
    leave the previous anchor (a few events behind, which only weakens the check), never a
    torn one."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextmanager
def _locked(path: Path) -> Iterator[dict[str, Any]]:
    """The anchor data under an exclusive lock; saved when the block changed it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _load(path)
        before = json.dumps(data, sort_keys=True)
        yield data
        if json.dumps(data, sort_keys=True) != before:
            _save(path, data)
    finally:
        os.close(fd)  # closing releases the lock


def _anchor(entry: dict[str, Any]) -> Anchor:
    return Anchor(str(entry["id"]), int(entry["seq"]), str(entry["hash"]))


def read(key: str) -> Anchor | None:
    """The anchor recorded for database `key`, or None when the file has none."""
    entry = _load(anchor_path())["databases"].get(key)
    return _anchor(entry) if entry else None


def start(key: str, *, seq: int, last_hash: str, keep_id: bool = True) -> Anchor:
    """Record database `key` at head (`seq`, `last_hash`), e.g. its genesis at migration.

    With `keep_id`, a database the file already knows keeps its id (and its recorded head,
    if that is newer); otherwise it gets a new id: a new trail.
    """
    try:
        with _locked(anchor_path()) as data:
            entry = data["databases"].get(key)
            if entry and keep_id:
                if seq > int(entry["seq"]):
                    entry.update(seq=seq, hash=last_hash)
                return _anchor(entry)
            fresh = {
                "id": str(uuid.uuid4()),
                "seq": seq,
                "hash": last_hash,
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            data["databases"][key] = fresh
            return _anchor(fresh)
    except (OSError, ValueError) as exc:
        raise AnchorError(f"cannot record the database in the audit anchor: {exc}") from None


def replace(key: str, new: Anchor) -> Anchor:
    """Set database `key`'s anchor outright (an operator accepting a restored head)."""
    try:
        with _locked(anchor_path()) as data:
            entry = data["databases"].setdefault(key, {})
            entry.update(id=new.database_id, seq=new.seq, hash=new.hash)
            entry.setdefault("started_at", datetime.now(UTC).isoformat(timespec="seconds"))
            entry["accepted_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    except (OSError, ValueError) as exc:
        raise AnchorError(f"cannot write the audit anchor: {exc}") from None
    return new


def witness(connection: Connection, key: str, extended: Anchor) -> tuple[Anchor, ...]:
    """The anchors a commit may move on from: the recorded one and the head this append
    extended (`extended`), if that chain still holds the recorded event; none otherwise, so
    the anchor stays where a rollback left it."""
    try:
        known = read(key)
    except (OSError, ValueError) as exc:
        log.error("cannot read the audit anchor %s: %s", anchor_path(), exc)
        return ()
    if known is None or known.database_id != extended.database_id:
        return ()
    if known.seq > extended.seq:
        log.error(
            "audit head %s is behind the anchor's %s: events were removed", extended.seq, known.seq
        )
        return ()
    held = (
        GENESIS
        if known.seq == 0
        else connection.scalar(select(AuditEvent.hash).where(AuditEvent.seq == known.seq))
    )
    if held != known.hash:
        log.error("audit event %s differs from the one the anchor recorded", known.seq)
        return ()
    return (known, extended)


def advance(key: str, *, along: tuple[Anchor, ...], seq: int, last_hash: str) -> None:
    """Record a newly committed head, if the anchor is still one the append found on its
    chain (`along`); otherwise it lags, and a later commit moves it."""
    try:
        with _locked(anchor_path()) as data:
            entry = data["databases"].get(key)
            if entry is None or _anchor(entry) not in along:
                return
            if seq > int(entry["seq"]):
                entry.update(seq=seq, hash=last_hash)
    except (OSError, ValueError) as exc:
        # The events are committed already; a lagging anchor only weakens the rollback check.
        log.error("could not advance the audit anchor %s: %s", anchor_path(), exc)
