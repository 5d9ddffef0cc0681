"""Readers for the public GTD and ACLED CSV layouts. Pure: a file in, incident records out.

A file is read and checked whole before anything is stored, so a bad file imports nothing.
Errors name the line. Each record carries a stable key (the dataset's own event id where the
layout has one, else a fingerprint of the row), which makes a second import add nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jsms.errors import Invalid
from jsms.geo.geometry import normalise_province
from jsms.threat.osint.types import ATTACK_TYPES

__all__ = ["ATTACK_TYPES", "IncidentRecord", "parse_acled", "parse_gtd", "read_csv"]


@dataclass
class IncidentRecord:
    origin: str
    external_key: str
    title: str
    occurred_at: datetime
    time_precision: str
    attack_type: str
    lat: float | None
    lon: float | None
    place_name: str | None = None
    province: str | None = None
    district: str | None = None
    target_type: str | None = None
    killed: int | None = None
    injured: int | None = None
    attackers_killed: int | None = None
    perpetrator_claimed: str | None = None
    perpetrator_attributed: str | None = None
    nationals: dict[str, dict[str, int | None]] = field(default_factory=dict)
    notes: str = ""


class FileProblem(Invalid):
    """A file that cannot be imported, with the line that shows why."""


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileProblem(f"{path}: is a folder, not a CSV file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        ) from None
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<")):
        raise FileProblem(f"{path}, line 1: this is HTML/XML, not a CSV file")
    if not head:
        raise FileProblem(f"{path}: the file is empty")
    return text


def read_csv(path: Path, required: set[str]) -> Iterator[tuple[int, dict[str, str], str]]:
    """Yield (line number, row, raw line) after checking header and field counts."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FileProblem(f"{path}, line 1: no CSV header ({exc})") from None
    header = [h.strip() for h in header]
    missing = sorted(required - set(header))
    if missing:
        raise FileProblem(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(h for h in header[:12] if h)}"
        )
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise FileProblem(
                    f"{path}, line {line}: expected {len(header)} fields, found "
                    f"{len(row)} (truncated or broken row)"
                )
            yield line, dict(zip(header, row, strict=True)), ",".join(row)
    except csv.Error as exc:
        raise FileProblem(
            f"{path}, line {reader.line_num or line}: {exc} (truncated file?)"
        ) from None


def _text(row: dict[str, str], column: str) -> str | None:
    """A text cell, trimmed; None when blank or missing."""
    return row.get(column, "").strip() or None


def _number(value: str, path: Path, line: int, column: str) -> float | None:
    """A numeric cell, None when empty, or the line named when it is not a number."""
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise FileProblem(f"{path}, line {line}: {column} is not a number ({value!r})") from None


def _int(value: str, path: Path, line: int, column: str) -> int | None:
    number = _number(value, path, line, column)
    if number is None or number < 0:
        return None  # GTD codes unknown as -99
    return int(number)


def _coord(value: str, path: Path, line: int, column: str, limit: float) -> float | None:
    number = _number(value, path, line, column)
    if number is not None and not -limit <= number <= limit:
        raise FileProblem(f"{path}, line {line}: {column} {number} is out of range")
    return number


class _Keys:
    """Stable keys for rows without an event id: identical rows are numbered in order."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.seen: Counter[str] = Counter()

    def key(self, raw: str) -> str:
        digest = hashlib.sha1(raw.encode()).hexdigest()[:24]
        self.seen[digest] += 1
        return f"fp-{digest}-{self.seen[digest]}"


GTD_REQUIRED = {
    "iyear",
    "imonth",
    "iday",
    "latitude",
    "longitude",
    "attacktype1_txt",
    "nkill",
    "nwound",
}


def _gtd_attack(row: dict[str, str]) -> str:
    kind = row.get("attacktype1_txt", "")
    weapon = (row.get("weapsubtype1_txt", "") + " " + row.get("weaptype1_txt", "")).lower()
    if row.get("suicide", "0").strip() in {"1", "1.0"}:
        return "suicide_attack"
    if "grenade" in weapon or "projectile" in weapon or "rocket" in weapon:
        return "rocket_grenade"
    if kind.startswith("Bombing"):
        return "vbied" if "vehicle" in weapon else "ied"
    if kind in {"Armed Assault", "Assassination"}:
        return "armed_assault"
    if kind.startswith("Hostage Taking") or kind == "Hijacking":
        return "kidnapping"
    return "other"


def parse_gtd(path: Path) -> list[IncidentRecord]:
    """Global Terrorism Database rows (full public layout or its column subset)."""
    keys = _Keys("gtd")
    records = []
    for line, row, raw in read_csv(path, GTD_REQUIRED):
        year = _int(row["iyear"], path, line, "iyear")
        month = _int(row["imonth"], path, line, "imonth") or 0
        day = _int(row["iday"], path, line, "iday") or 0
        if year is None or not 1970 <= year <= 2100 or not 0 <= month <= 12 or not 0 <= day <= 31:
            raise FileProblem(
                f"{path}, line {line}: impossible date {row['iyear']}-{row['imonth']}-{row['iday']}"
            )
        precision = "day" if day and month else ("month" if month else "year")
        try:
            occurred = datetime(year, month or 1, day or 1, tzinfo=UTC)
        except ValueError:
            raise FileProblem(
                f"{path}, line {line}: impossible date {year}-{month}-{day}"
            ) from None
        named = row.get("gname", "").strip()
        group = None if named in {"", "Unknown"} else named
        attack = _gtd_attack(row)
        city = _text(row, "city")
        target = _text(row, "targtype1_txt")
        records.append(
            IncidentRecord(
                origin="gtd",
                external_key=_text(row, "eventid") or keys.key(raw),
                title=f"{attack.replace('_', ' ')} at {city or 'unknown place'}"
                + (f" against {target.lower()}" if target else ""),
                occurred_at=occurred,
                time_precision=precision,
                attack_type=attack,
                lat=_coord(row["latitude"], path, line, "latitude", 90),
                lon=_coord(row["longitude"], path, line, "longitude", 180),
                place_name=city,
                province=normalise_province(row["provstate"]) if row.get("provstate") else None,
                target_type=target,
                killed=_int(row["nkill"], path, line, "nkill"),
                injured=_int(row["nwound"], path, line, "nwound"),
                attackers_killed=_int(row.get("nkillter", ""), path, line, "nkillter"),
                perpetrator_attributed=group,
                notes=(row.get("corp1") or "").strip(),
            )
        )
    return records


ACLED_REQUIRED = {
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "latitude",
    "longitude",
    "fatalities",
}
ACLED_SUBTYPES = {
    "remote explosive/landmine/ied": "ied",
    "suicide bomb": "suicide_attack",
    "shelling/artillery/missile attack": "rocket_grenade",
    "grenade": "rocket_grenade",
    "air/drone strike": "rocket_grenade",
    "armed clash": "armed_assault",
    "attack": "armed_assault",
    "abduction/forced disappearance": "kidnapping",
    "peaceful protest": "protest",
    "protest with intervention": "protest",
    "excessive force against protesters": "protest",
    "violent demonstration": "protest",
    "mob violence": "protest",
}


def _acled_date(value: str, path: Path, line: int) -> datetime:
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%b-%y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise FileProblem(f"{path}, line {line}: event_date {value!r} is not a date")


def parse_acled(path: Path) -> list[IncidentRecord]:
    """ACLED event rows (public export layout; event_id_cnty used when present)."""
    keys = _Keys("acled")
    records = []
    for line, row, raw in read_csv(path, ACLED_REQUIRED):
        notes = row.get("notes", "").strip()
        attack = ACLED_SUBTYPES.get(row["sub_event_type"].strip().lower(), "other")
        if attack == "ied" and "vehicle-borne" in notes.lower():
            attack = "vbied"
        actor = _text(row, "actor1")
        place = _text(row, "location")
        records.append(
            IncidentRecord(
                origin="acled",
                external_key=_text(row, "event_id_cnty") or keys.key(raw),
                title=f"{row['sub_event_type'].strip() or row['event_type'].strip()}"
                f" at {place or 'unknown place'}",
                occurred_at=_acled_date(row["event_date"], path, line),
                time_precision="day",
                attack_type=attack,
                lat=_coord(row["latitude"], path, line, "latitude", 90),
                lon=_coord(row["longitude"], path, line, "longitude", 180),
                place_name=place,
                province=normalise_province(row["admin1"]) if row.get("admin1") else None,
                district=_text(row, "admin2"),
                target_type=_text(row, "actor2"),
                killed=_int(row["fatalities"], path, line, "fatalities"),
                perpetrator_attributed=actor,
                notes=notes,
            )
        )
    return records
