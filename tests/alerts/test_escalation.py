"""The escalation loop is a function of `now`: an unacknowledged SOS climbs the ladder at
60 s and 3 min, each step notifying the contact points it names; acknowledging stops it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import contacts, service, worker
from jsms.alerts.ladders import _parse, ladder_for
from jsms.alerts.models import Alert, Notification
from jsms.identity.roles import Role, Side
from tests.alerts.conftest import actor_of, finding
from tests.movements.conftest import MovementWorld


def _points(db: Session, mworld: MovementWorld, hook: str) -> dict[str, str]:
    w = mworld.world
    admin = actor_of(w.host_sindh, Side.HOST, Role.ADMIN)
    made = {
        "sindh-room": contacts.create_point(
            db, admin, agency_id=w.host_sindh, channel="webhook", target=hook
        ),
        "guest-room": contacts.create_point(
            db, admin, agency_id=w.guest, channel="webhook", target=hook, from_step=1
        ),
        "company-duty": contacts.create_point(
            db, admin, agency_id=w.company_a, channel="webhook", target=hook, from_step=2
        ),
        "kp-room": contacts.create_point(  # not on this movement: never hears of it
            db, admin, agency_id=w.host_kp, channel="webhook", target=hook
        ),
        "info-only": contacts.create_point(
            db,
            admin,
            agency_id=w.host_sindh,
            channel="webhook",
            target=hook,
            min_severity="critical",
            from_step=9,
        ),
    }
    db.commit()
    return {name: point.id for name, point in made.items()}


def _heard(db: Session, alert_id: str) -> set[tuple[str, int]]:
    db.expire_all()
    return {
        (n.contact_point_id, n.step)
        for n in db.scalars(select(Notification).where(Notification.alert_id == alert_id))
    }


def test_an_unacknowledged_sos_climbs_the_ladder_in_time(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, endpoint
) -> None:
    hook = endpoint()
    points = _points(db, mworld, hook.url)
    sos = finding(on_the_road, kind="sos", severity="critical", key=f"sos:{on_the_road}:dev1")
    alert = service.raise_alert(db, sos)
    db.commit()
    opened = alert.opened_at
    # step 0 at once: the movement's control rooms whose contact points hear from step 0
    assert _heard(db, alert.id) == {(points["sindh-room"], 0)}
    worker.tick(db_url, opened + timedelta(seconds=59))
    assert db.get(Alert, alert.id).escalation_step == 0
    report = worker.tick(db_url, opened + timedelta(seconds=60))
    assert report.escalated == 1
    assert _heard(db, alert.id) == {
        (points["sindh-room"], 0),
        (points["sindh-room"], 1),
        (points["guest-room"], 1),
    }
    worker.tick(db_url, opened + timedelta(minutes=3))
    heard = _heard(db, alert.id)
    assert (points["company-duty"], 2) in heard
    assert not any(p in (points["kp-room"], points["info-only"]) for p, _ in heard)
    # the top of the ladder: nothing more happens however long it waits
    assert worker.tick(db_url, opened + timedelta(hours=5)).escalated == 0
    alert = db.get(Alert, alert.id)
    assert alert.escalation_step == 2 and alert.next_escalation_at is None
    actions = [e.action for e in alert.events]
    assert actions.count("escalated") == 2 and "notified" in actions
    # every notification reached the local webhook, signed payload with the step
    steps = sorted(json.loads(body)["step"] for _, body in hook.received)
    assert steps == [0, 1, 1, 2, 2, 2]  # step 2: all three rooms, the duty approvers too


def test_acknowledging_stops_the_climb(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, endpoint
) -> None:
    _points(db, mworld, endpoint().url)
    sos = finding(on_the_road, kind="sos", severity="critical", key=f"sos:{on_the_road}:dev1")
    alert = service.raise_alert(db, sos)
    db.commit()
    ops = actor_of(mworld.world.host_sindh, Side.HOST, Role.OPS_OFFICER)
    service.acknowledge(db, ops, alert.id, "QRF dispatched")
    db.commit()
    worker.tick(db_url, alert.opened_at + timedelta(minutes=10))
    db.expire_all()
    assert db.get(Alert, alert.id).escalation_step == 0


def test_two_loops_at_the_same_moment_take_each_step_once(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, endpoint
) -> None:
    from jsms.db import new_session

    _points(db, mworld, endpoint().url)
    sos = finding(on_the_road, kind="sos", severity="critical", key=f"sos:{on_the_road}:dev1")
    alert = service.raise_alert(db, sos)
    db.commit()
    later = alert.opened_at + timedelta(seconds=61)
    other = new_session(db_url)  # a second loop that read the due alert before the first climbed
    stale = other.get(Alert, alert.id)
    assert stale is not None and stale.escalation_step == 0
    report = worker.tick(db_url, later)
    assert report.escalated == 1
    assert service.climb(other, stale, "loop-2", "", later) is False

    other.commit()
    other.close()
    db.expire_all()
    fresh = db.get(Alert, alert.id)
    assert fresh.escalation_step == 1
    assert [e.action for e in fresh.events].count("escalated") == 1


def test_the_packaged_ladders_match_the_brief() -> None:
    sos = ladder_for("sos", "critical")
    assert [s.after.total_seconds() for s in sos.steps] == [0, 60, 180]
    assert {str(s) for s in sos.steps[1].sides} == {"host", "guest"}
    assert ladder_for("deviation", "warning").name == "warning"


@pytest.mark.parametrize(
    "toml",
    [
        '[[ladder]]\nname="x"\nkinds=["nonsense"]\nseverities=["info"]\nsteps=[{after_s=0,sides=["host"],note=""}]',
        '[[ladder]]\nname="x"\nkinds=["*"]\nseverities=["info"]\nsteps=[{after_s=5,sides=["host"],note=""}]',
        '[[ladder]]\nname="x"\nkinds=["*"]\nseverities=["info"]\nsteps=[{after_s=0,sides=["host"],note=""},{after_s=0,sides=["host"],note=""}]',
    ],
    ids=["unknown-kind", "late-first-step", "steps-out-of-order"],
)
def test_a_broken_ladder_file_is_refused(toml: str) -> None:
    with pytest.raises(ValueError):
        _parse(toml)
