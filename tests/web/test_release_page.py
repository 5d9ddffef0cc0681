"""The movement page's "release the order now" form (host and guest approvers of a party)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.movements.models import Movement
from tests.movements.conftest import MovementWorld, approved, mworld
from tests.web.conftest import csrf_of

__all__ = ["approved", "mworld"]  # fixtures

REASON = "the guest team briefs the evening before departure"


def test_the_release_form_on_the_movement_page(
    db: Session, client: TestClient, browse, mworld: MovementWorld, approved: str
) -> None:
    browse("approver", agency_id=mworld.world.host_sindh)
    page = client.get(f"/movements/{approved}")
    assert 'action="/movements/' in page.text and "Release the order now" in page.text
    token = csrf_of(page.text)
    url = f"/movements/{approved}/release"
    bad = client.post(url, data={"csrf_token": token, "release_reason": "soon"})
    assert bad.status_code == 422 and 'id="e-release_reason"' in bad.text
    db.rollback()
    movement = db.get(Movement, approved)
    assert movement is not None
    due = movement.release_at
    assert due is not None
    ok = client.post(
        url, data={"csrf_token": token, "release_reason": REASON}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"].endswith("done=released")
    db.expire_all()
    movement = db.get(Movement, approved)
    assert movement is not None and movement.release_at is not None
    assert movement.release_at < due
    assert "Release the order now" not in client.get(f"/movements/{approved}").text
