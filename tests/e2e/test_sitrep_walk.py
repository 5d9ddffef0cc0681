"""The SITREP in Chromium: an ops officer reads today's report, picks a day from the record
(the Besham convoy bombing, 26 March 2024) and downloads it as a PDF."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

BESHAM = "Suicide car bomb on a convoy of Chinese engineers near Besham"


def test_ops_officer_reads_the_sitrep_and_downloads_the_pdf(walk) -> None:
    person = walk("ops.sindh")
    page = person.page
    person.go("/reports/sitrep")
    assert page.locator("h1").inner_text().startswith("SITREP")
    assert page.locator("text=need-to-know applied").count() == 1
    person.check("sitrep-today")

    page.fill("#f-date", "2024-03-27")
    page.click("form.sitrep-pick button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "date=2024-03-27" in page.url
    assert page.locator("h1").inner_text() == "SITREP 27 Mar 2024"
    assert BESHAM in page.content()
    assert page.locator("svg[role=img]").count() == 5  # two charts, the map, the trend twice
    person.check("sitrep-2024-03-27")

    href = page.get_attribute("a.button:has-text('PDF')", "href")
    assert href is not None
    response = page.request.get(person.server.url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
