"""An alert's life: opened once per episode, repeats counted without new notifications, who
must hear of it, acknowledged, resolved with a timeline, and quiet after resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts import contacts, service
from jsms.alerts.models import Alert, Notification
from jsms.audit.models import AuditEvent
from jsms.errors import Conflict
from jsms.identity.roles import Role, Side
from tests.alerts.conftest import actor_of, finding
from tests.movements.conftest import MovementWorld


def _ops(agency: str, side: Side = Side.HOST):
    return actor_of(agency, side, Role.OPS_OFFICER, user_id="ops-user")


def test_an_alert_goes_to_every_party_of_the_movement(
    db: Session, mworld: MovementWorld, on_the_road: str
) -> None:
    alert = service.raise_alert(db, finding(on_the_road))
    db.commit()
    w = mworld.world
    # Sindh (where it is and on the route), Balochistan (on the route), guest, company
    assert set(alert.agency_ids) == {w.host_sindh, mworld.host_bal, w.guest, w.company_a}
    assert w.host_kp not in alert.agency_ids and w.company_b not in alert.agency_ids
    assert alert.status == "open" and alert.escalation_step == 0
    assert [e.action for e in alert.events] == ["opened"]
    assert alert.next_escalation_at == alert.opened_at + timedelta(minutes=5)  # warning ladder


def test_a_repeat_is_counted_not_notified_again(
    db: Session, mworld: MovementWorld, on_the_road: str
) -> None:
    contacts.create_point(
        db, _ops(mworld.world.host_sindh), channel="email", target="ops@sindh.example"
    )
    db.commit()
    first = service.raise_alert(db, finding(on_the_road))
    db.commit()
    later = datetime.now(UTC) + timedelta(seconds=30)
    for _ in range(5):
        again = service.raise_alert(db, finding(on_the_road, at=later))
        db.commit()
    assert again.id == first.id
    db.refresh(first)
    assert first.repeats == 5
    assert first.last_seen_at == later
    assert db.scalar(select(func.count()).select_from(Alert)) == 1
    assert db.scalar(select(func.count()).select_from(Notification)) == 1
    # the timeline notes the repeats once a minute, not five times
    assert [e.action for e in first.events] == ["opened", "repeated"]


def test_acknowledge_then_resolve_with_a_timeline(
    db: Session, mworld: MovementWorld, on_the_road: str
) -> None:
    alert = service.raise_alert(db, finding(on_the_road))
    db.commit()
    ops = _ops(mworld.world.host_sindh)
    service.acknowledge(db, ops, alert.id, "calling the escort")
    db.commit()
    assert alert.status == "acknowledged" and alert.next_escalation_at is None
    with pytest.raises(Conflict):
        service.acknowledge(db, ops, alert.id)
    service.resolve(db, ops, alert.id, "road block, detour agreed with the escort")
    db.commit()
    assert alert.status == "resolved" and alert.resolved_by == "fixture"
    assert [(e.action, e.note) for e in alert.events][1:] == [
        ("acknowledged", "calling the escort"),
        ("resolved", "road block, detour agreed with the escort"),
    ]
    with pytest.raises(Conflict):
        service.resolve(db, ops, alert.id, "again")
    # every change is in the audit trail
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == alert.id)))
    assert {"alerts.create", "alerts.update", "alert_events.create"} <= actions | set(
        db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "alert_events"))
    )


def test_after_resolution_the_same_episode_stays_quiet_then_opens_anew(
    db: Session, mworld: MovementWorld, on_the_road: str
) -> None:
    alert = service.raise_alert(db, finding(on_the_road))
    db.commit()
    service.resolve(db, _ops(mworld.world.host_sindh), alert.id, "back on the route")
    db.commit()
    resolved_at = alert.resolved_at
    assert resolved_at is not None
    # within the warning ladder's quiet period (10 min): counted on the resolved alert
    quiet = service.raise_alert(db, finding(on_the_road), now=resolved_at + timedelta(minutes=5))
    db.commit()
    assert quiet.id == alert.id and quiet.status == "resolved" and quiet.repeats == 1
    # after it, a new alert opens for the same key
    fresh = service.raise_alert(db, finding(on_the_road), now=resolved_at + timedelta(minutes=11))
    db.commit()
    assert fresh.id != alert.id and fresh.status == "open"
    assert db.scalar(select(func.count()).select_from(Alert)) == 2


def test_escalating_by_hand_climbs_one_step_and_stops_at_the_top(
    db: Session, mworld: MovementWorld, on_the_road: str
) -> None:
    alert = service.raise_alert(db, finding(on_the_road))
    db.commit()
    ops = _ops(mworld.world.host_sindh)
    service.acknowledge(db, ops, alert.id)
    service.escalate(db, ops, alert.id, "convoy not answering the radio")
    service.escalate(db, ops, alert.id)
    db.commit()
    db.refresh(alert)
    assert alert.escalation_step == 2
    assert alert.next_escalation_at is None  # acknowledged: no automatic steps
    escalations = [e for e in alert.events if e.action == "escalated"]
    assert escalations[0].by == "fixture" and "convoy not answering" in escalations[0].note
    with pytest.raises(Conflict):
        service.escalate(db, ops, alert.id)
