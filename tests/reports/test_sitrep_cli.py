"""`jsms report sitrep`: writes the operator's full report and says where; bad input is one
line and exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from jsms.audit.models import AuditEvent
from tests.cli.runner import JSMS, jsms, one_line
from tests.reports import seed


def _refused(*args: str) -> str:
    result = jsms("report", "sitrep", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_bad_date_is_refused_with_one_line(db_url: str) -> None:
    assert "'2024-02-30' is not a date" in _refused("--date", "2024-02-30")
    assert "YYYY-MM-DD" in _refused("--date", "27/03/2024")


def test_a_bad_format_or_cut_off_is_refused(db_url: str) -> None:
    assert "--format must be html or pdf" in _refused("--date", "2024-03-27", "--format", "doc")
    assert "--cutoff" in _refused("--date", "2024-03-27", "--cutoff", "25:00")


def test_a_date_whose_period_has_not_begun_is_refused(db_url: str) -> None:
    assert "has not begun yet" in _refused("--date", "2099-01-01")


def test_the_html_report_is_written_where_asked_and_audited(db, seeded, tmp_path: Path) -> None:
    target = tmp_path / "morning.html"
    result = jsms("report", "sitrep", "--date", "2024-03-27", "--output", str(target))
    assert result.returncode == 0, result.stderr
    said = one_line(result.stdout)
    assert str(target) in said and "RESTRICTED" in said
    assert len(result.stdout.strip().splitlines()) == 1
    page = target.read_text()
    assert seed.INSIDE in page and seed.OUTSIDE not in page
    assert "RESTRICTED" in page and seed.ORIGIN in page  # the operator's report is full
    assert "<script" not in page
    db.rollback()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "report.sitrep"))
    assert event is not None
    assert event.actor_name.startswith("cli:")
    assert event.detail["file"] == "morning.html" and event.detail["restricted"] is True


def test_the_pdf_goes_to_the_default_name_in_the_current_folder(db, seeded, tmp_path) -> None:
    result = subprocess.run(
        [JSMS, "report", "sitrep", "--date", "2024-03-27", "--format", "pdf"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / "sitrep-2024-03-27.pdf"
    assert str(written) in one_line(result.stdout)
    text = " ".join(PdfReader(written).pages[0].extract_text().split())
    assert seed.INSIDE in text
