"""The SITREP as a PDF: a valid file with the facts, the drawings, and safe text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy.orm import Session

from jsms.reports import figures, service
from jsms.reports.pdf import latin1, render_pdf
from jsms.threat.service import create_incident
from tests.reports import seed
from tests.reports.seed import Seeded


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _operator_pdf(db: Session) -> bytes:
    report = service.gather(db, None, seed.REQUEST, prepared_for="cli:test (operator)")
    return render_pdf(report, figures.draw(report))


def test_the_pdf_is_valid_and_carries_the_key_facts(db, seeded: Seeded) -> None:
    pdf = _operator_pdf(db)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "SITREP 27 Mar 2024" in text
    assert "26 Mar 2024 06:00 to 27 Mar 2024 06:00 PKT (UTC+5)" in text
    assert "RESTRICTED" in text
    assert seed.INSIDE in text
    assert seed.OUTSIDE not in text
    assert "Sindh (province)" in text and seed.REASON in text
    assert seeded.references["Completed run"] in text and seed.DEBRIEF in text
    assert "1 completed; 1 aborted; 1 rejected; 1 in progress" in text
    # the charts and the map are drawn into the file (their text is real PDF text)
    assert "Incidents by type" in text and "Incidents per day, last 30 days" in text
    assert "Incidents and level changes" in text


def test_text_outside_latin_1_is_printed_safely(db, seeded) -> None:
    create_incident(
        db,
        review_status="accepted",
        sources=[],
        title="Attack near Gwādar \u2014 \u653b\u6483 on \u201cthe\u201d port road",
        occurred_at=datetime(2024, 3, 26, 9, 0, tzinfo=UTC),
        time_precision="exact",
        attack_type="ied",
        province="Balochistan",
        lat=25.12,
        lon=62.32,
    )
    db.commit()
    text = _text(_operator_pdf(db))
    assert 'Attack near Gwadar - ?? on "the" port road' in text
    assert latin1("Gwādar \u2192 Pasni") == "Gwadar -> Pasni"
