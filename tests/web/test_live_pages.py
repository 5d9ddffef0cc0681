"""The ops dashboard and the alert pages: the alerts a control room may see, most severe
first; acknowledge, resolve with a note and escalate as forms (the form's own token, the
role, the audit trail), refusals beside the field with nothing changed; outsiders refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jsms.alerts.models import Alert
from tests.movements.conftest import approved, mworld
from tests.web.forms import token_of_form
from tests.web.live_world import (
    AIRPORT,
    LiveWorld,
    audit_count,
    deviation,
    live,
    quick_hashing,
    raise_finding,
    store_position,
)

__all__ = ["approved", "live", "mworld", "quick_hashing"]


def _alert(db: Session, alert_id: str) -> Alert:
    db.rollback()
    alert = db.get(Alert, alert_id)
    assert alert is not None
    return alert


def test_the_dashboard_lists_the_control_rooms_alerts_most_severe_first_with_actions(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    warning = raise_finding(db, deviation(live))
    critical = raise_finding(
        db, deviation(live, kind="sos", severity="critical", key="sos-1", title="SOS pressed")
    )
    store_position(db, live, live.tracker, *AIRPORT)
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    page = client.get("/live")
    assert page.status_code == 200
    html = page.text
    assert html.index(critical.title) < html.index(warning.title)
    assert f'action="/alerts/{warning.id}/acknowledge"' in html
    assert token_of_form(html, f"/alerts/{warning.id}/resolve")
    assert 'aria-label="Progress of' in html  # the movement on the road, with its progress
    assert 'id="live-config"' in html and "/static/live.js" in html
    assert audit_count(db, "alert.list") >= 1


def test_an_escort_commander_sees_the_alerts_but_no_buttons_and_a_company_is_refused(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    browse("escort_commander", agency_id=live.mworld.world.host_sindh)
    html = client.get("/live").text
    assert alert.title in html and "/acknowledge" not in html
    browse("requester", agency_id=live.mworld.world.company_a)
    refused = client.get("/live")
    assert refused.status_code == 403 and "may not see alerts" in refused.text


def test_an_ops_officer_acknowledges_from_the_dashboard_and_the_timeline_says_so(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    login = browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    token = token_of_form(client.get("/live").text, f"/alerts/{alert.id}/acknowledge")
    done = client.post(
        f"/alerts/{alert.id}/acknowledge",
        data={"csrf_token": token, "next": "/live"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/live?done=acknowledged"
    acknowledged = _alert(db, alert.id)
    assert acknowledged.status == "acknowledged"
    assert acknowledged.acknowledged_by == login.username
    assert [e.action for e in acknowledged.events][-1] == "acknowledged"
    assert audit_count(db, "alerts.update", alert.id) >= 1
    assert "Acknowledged: it stops climbing" in client.get("/live?done=acknowledged").text
    again = client.post(
        f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token, "next": "/live"}
    )
    assert again.status_code == 409 and "already acknowledged" in again.text


def test_resolving_needs_a_note_told_beside_it_and_nothing_changes(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    browse("approver", agency_id=live.mworld.world.host_sindh)
    token = token_of_form(client.get(f"/alerts/{alert.id}").text, f"/alerts/{alert.id}/resolve")
    refused = client.post(f"/alerts/{alert.id}/resolve", data={"csrf_token": token, "note": "ok"})
    assert refused.status_code == 422
    assert 'id="e-resolve_note"' in refused.text and ">ok</textarea>" in refused.text
    assert _alert(db, alert.id).status == "open"
    resolved = client.post(
        f"/alerts/{alert.id}/resolve",
        data={"csrf_token": token, "note": "convoy rerouted round a roadblock, back on route"},
        follow_redirects=False,
    )
    assert resolved.headers["location"] == f"/alerts/{alert.id}?done=resolved"
    closed = _alert(db, alert.id)
    assert closed.status == "resolved" and closed.events[-1].note.startswith("convoy rerouted")


def test_escalating_by_hand_climbs_one_step(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    token = token_of_form(client.get(f"/alerts/{alert.id}").text, f"/alerts/{alert.id}/escalate")
    client.post(f"/alerts/{alert.id}/escalate", data={"csrf_token": token, "note": "no answer"})
    climbed = _alert(db, alert.id)
    assert climbed.escalation_step == 1 and climbed.events[-1].action == "escalated"


def test_a_form_without_its_token_changes_nothing(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    for action in ("acknowledge", "escalate", "resolve"):
        refused = client.post(f"/alerts/{alert.id}/{action}", data={"note": "without a token"})
        assert refused.status_code == 403
    unchanged = _alert(db, alert.id)
    assert unchanged.status == "open" and unchanged.escalation_step == 0


def test_an_agency_not_involved_learns_nothing_and_may_not_act(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    browse("ops_officer", agency_id=live.mworld.world.host_kp)
    assert alert.title not in client.get("/live").text
    assert client.get(f"/alerts/{alert.id}").status_code == 404
    token = token_of_form(client.get("/live").text, "/logout")
    refused = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 404
    assert _alert(db, alert.id).status == "open"
    assert audit_count(db, "alert.read", alert.id) >= 1  # the miss is on the record


def test_the_alert_page_is_audited_and_shows_the_timeline(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    alert = raise_finding(db, deviation(live))
    browse("approver", agency_id=live.mworld.world.guest)
    page = client.get(f"/alerts/{alert.id}")
    assert page.status_code == 200 and "opened" in page.text and alert.title in page.text
    assert audit_count(db, "alert.read", alert.id) == 1


def test_the_road_panel_alone_lists_the_movement_with_its_progress(
    db: Session, client: TestClient, browse, live: LiveWorld
) -> None:
    store_position(db, live, live.tracker, *AIRPORT)
    browse("ops_officer", agency_id=live.mworld.world.host_sindh)
    panel = client.get("/live/panel/road")
    assert panel.status_code == 200 and "<html" not in panel.text
    assert f'data-movement="{live.movement_id}" data-status="in_progress"' in panel.text
    assert "% of the route" in panel.text
    browse("ops_officer", agency_id=live.mworld.world.host_kp)
    assert live.movement_id not in client.get("/live/panel/road").text
