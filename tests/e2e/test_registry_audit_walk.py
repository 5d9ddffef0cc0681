"""The registry and the audit trail in Chromium: a company's requester shows a worker's personal
data with a reason, a host approver reads a deployment authorisation's scope on its map, and an
auditor finds that read in the trail, asks who knew a movement, and traces a leaked order copy
back to the person it was issued to."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REASON = "booking the medical evacuation flight"
LEAKED_MOVEMENT = "MV-2026-00004"  # departs in days: every read of it counts for who-knew


def _show_personal_data(walk) -> None:
    person = walk("requester.shc")
    page = person.page
    person.go("/registry/persons")
    person.check("persons")
    page.locator("table a").first.click()
    page.wait_for_load_state("networkidle")
    assert "••••" in page.locator("dl.pii").inner_text()
    person.check("person")
    page.get_by_label("Why do you need this person's personal data?").fill(REASON)
    page.get_by_role("button", name="Show personal data").click()
    page.wait_for_load_state("networkidle")
    assert "Shown for this page only" in page.locator("main").inner_text()
    assert "••••" not in page.locator("dl.pii").inner_text()
    person.check("person-pii")


def _scope_map(walk) -> None:
    person = walk("approver.sindh")
    page = person.page
    person.go("/registry/authorisations")
    person.check("authorisations")
    page.get_by_role("link", name="DA-SPU-SINDH-0001").click()
    page.wait_for_selector('[data-map="scope-map"][data-ready="true"]')
    layers = page.locator(".leaflet-control-layers").inner_text()
    assert "Provinces granted" in layers and "SPU-SINDH jurisdiction" in layers
    assert page.locator('[data-map="scope-map"] canvas, [data-map="scope-map"] path').count()
    assert "Revoke now" in page.content()  # Sindh granted it, so Sindh may revoke it
    person.check("authorisation-scope")
    person.go("/registry/authorisations/check")
    page.get_by_label("Unit").select_option(label="GSD-CP-1 · Close Protection Team 1 (Karachi)")
    page.get_by_label("Town").fill("Karachi")
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state("networkidle")
    assert "Yes: it may act there" in page.locator("main").inner_text()
    person.check("authorisation-check")


def _leaked_copy(walk, folder: Path) -> Path:
    """requester.rlh takes their own copy of the order, which then 'leaks'."""
    person = walk("requester.rlh")
    request = person.page.request
    listed = request.get(f"{person.server.url}/api/v1/movements?per_page=200").json()
    [movement] = [m for m in listed["items"] if m["reference"] == LEAKED_MOVEMENT]
    copy = request.get(f"{person.server.url}/api/v1/movements/{movement['id']}/order?format=html")
    assert copy.ok, copy.text()
    leaked = folder / "forwarded-order.html"
    leaked.write_bytes(copy.body())
    return leaked


def test_personal_data_scope_maps_and_the_audit_trail(walk, tmp_path: Path) -> None:
    _show_personal_data(walk)
    _scope_map(walk)
    leaked = _leaked_copy(walk, tmp_path)

    person = walk("auditor")
    page = person.page
    person.go("/audit")
    page.get_by_label("Action").fill("person.pii.read")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("networkidle")
    events = page.locator("table.audit").inner_text()
    assert REASON in events and "requester.shc" in events
    person.check("audit-search")

    page.get_by_role("link", name="Who knew a movement?").click()
    page.get_by_label("Movement reference").fill(LEAKED_MOVEMENT)
    page.get_by_role("button", name="Show who knew").click()
    page.wait_for_load_state("networkidle")
    assert "requester.rlh" in page.locator("main table").inner_text()
    person.check("who-knew")

    person.go("/audit/leaks")
    page.get_by_label("Leaked file (text, HTML or PDF)").set_input_files(leaked)
    page.get_by_label("Only copies of this movement (optional)").fill(LEAKED_MOVEMENT)
    page.get_by_role("button", name="Trace").click()
    page.wait_for_load_state("networkidle")
    verdict = page.locator("#h-suspects").inner_text()
    assert verdict == f"Most likely source: requester.rlh ({LEAKED_MOVEMENT})"
    person.check("leak-trace")
