"""The SITREP page and its PDF, per role: need-to-know applied, refused where the policy
says, a bad date re-rendered with its reason, and each report in the audit trail."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from jsms.audit.models import AuditEvent
from jsms.movements.sop.local_time import DEFAULT_ZONE
from tests.movements.conftest import mworld
from tests.reports import seed
from tests.reports.seed import Seeded, seed_all

__all__ = ["mworld"]  # fixtures

PAGE = "/reports/sitrep?date=2024-03-27"


@pytest.fixture
def seeded(db, mworld) -> Seeded:
    return seed_all(db, mworld)


def _events(db, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_ops_officer_sees_the_days_incidents_level_changes_and_the_pdf_link(
    browse, client, seeded, mworld
) -> None:
    browse("ops_officer", agency_id=mworld.world.host_sindh)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.text
    assert "<h1>SITREP 27 Mar 2024</h1>" in page
    assert "26 Mar 2024 06:00 to 27 Mar 2024 06:00 PKT (UTC+5)" in page
    assert seed.INSIDE in page and seed.OUTSIDE not in page
    assert seed.REASON in page  # Sindh's override, with its reason
    assert 'href="/reports/sitrep.pdf?date=2024-03-27&amp;cutoff=06:00"' in page
    assert 'name="date"' in page and 'type="date"' in page
    assert "<svg" in page and 'class="bar"' in page


def test_an_officer_not_assigned_sees_movement_summaries_without_route_or_times(
    browse, client, seeded: Seeded, mworld
) -> None:
    browse("ops_officer", agency_id=mworld.world.host_sindh)
    page = client.get(PAGE).text
    assert seeded.references["Completed run"] in page
    assert "Summary only" in page
    assert seed.ORIGIN not in page and seed.DESTINATION not in page
    assert seed.DEBRIEF not in page
    assert "10:00 PKT" not in page  # the planned departure time


def test_the_requesting_company_sees_its_movements_in_full_and_the_reads_are_audited(
    browse, client, seeded: Seeded, mworld, db
) -> None:
    login = browse("requester", agency_id=mworld.world.company_a)
    page = client.get(PAGE).text
    assert seed.ORIGIN in page and seed.DEBRIEF in page and seed.ABORT in page
    assert "planned to leave 26 Mar 2024 10:00 PKT (UTC+5)" in page
    reads = _events(db, "movement.details.read")
    assert {e.object_id for e in reads if e.actor_id == login.user_id} == {
        seeded.completed,
        seeded.aborted,
        seeded.rejected,
        seeded.running,
    }
    report = _events(db, "report.sitrep")
    assert [(e.actor_id, e.detail["format"]) for e in report] == [(login.user_id, "html")]


def test_a_requester_of_another_company_does_not_see_these_movements(
    browse, client, seeded: Seeded, mworld
) -> None:
    browse("requester", agency_id=mworld.world.company_b)
    page = client.get(PAGE).text
    assert seed.INSIDE in page  # the threat picture is shared (TLP:GREEN)
    assert seed.AMBER not in page  # but not TLP:AMBER
    for reference in seeded.references.values():
        assert reference not in page
    assert seed.ORIGIN not in page


def test_a_protectee_is_refused_with_a_page(browse, client, seeded, mworld, db) -> None:
    browse("protectee", person_id=mworld.passengers[0])
    response = client.get(PAGE)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Not allowed" in response.text
    assert client.get("/reports/sitrep.pdf?date=2024-03-27").status_code == 403
    assert _events(db, "report.sitrep") == []


def test_a_bad_date_re_renders_the_form_with_the_reason_and_records_nothing(
    browse, client, seeded, db
) -> None:
    browse("analyst")
    before = db.scalar(select(func.count(AuditEvent.seq)))
    response = client.get("/reports/sitrep?date=2024-02-30&cutoff=07:30")
    assert response.status_code == 422
    assert 'id="e-date"' in response.text
    assert "&#39;2024-02-30&#39; is not a date" in response.text
    assert 'value="07:30"' in response.text  # the person's other input is kept
    db.rollback()
    assert db.scalar(select(func.count(AuditEvent.seq))) == before


def test_a_bad_cut_off_and_a_future_date_are_refused_beside_their_fields(
    browse, client, seeded
) -> None:
    browse("analyst")
    response = client.get("/reports/sitrep?date=2024-03-27&cutoff=25:00")
    assert response.status_code == 422 and 'id="e-cutoff"' in response.text
    response = client.get("/reports/sitrep.pdf?date=2099-01-01")
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert "has not begun yet" in response.text


def test_the_default_date_is_today(browse, client, seeded) -> None:
    browse("analyst")
    today = datetime.now(DEFAULT_ZONE.tz).date()
    page = client.get("/reports/sitrep").text
    assert f"<h1>SITREP {today:%d %b %Y}</h1>" in page
    assert f'value="{today.isoformat()}"' in page


def test_the_pdf_is_the_readers_own_report(browse, client, seeded: Seeded, mworld, db) -> None:
    login = browse("requester", agency_id=mworld.world.company_b)
    response = client.get("/reports/sitrep.pdf?date=2024-03-27")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert seed.INSIDE in text and "need-to-know applied" in text
    assert seed.AMBER not in text
    assert seeded.references["Completed run"] not in text
    report = _events(db, "report.sitrep")
    assert [(e.actor_id, e.detail["format"]) for e in report] == [(login.user_id, "pdf")]
