"""Every page in every person's menu, in Chromium: it renders, has no serious or critical
accessibility violation (axe-core), and loads nothing from outside this machine."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

# One person per kind of work; approvers and the admin log in with their second factor.
PEOPLE = [
    "requester.shc",
    "ops.sindh",
    "approver.sindh",
    "approver.gsd",
    "escort.sindh",
    "analyst",
    "auditor",
    "admin",
    "protectee",
]


@pytest.mark.parametrize("username", PEOPLE)
def test_every_page_in_the_menu_is_usable(walk, username: str) -> None:
    person = walk(username)
    page = person.page
    links = page.eval_on_selector_all("nav.menu a", "els => els.map(e => e.getAttribute('href'))")
    if not links:  # the protectee's phone view has no menu bar
        links = ["/phone"]
    for href in links:
        person.go(href)
        assert page.locator("main").count() == 1, href
        assert "Something went wrong" not in page.content(), href
        assert "Not found" not in page.title(), href
        person.check(href.strip("/").replace("/", "-") or "home")
