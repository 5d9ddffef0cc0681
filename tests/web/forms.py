"""The form token of one particular form on a page.

`csrf_of` takes the first token on a page, which is the logout form's: a form whose own token
renders empty (a macro imported without the page's context) would go unnoticed. Posting the
token of the form being tested catches that."""

from __future__ import annotations

import re


def token_of_form(html: str, action: str) -> str:
    """The csrf_token inside the form that posts to `action`; fails if it is missing or empty."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, flags=re.S)
    assert form, f"no form posts to {action}"
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.group(1))
    assert token and token.group(1), f"the form posting to {action} carries no token"
    return token.group(1)
