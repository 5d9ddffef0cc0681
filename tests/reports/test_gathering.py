"""What the SITREP gathers for a period: the operator's full report, and a reader's own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.identity.roles import Role, Side
from jsms.reports import service
from jsms.reports.schemas import Sitrep
from tests.movements.conftest import actor_of
from tests.reports import seed
from tests.reports.seed import Seeded


def _operator(db: Session) -> Sitrep:
    return service.gather(db, None, seed.REQUEST, prepared_for="operator")


def test_the_period_is_the_24_hours_to_0600_local_and_says_its_zone(db, seeded) -> None:
    report = _operator(db)
    assert (report.period.start, report.period.end) == (seed.START, seed.END)
    assert report.period.label == "26 Mar 2024 06:00 to 27 Mar 2024 06:00 PKT (UTC+5)"


def test_incidents_inside_the_period_are_listed_and_others_not(db, seeded) -> None:
    titles = [line.title for line in _operator(db).incidents]
    assert seed.INSIDE in titles
    assert seed.OUTSIDE not in titles  # after the cut-off
    assert seed.DAY_ONLY in titles  # 26 Mar, time unknown: counted at noon that day
    assert seed.NEXT_DAY not in titles  # 27 Mar, time unknown: the next report's
    assert seed.PENDING not in titles  # not a fact until an analyst accepts it


def test_an_incident_shows_its_place_casualty_ranges_nationals_and_sources(db, seeded) -> None:
    line = next(i for i in _operator(db).incidents if i.title == seed.INSIDE)
    assert line.place == "Thatta, Sindh"
    assert line.killed == (2, 4)  # Dawn says 2, the Express Tribune 4
    assert line.injured == (3, 3)
    assert line.nationals == "CN 1 killed, 2 injured"
    assert (line.verification, line.sources) == ("confirmed", 2)
    assert line.when == "26 Mar 2024 13:30 PKT (UTC+5)"


def test_review_queue_is_counted_and_late_reports_are_listed_apart(db, seeded) -> None:
    report = _operator(db)
    assert report.review_waiting == 1
    assert [line.title for line in report.reported_late] == [seed.LATE]
    assert seed.LATE not in [line.title for line in report.incidents]


def test_charts_data_counts_by_type_and_province(db, seeded) -> None:
    report = _operator(db)
    assert dict(report.by_type) == {"Armed assault": 2, "Kidnapping": 1}
    assert dict(report.by_province) == {"Sindh": 2, "Balochistan": 1}
    assert len(report.trend) == 30
    assert report.trend[-1].day == seed.DAY
    assert report.trend[-1].incidents == 3
    assert report.trend[-1].casualties == (4 + 3)  # the highest figures given
    assert report.highest_tlp == "amber"


def test_a_level_change_from_an_override_in_the_period_shows_its_reason(db, seeded) -> None:
    report = _operator(db)
    sindh = next(c for c in report.level_changes if c.area == "Sindh")
    assert (sindh.kind, sindh.after, sindh.overridden) == ("province", 5, True)
    assert sindh.before < 5
    assert sindh.reason == seed.REASON
    override = next(o for o in report.overrides if o.area == "Sindh")
    assert (override.state, override.level) == ("new", 5)


def test_movements_and_outcomes_are_counted(db, seeded: Seeded) -> None:
    section = _operator(db).movements
    assert section.counts == {
        "planned": 3,
        "started": 3,
        "completed": 1,
        "aborted": 1,
        "rejected": 1,
        "in progress": 1,
    }
    shown = {line.id: line for line in section.full}
    assert set(shown) == {seeded.completed, seeded.aborted, seeded.rejected, seeded.running}
    assert shown[seeded.completed].debrief == seed.DEBRIEF
    assert shown[seeded.aborted].debrief == seed.ABORT
    assert seed.REJECTION in (shown[seeded.rejected].rejection or "")
    assert shown[seeded.completed].events == [
        "planned to leave 26 Mar 2024 10:00 PKT (UTC+5)",
        "started 26 Mar 2024 10:10 PKT (UTC+5)",
        "completed 26 Mar 2024 12:30 PKT (UTC+5)",
    ]
    assert shown[seeded.running].happened == ["planned", "started", "in progress"]


def test_the_operators_full_report_audits_each_plan_it_shows(db, seeded: Seeded) -> None:
    _operator(db)
    db.commit()
    read = set(
        db.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "movement.details.read"))
    )
    assert read == {seeded.completed, seeded.aborted, seeded.rejected, seeded.running}


def test_a_host_officer_not_assigned_sees_summaries_by_date_without_route_or_times(
    db, seeded: Seeded, mworld
) -> None:
    officer = actor_of(mworld.world.host_sindh, Side.HOST, Role.OPS_OFFICER)
    section = service.gather(db, officer, seed.REQUEST, prepared_for="ops").movements
    assert section.full == []
    assert {line.id for line in section.summaries} == {
        seeded.completed,
        seeded.aborted,
        seeded.running,  # dated 26 Mar; the rejected one is dated 28 Mar
    }
    for line in section.summaries:
        assert line.origin is None and line.departure_at is None and line.debrief is None
        assert line.events == []
    assert all(count == 0 for count in section.counts.values())


def test_another_company_sees_none_of_these_movements(db, seeded, mworld) -> None:
    other = actor_of(mworld.world.company_b, Side.CLIENT, Role.REQUESTER)
    section = service.gather(db, other, seed.REQUEST, prepared_for="b").movements
    assert section.full == [] and section.summaries == []


def test_a_company_sees_tlp_green_incidents_only(db, seeded, mworld) -> None:
    company = actor_of(mworld.world.company_b, Side.CLIENT, Role.REQUESTER)
    report = service.gather(db, company, seed.REQUEST, prepared_for="b")
    titles = [i.title for i in report.incidents]
    assert seed.INSIDE in titles
    assert seed.AMBER not in titles


def test_roles_without_movements_get_a_note_instead(db, seeded, mworld) -> None:
    analyst = actor_of(mworld.world.host_sindh, Side.HOST, Role.ANALYST)
    section = service.gather(db, analyst, seed.REQUEST, prepared_for="analyst").movements
    assert not section.shown
    assert "does not see movements" in section.note
