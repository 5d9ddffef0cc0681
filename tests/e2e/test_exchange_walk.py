"""Information exchange in Chromium: the federal admin registers the guest detail's instance
as a partner (its secret shown once), is told beside the field what is wrong with an
agreement that shares no incidents, saves one up to TLP:GREEN with notes removed and
coordinates rounded; the auditor reads the partner and its agreement without any form."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

PARTNER = "Guest detail, Islamabad"


def test_an_admin_sets_up_a_partner_and_an_auditor_reads_it(walk) -> None:
    admin = walk("admin")
    page = admin.page
    admin.go("/exchange")
    admin.check("exchange")
    page.get_by_role("link", name="Register a partner").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Name of the partner instance").fill(PARTNER)
    page.get_by_label("Agency that runs it").select_option(
        label="Guest Nation Security Detail (guest, CN)"
    )
    page.get_by_label("Trust group").fill("cpec joint")
    page.get_by_label("Its TAXII 2.1 API root").fill("https://gsd.example/taxii2")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("networkidle")
    assert "ending in /" in page.locator("#e-taxii_url").inner_text()
    admin.check("partner-refused")
    page.get_by_label("Its TAXII 2.1 API root").fill("https://gsd.example/taxii2/cpec-joint/")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("networkidle")
    assert "Shown this once" in page.locator("main").inner_text()
    assert len(page.locator("code.secret").inner_text()) >= 40
    admin.check("partner-secret")

    page.get_by_role("link", name="Go to the partner").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Set the agreement").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("incident (incidents)").uncheck()
    page.get_by_role("button", name="Save as the new version").click()
    page.wait_for_load_state("networkidle")
    assert "shares incidents at least" in page.locator("#e-object_types").inner_text()
    admin.check("agreement-refused")
    page.get_by_label("incident (incidents)").check()
    page.get_by_label("analysts' notes").check()
    page.get_by_label("Round coordinates to this many decimals").fill("2")
    page.get_by_role("button", name="Save as the new version").click()
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    assert "Agreement version 1 is in force." in text and "rounded to 2 decimals" in text
    admin.check("partner")

    auditor = walk("auditor", phone=True)
    auditor.go("/exchange")
    auditor.page.get_by_role("link", name=PARTNER).click()
    auditor.page.wait_for_load_state("networkidle")
    text = auditor.page.locator("main").inner_text()
    assert "TLP:GREEN" in text and "analysts' notes" in text
    assert auditor.page.locator("main form").count() == 0
    auditor.check("auditor-partner")
