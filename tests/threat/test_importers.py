"""Importing GTD and ACLED files: idempotent, all-or-nothing, errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jsms.cli.main import app
from jsms.threat.models import Incident
from tests.conftest import shared_data

runner = CliRunner()

GTD_HEADER = (
    "iyear,imonth,iday,provstate,city,latitude,longitude,suicide,attacktype1_txt,"
    "targtype1_txt,gname,weaptype1_txt,weapsubtype1_txt,nkill,nwound\n"
)
GTD_ROWS = (
    "2021,7,14,Khyber Pakhtunkhwa,Dasu,35.29,73.29,0,Bombing/Explosion,Business,"
    "Unknown,Explosives,Vehicle,13,28\n"
    "2024,3,26,Khyber Pakhtunkhwa,Besham,34.93,72.87,1,Bombing/Explosion,Business,"
    "Tehrik-i-Taliban Pakistan (TTP),Explosives,Vehicle,6,0\n"
    "2018,11,0,Sindh,Karachi,24.89,67.14,0,Armed Assault,Government (Diplomatic),"
    "Baloch Liberation Army (BLA),Firearms,Automatic Weapon,7,1\n"
)


def count(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count(Incident.id))) or 0


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_gtd_import_codes_rows_and_a_second_import_adds_nothing(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "gtd.csv"
    path.write_text(GTD_HEADER + GTD_ROWS)
    code, output = run("threat", "import", "gtd", str(path))
    assert code == 0, output
    assert "3 incidents added" in output.replace("\n", " ")
    assert count(db) == 3
    besham = db.scalar(select(Incident).where(Incident.place_name == "Besham"))
    assert besham is not None
    assert besham.attack_type == "suicide_attack"
    assert besham.perpetrator_attributed == "Tehrik-i-Taliban Pakistan (TTP)"
    assert besham.killed == 6
    assert besham.h3_cell is not None
    karachi = db.scalar(select(Incident).where(Incident.place_name == "Karachi"))
    assert karachi is not None and karachi.time_precision == "month"

    code, output = run("threat", "import", "gtd", str(path))
    assert code == 0
    assert "0 incidents added" in output.replace("\n", " ")
    assert count(db) == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("year,month\n2020,1\n", "missing column"),
        (GTD_HEADER + GTD_ROWS + "2024,10,6,Sindh,Karachi,24.9\n", "line 5"),
        (GTD_HEADER + GTD_ROWS + '2024,10,6,Sindh,"Karachi,24.9', "line 5"),
        ("<!doctype html><html><body>Not found</body></html>", "HTML"),
        (GTD_HEADER + GTD_ROWS.replace("13,28", "thirteen,28"), "line 2"),
        ("", "empty"),
    ],
    ids=["wrong-columns", "short-row", "truncated-quote", "html", "bad-number", "empty"],
)
def test_bad_files_are_refused_naming_the_line_and_import_nothing(
    db: Session, db_url: str, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code, output = run("threat", "import", "gtd", str(path))
    assert code == 2
    assert expected in output
    assert "Traceback" not in output
    assert count(db) == 0


def test_broken_encoding_names_the_line(db: Session, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (GTD_HEADER + GTD_ROWS).encode()
        + "2020,1,1,Sindh,Karāchi".encode("latin-1", errors="replace")
        + b"\xe9\xff,1,1\n"
    )
    code, output = run("threat", "import", "gtd", str(path))
    assert code == 2
    assert "line 5" in output and "UTF-8" in output
    assert count(db) == 0


@pytest.mark.parametrize(
    ("origin", "relative", "minimum"),
    [
        ("gtd", "gtd_pakistan/pakistan_gtd_2007_2018_processed.csv", 12_000),
        ("acled", "acled_balochistan/balochistan_cleaned_all.csv", 1_700),
    ],
)
def test_real_files_import_twice_with_identical_counts(
    db: Session, db_url: str, origin: str, relative: str, minimum: int
) -> None:
    data = shared_data()
    if data is None or not (data / relative).exists():
        pytest.skip("real datasets (../shared/data) not present")
    code, output = run("threat", "import", origin, str(data / relative))
    assert code == 0, output
    first = count(db)
    assert first >= minimum
    code, output = run("threat", "import", origin, str(data / relative))
    assert code == 0, output
    assert "0 incidents added" in output.replace("\n", " ")
    assert count(db) == first
