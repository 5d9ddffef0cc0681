"""A known day for the SITREP tests: 27 March 2024, the 24 hours to 06:00 PKT, that is
26 Mar 01:00 UTC to 27 Mar 01:00 UTC, with incidents on both sides of its edges, an analyst's
override set in it, and company A's movements doing everything a movement can do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from jsms.identity import service as identity
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.movements import service as movements
from jsms.movements.models import Movement
from jsms.reports.schemas import SitrepRequest
from jsms.threat.service import create_incident, create_override
from tests.movements.conftest import MovementWorld, actor_of

DAY = date(2024, 3, 27)
REQUEST = SitrepRequest(date=DAY)
START = datetime(2024, 3, 26, 1, 0, tzinfo=UTC)
END = datetime(2024, 3, 27, 1, 0, tzinfo=UTC)
INSIDE = "Convoy ambushed on the Thatta road"
OUTSIDE = "Grenade thrown at a bank after the cut-off"
DAY_ONLY = "Shots at a camp gate (day known, not the hour)"
NEXT_DAY = "Rocket near a site on the next day"
AMBER = "Kidnapping attempt reported by a partner (TLP:AMBER)"
PENDING = "Unconfirmed field report of a drone"
LATE = "Older attack first reported today"
REASON = "Thatta road ambush: holding Sindh at High while the attackers are at large"
ORIGIN = "Alpha Gate"
DESTINATION = "Bravo Camp"
DEBRIEF = "Arrived; the escort reported a vehicle following for 5 km"
ABORT = "Aborted at the Hub river crossing: road blocked"
REJECTION = "night travel through Hub"


@dataclass
class Seeded:
    completed: str
    aborted: str
    rejected: str
    running: str
    later: str
    references: dict[str, str]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def seed_incidents(db: Session) -> None:
    sindh = {"province": "Sindh", "district": "Thatta", "lat": 24.75, "lon": 67.92}
    create_incident(
        db,
        review_status="accepted",
        sources=[
            {"outlet": "Dawn", "killed": 2, "injured": 3, "role": "primary"},
            {"outlet": "Express Tribune", "killed": 4, "injured": 3, "role": "primary"},
        ],
        title=INSIDE,
        occurred_at=_at(26, 8, 30),
        time_precision="exact",
        place_name="Thatta",
        attack_type="armed_assault",
        killed=2,
        injured=3,
        nationals={"CN": {"killed": 1, "injured": 2}},
        verification="confirmed",
        tlp="green",
        **sindh,
    )
    create_incident(
        db,
        review_status="accepted",
        sources=[],
        title=OUTSIDE,
        occurred_at=_at(27, 3),
        time_precision="exact",
        attack_type="rocket_grenade",
        killed=0,
        **sindh,
    )
    # known to the day only: counted at noon local time, so 26 Mar is in, 27 Mar is not
    for title, day in ((DAY_ONLY, 26), (NEXT_DAY, 27)):
        create_incident(
            db,
            review_status="accepted",
            sources=[],
            title=title,
            occurred_at=_at(day, 0),
            time_precision="day",
            attack_type="armed_assault" if day == 26 else "rocket_grenade",
            province="Balochistan",
            district="Kech",
            lat=26.0,
            lon=63.05,
        )
    create_incident(
        db,
        review_status="accepted",
        sources=[],
        title=AMBER,
        occurred_at=_at(26, 15),
        time_precision="exact",
        attack_type="kidnapping",
        tlp="amber",
        **sindh,
    )
    create_incident(
        db,
        review_status="pending",
        sources=[],
        title=PENDING,
        occurred_at=_at(26, 20),
        time_precision="exact",
        attack_type="threat",
        **sindh,
    )
    create_incident(
        db,
        review_status="accepted",
        sources=[{"outlet": "Field", "published_at": _at(26, 10), "role": "primary"}],
        title=LATE,
        occurred_at=_at(20, 0),
        time_precision="day",
        attack_type="ied",
        province="Khyber Pakhtunkhwa",
        lat=34.9,
        lon=72.9,
    )


def seed_override(db: Session) -> None:
    analyst = Actor("seed", "analyst.seed", "", Side.HOST, frozenset({Role.ANALYST}))
    create_override(
        db,
        analyst,
        area_kind="province",
        area="Sindh",
        level=5,
        reason=REASON,
        starts_at=_at(26, 12),
        expires_at=_at(26, 12) + timedelta(days=14),
    )


def seed_movements(db: Session, mworld: MovementWorld) -> Seeded:
    user = identity.create_user(
        db,
        username="seed-requester",
        display_name="requester",
        agency_id=mworld.world.company_a,
        roles=[Role.REQUESTER],
        password="seed-password-123",
    ).user
    owner = actor_of(mworld.world.company_a, Side.CLIENT, Role.REQUESTER, user_id=user.id)

    def movement(purpose: str, departure: datetime) -> Movement:
        made = movements.create_movement(
            db,
            owner,
            purpose=purpose,
            origin_name=ORIGIN,
            origin_lat=24.9067,
            origin_lon=67.1608,
            destination_name=DESTINATION,
            destination_lat=25.0255,
            destination_lon=66.8853,
            departure_at=departure,
            arrival_at=departure + timedelta(hours=2),
            passenger_ids=mworld.passengers,
            vehicles=[],
        )
        movements.set_route(db, owner, made, mworld.route)
        movements.submit(db, owner, made)
        return made

    completed = movement("Completed run", _at(26, 5))
    completed.status, completed.started_at = "completed", _at(26, 5, 10)
    completed.ended_at, completed.debrief = _at(26, 7, 30), DEBRIEF
    aborted = movement("Aborted run", _at(26, 9))
    aborted.status, aborted.started_at = "aborted", _at(26, 9, 5)
    aborted.ended_at, aborted.debrief = _at(26, 9, 40), ABORT
    rejected = movement("Rejected run", _at(28, 9))
    first = rejected.approvals[0]
    first.status, first.decided_at, first.reason = "rejected", _at(26, 12), REJECTION
    rejected.status, rejected.rejection_reason = "rejected", f"{first.party}: {REJECTION}"
    running = movement("Overnight run", _at(26, 22))
    running.status, running.started_at = "in_progress", _at(26, 22, 5)
    later = movement("Next week's run", _at(29, 9))
    db.commit()
    made = (completed, aborted, rejected, running, later)
    return Seeded(
        completed.id,
        aborted.id,
        rejected.id,
        running.id,
        later.id,
        {m.purpose: m.reference for m in made},
    )


def seed_all(db: Session, mworld: MovementWorld) -> Seeded:
    seed_incidents(db)
    seed_override(db)
    db.commit()
    return seed_movements(db, mworld)
