"""Writing checked fixes: multi-row inserts that skip a (device, fix time) already stored and
say which rows went in, and the devices' last fix.

The insert is the positions table's own columns in one statement per 2,000 rows, sent on
the transaction's own DBAPI cursor with values already in the driver's form (SQLAlchemy's
executemany spent about 35 µs a row on per-row type processing, and its result rows about
2 µs more each for the RETURNING). The database's own work stays: on SQLite here the insert
with its three indexes and two foreign keys, the devices' update and the commit take 40-60
µs a row of SQLite's C code (docs/performance.md, "Ingest").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from jsms.tracking.directory import KnownDevice
from jsms.tracking.fixes import Fix
from jsms.tracking.models import Position

__all__ = ["Row", "insert_positions", "note_last_fixes"]

COLUMNS = (
    "device_id",
    "movement_id",
    "fixed_at",
    "received_at",
    "lat",
    "lon",
    "speed_mps",
    "bearing",
    "altitude_m",
    "accuracy_m",
    "battery",
    "alarm",
    "source",
)
ROWS_PER_STATEMENT = 2_000  # 26,000 parameters: under SQLite's 32,766 and PostgreSQL's 65,535
assert set(COLUMNS) | {"seq"} == set(Position.__table__.columns.keys())


@dataclass(slots=True)
class Row:
    """One checked fix on its way into the positions table."""

    fix: Fix
    device: KnownDevice
    movement_id: str | None
    role: str
    owner: int = 0  # which request of the commit brought it (the first, for a repeat)


def _sqlite_time(moment: datetime) -> str:
    """How SQLAlchemy stores a UTC time in SQLite (jsms.db.UTCDateTime), to the microsecond."""
    if moment.tzinfo is UTC:  # what the protocols make: no conversion, drop the "+00:00"
        return moment.isoformat(" ", "microseconds")[:-6]
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_positions(
    connection: Connection, rows: list[Row], received_at: datetime
) -> list[tuple[int, Row]]:
    """Insert `rows`; those actually inserted (not already stored), with their seq."""
    if connection.dialect.name == "postgresql":
        return _insert_postgres(connection, rows, received_at)
    received = _sqlite_time(received_at)
    values_of_one = "(" + ",".join(["?"] * len(COLUMNS)) + ")"
    inserted: list[tuple[int, Row]] = []
    cursor = connection.connection.cursor()  # the transaction's own DBAPI connection
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        by_key: dict[tuple[str, Any], Row] = {}
        parameters: list[Any] = []
        for row in chunk:
            fix = row.fix
            fixed_at = _sqlite_time(fix.fixed_at)
            by_key[(row.device.id, fixed_at)] = row
            parameters += (
                row.device.id,
                row.movement_id,
                fixed_at,
                received,
                fix.lat,
                fix.lon,
                fix.speed_mps,
                fix.bearing,
                fix.altitude_m,
                fix.accuracy_m,
                fix.battery,
                fix.alarm,
                fix.source,
            )
        statement = (
            f"INSERT INTO positions ({', '.join(COLUMNS)}) VALUES "
            + ", ".join([values_of_one] * len(chunk))
            + " ON CONFLICT (device_id, fixed_at) DO NOTHING RETURNING seq, device_id, fixed_at"
        )
        cursor.execute(statement, parameters)
        inserted += [(seq, by_key[(device_id, at)]) for seq, device_id, at in cursor.fetchall()]
    cursor.close()
    inserted.sort(key=lambda pair: pair[0])
    return inserted


# PostgreSQL: one statement whatever the number of rows, a column per array parameter. A
# statement of 2,000 rows of placeholders (26,000 %s) is longer than psycopg caches, and
# psycopg re-parsed it in Python on every execution: about 60 µs a row.
_POSTGRES_INSERT = (
    f"INSERT INTO positions ({', '.join(COLUMNS)}) "
    "SELECT d, m, f, %s::timestamptz, la, lo, sp, be, al, ac, ba, ar, so FROM unnest("
    "%s::text[], %s::text[], %s::timestamptz[], %s::float8[], %s::float8[], %s::float8[], "
    "%s::float8[], %s::float8[], %s::float8[], %s::float8[], %s::text[], %s::text[]"
    ") AS v (d, m, f, la, lo, sp, be, al, ac, ba, ar, so) "
    "ON CONFLICT (device_id, fixed_at) DO NOTHING RETURNING seq, device_id, fixed_at"
)


def _insert_postgres(
    connection: Connection, rows: list[Row], received_at: datetime
) -> list[tuple[int, Row]]:
    if not rows:
        return []
    fixes = [row.fix for row in rows]
    by_key = {(row.device.id, row.fix.fixed_at): row for row in rows}
    parameters = (
        received_at,
        [row.device.id for row in rows],
        [row.movement_id for row in rows],
        [fix.fixed_at for fix in fixes],
        [fix.lat for fix in fixes],
        [fix.lon for fix in fixes],
        [fix.speed_mps for fix in fixes],
        [fix.bearing for fix in fixes],
        [fix.altitude_m for fix in fixes],
        [fix.accuracy_m for fix in fixes],
        [fix.battery for fix in fixes],
        [fix.alarm for fix in fixes],
        [fix.source for fix in fixes],
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_POSTGRES_INSERT, parameters)
        found = cursor.fetchall()
    finally:
        cursor.close()
    return sorted(((seq, by_key[(device_id, at)]) for seq, device_id, at in found), key=_first)


def _first(pair: tuple[int, Row]) -> int:
    return pair[0]


def note_last_fixes(connection: Connection, inserted: list[tuple[int, Row]]) -> None:
    """devices.last_fix_at moves forward only (a late fix does not pull it back). One
    UPDATE ... FROM (VALUES ...) per 2,000 devices (PostgreSQL: FROM unnest(arrays), one in
    all); the device's updated_at is left alone, so the registry's change polling ignores
    it."""
    newest: dict[str, datetime] = {}
    for _seq, row in inserted:
        device_id, fixed_at = row.device.id, row.fix.fixed_at
        if device_id not in newest or fixed_at > newest[device_id]:
            newest[device_id] = fixed_at
    if connection.dialect.name == "postgresql":
        if newest:
            connection.exec_driver_sql(
                "UPDATE devices SET last_fix_at = v.at "
                "FROM unnest(%s::text[], %s::timestamptz[]) AS v (id, at) "
                "WHERE devices.id = v.id "
                "AND (devices.last_fix_at IS NULL OR devices.last_fix_at < v.at)",
                (list(newest), list(newest.values())),
            )
        return
    items = list(newest.items())
    for start in range(0, len(items), ROWS_PER_STATEMENT):
        chunk = items[start : start + ROWS_PER_STATEMENT]
        values = ", ".join(["(?, ?)"] * len(chunk))
        parameters = [value for k, at in chunk for value in (k, _sqlite_time(at))]
        connection.exec_driver_sql(
            f"UPDATE devices SET last_fix_at = v.column2 FROM (VALUES {values}) AS v "
            "WHERE devices.id = v.column1 "
            "AND (devices.last_fix_at IS NULL OR devices.last_fix_at < v.column2)",
            tuple(parameters),
        )
