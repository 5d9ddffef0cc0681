"""The demo scenario: real CPEC sites, fictional agencies' people, units and authorisations.

Everything is created through the domain services, so the demo obeys the same rules, and
leaves the same audit trail, as an operator would.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from rich.progress import Progress
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.config import shared_data_dir
from jsms.db import transaction, utcnow
from jsms.geo import h3cells
from jsms.geo.gazetteer import load_gazetteer
from jsms.geo.service import import_boundaries, read_feature_collection
from jsms.identity import service as identity
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.registry.models import Site

DEMO_PASSWORD = "jsms-demo-2026!"
PERSON_COUNT = 200
LOADER = "demo-loader"

SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
    "Liang",
    "Song",
    "Zheng",
    "Xie",
    "Han",
    "Tang",
    "Feng",
    "Yu",
    "Dong",
    "Xiao",
    "Cheng",
    "Cao",
    "Yuan",
    "Deng",
]
GIVEN = [
    "Wei",
    "Fang",
    "Jun",
    "Lei",
    "Min",
    "Jing",
    "Tao",
    "Yan",
    "Hao",
    "Qiang",
    "Bo",
    "Hui",
    "Ping",
    "Gang",
    "Xin",
    "Yu",
    "Peng",
    "Lan",
    "Chao",
    "Ning",
    "Rui",
    "Kai",
    "Jie",
    "Dan",
]
OTHER = [
    ("CA", "Daniel", "Okafor-Lee"),
    ("CA", "Mei", "Tremblay"),
    ("GB", "Oliver", "Grant"),
    ("GB", "Aisha", "Rahman"),
    ("DE", "Jonas", "Keller"),
    ("DE", "Lena", "Vogt"),
]
JOBS = [
    "civil engineer",
    "electrical engineer",
    "site manager",
    "surveyor",
    "geologist",
    "turbine technician",
    "crane operator",
    "safety officer",
    "interpreter",
    "mechanic",
    "project accountant",
    "hydrologist",
    "welder supervisor",
    "cook",
    "doctor",
]
BLOOD = ["A+", "B+", "O+", "AB+", "A-", "O-", "B-"]
WEIGHTS = {"RLH": 80, "SHC": 70, "DLE": 50}


@dataclass
class DemoLogins:
    password: str
    rows: list[str] = field(default_factory=list)


def _scenario() -> dict[str, Any]:
    return json.loads(resources.files("jsms.demo").joinpath("data/scenario.json").read_text())


def database_is_empty(url: str | None = None) -> bool:
    with transaction(url=url) as db:
        return db.scalar(select(Agency.id).limit(1)) is None


def _perimeter(lat: float, lon: float, radius_m: float) -> dict[str, Any]:
    """An illustrative 16-sided perimeter (real fences are drawn by the site's operator)."""
    ring = []
    for i in range(16):
        angle = 2 * math.pi * i / 16
        dlat = radius_m * math.cos(angle) / 111_320
        dlon = radius_m * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
        ring.append([round(lon + dlon, 6), round(lat + dlat, 6)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _actor_for(agency: Agency) -> Actor:
    return Actor(
        user_id="demo-loader",
        username=LOADER,
        agency_id=agency.id,
        side=Side(agency.side),
        roles=frozenset({Role.ADMIN}),
    )


def _import_boundaries(db: Session) -> str:
    data = shared_data_dir()
    folder = data / "pak_admin_roads" if data else None
    if folder is None or not folder.is_dir():
        return "no boundary files found; provinces come from the nearest gazetteer place"
    for level, name in ((1, "provinces.geojson"), (2, "districts.geojson")):
        import_boundaries(db, read_feature_collection(folder / name), level=level, source=name)
    return f"boundaries imported from {folder}"


def _load_threat_picture(db: Session, scenario: dict[str, Any], now: datetime) -> None:
    """Historical attacks (the project's record), public datasets when present, and the
    analysts' current assessments: the data alone decays, the analysts know the threat stands."""
    from jsms.threat.importers import parse_acled, parse_gtd
    from jsms.threat.service import create_override, import_records, load_curated_incidents

    load_curated_incidents(db)
    data = shared_data_dir()
    for origin, relative, parse in (
        ("gtd", "gtd_pakistan/pakistan_gtd_2007_2018_processed.csv", parse_gtd),
        ("acled", "acled_balochistan/balochistan_cleaned_all.csv", parse_acled),
    ):
        if data is not None and (data / relative).is_file():
            import_records(db, parse(data / relative), origin=origin, source_name=relative)
    analyst = Actor(
        user_id="demo-loader",
        username="analyst (demo)",
        agency_id="",
        side=Side.HOST,
        roles=frozenset({Role.ANALYST}),
    )
    gazetteer = load_gazetteer()
    for row in scenario["threat_assessments"]:
        area = row["area"]
        if row["kind"] == "cell":
            place = gazetteer.lookup(area)[0]
            area = h3cells.parent_of(h3cells.cell_of(place.lat, place.lon), 5)
        create_override(
            db,
            analyst,
            area_kind=row["kind"],
            area=area,
            level=row["level"],
            reason=row["reason"],
            starts_at=now - timedelta(days=1),
            expires_at=now + timedelta(days=row["days"]),
        )


def _load_movements(
    db: Session,
    scenario: dict[str, Any],
    agencies: dict[str, Agency],
    persons: list[Any],
    units: dict[str, Any],
    now: datetime,
) -> None:
    """Movements at every stage, planned through the same services an operator uses."""
    from jsms.identity.models import User
    from jsms.movements import escorts, planning, service

    def actor(user: User) -> Actor:
        return identity.actor_of(user)

    users = {u.username: u for u in db.scalars(select(User))}
    requesters = {u.agency.short_name: u for u in users.values() if "requester" in u.roles}
    gazetteer = load_gazetteer()
    for row in scenario["movements"]:
        company = agencies[row["company"]]
        owner = requesters.get(row["company"])
        if owner is None:
            continue
        staff = [p for p in persons if p.employer_agency_id == company.id][: row["passengers"]]
        local_day = (now + timedelta(hours=5)).date() + timedelta(days=row["day"])
        departure = datetime(
            local_day.year, local_day.month, local_day.day, row["hour"], tzinfo=UTC
        ) - timedelta(hours=5)
        origin = gazetteer.lookup(row["origin"])[0]
        destination = gazetteer.lookup(row["destination"])[0]
        movement = service.create_movement(
            db,
            actor(owner),
            purpose=row["purpose"],
            origin_name=origin.name,
            origin_lat=origin.lat,
            origin_lon=origin.lon,
            destination_name=destination.name,
            destination_lat=destination.lat,
            destination_lon=destination.lon,
            departure_at=departure,
            arrival_at=departure + timedelta(hours=row["hours"]),
            passenger_ids=[p.id for p in staff],
            vehicles=[
                {
                    "registration": f"{row['company']}-{i + 1:02d}",
                    "armoured": True,
                    "seats": 4,
                    "passengers": n,
                }
                for i, n in enumerate(_split(row["passengers"], 3))
            ],
        )
        options = planning.route_options(db, movement)
        service.set_route(db, actor(owner), movement, options[0])
        if row["stage"] == "draft":
            movement.evaluation = planning.evaluate(db, movement)
            continue
        requested = min(now, departure - timedelta(days=4))  # companies ask days ahead
        movement.submitted_at = requested
        service.submit(db, actor(owner), movement, planning.evaluate(db, movement))
        movement.submitted_at = requested
        for call_sign, leg, ring in row["escorts"]:
            unit = units[call_sign]
            side = Side.GUEST if ring == "inner" else Side.HOST
            escorts.assign(
                db,
                Actor(
                    user_id=owner.id,
                    username=LOADER,
                    agency_id=unit.agency_id,
                    side=side,
                    roles=frozenset({Role.OPS_OFFICER}),
                ),
                movement,
                unit_id=unit.id,
                leg=leg,
                ring=ring,
            )
        movement.evaluation = planning.evaluate(db, movement)
        if row["stage"] == "submitted":
            continue
        for approval in movement.approvals:
            approval.status, approval.decided_at = "approved", now
            approval.reason = "demo: approved"
        movement.status = "approved"
        movement.release_at = max(now, movement.departure_at - service.RELEASE_BEFORE_DEPARTURE)
        if row["stage"] == "completed":
            movement.status, movement.started_at = "completed", movement.departure_at
            movement.ended_at = movement.arrival_at
            movement.debrief = "Uneventful; convoy arrived on time."
        db.flush()


def _split(total: int, per_vehicle: int) -> list[int]:
    return [min(per_vehicle, total - i) for i in range(0, total, per_vehicle)]


def _person_rows(rng: random.Random) -> list[tuple[str, str, str]]:
    """(nationality, full name, company) for every demo person; names are generated."""
    rows: list[tuple[str, str, str]] = []
    companies = [c for c, n in WEIGHTS.items() for _ in range(n)]
    rng.shuffle(companies)
    seen: set[str] = set()
    for company in companies[: PERSON_COUNT - len(OTHER)]:
        while True:
            name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{rng.choice(GIVEN).lower()}"
            if name not in seen:
                seen.add(name)
                break
        rows.append(("CN", name, company))
    for (nationality, given, family), company in zip(OTHER, ["SHC", "RLH", "DLE"] * 2, strict=True):
        rows.append((nationality, f"{given} {family}", company))
    return rows


def load_scenario(url: str | None = None, progress: bool = False) -> DemoLogins:
    """Fill an empty database; returns the logins to print."""
    scenario = _scenario()
    gazetteer = load_gazetteer()
    rng = random.Random(20241006)  # fixed seed: the same demo every time
    logins = DemoLogins(password=DEMO_PASSWORD)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    with transaction(LOADER, url) as db, Progress(disable=not progress) as bar:
        task = bar.add_task("demo scenario", total=PERSON_COUNT + 40)
        _import_boundaries(db)
        agencies: dict[str, Agency] = {}
        for row in scenario["agencies"]:
            agencies[row["short_name"]] = identity.create_agency(
                db,
                name=row["name"],
                short_name=row["short_name"],
                side=Side(row["side"]),
                country=row["country"],
                provinces=row["provinces"],
            )
        bar.advance(task, 10)

        sites_by_name: dict[str, Site] = {}
        projects_by_client: dict[str, list[tuple[str, list[Site]]]] = {}
        for row in scenario["projects"]:
            client = agencies[row["client"]]
            actor = _actor_for(client)
            project = registry.create_project(
                db,
                actor,
                name=row["name"],
                description=f"CPEC project ({row['province']})",
                province=row["province"],
            )
            sites = []
            for place_name, kind in row["sites"]:
                place = gazetteer.lookup(place_name)[0]
                site = registry.create_site(
                    db,
                    actor,
                    name=place.name,
                    project_id=project.id,
                    kind=kind,
                    lat=place.lat,
                    lon=place.lon,
                    perimeter=_perimeter(place.lat, place.lon, 600),
                    source=place.source,
                )
                sites.append(site)
                sites_by_name[place.name] = site
            projects_by_client.setdefault(row["client"], []).append((project.id, sites))
        bar.advance(task, 10)

        persons = []
        for number, (nationality, name, company) in enumerate(_person_rows(rng)):
            project_id, sites = rng.choice(projects_by_client[company])
            passport = (
                f"E{rng.choice('ABCDEFGHJK')}{rng.randrange(10**6, 10**7)}"
                if nationality == "CN"
                else f"{nationality}{rng.randrange(10**6, 10**7)}"
            )
            person = registry.create_person(
                db,
                _actor_for(agencies[company]),
                full_name=name,
                nationality=nationality,
                project_id=project_id,
                site_id=rng.choice(sites).id,
                job_title=rng.choice(JOBS),
                passport_number=passport,
                phone=f"+86 13{rng.randrange(0, 10)} {rng.randrange(1000, 9999)} "
                f"{rng.randrange(1000, 9999)}",
                blood_group=rng.choice(BLOOD),
                emergency_contact=f"family contact {number + 1:03d}, +86 139 "
                f"{rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
            )
            persons.append(person)
            bar.advance(task)

        units = {}
        for row in scenario["units"]:
            base = gazetteer.lookup(row["base"])[0]
            units[row["call_sign"]] = registry.create_unit(
                db,
                agency_id=agencies[row["agency"]].id,
                name=row["name"],
                call_sign=row["call_sign"],
                unit_type=row["unit_type"],
                strength=row["strength"],
                base_name=base.name,
                base_lat=base.lat,
                base_lon=base.lon,
                vehicles=[
                    {"registration": r, "kind": k, "armoured": a, "seats": s}
                    for r, k, a, s in row["vehicles"]
                ],
            )
        bar.advance(task, 10)

        for row in scenario["authorisations"]:
            host = agencies[row["host"]]
            grant = registry.grant_authorisation(
                db,
                _actor_for(host),
                guest_agency_id=agencies["GSD"].id,
                unit_id=units[row["unit"]].id if row["unit"] else None,
                provinces=row["provinces"],
                districts=row["districts"],
                site_ids=[sites_by_name[s].id for s in row["sites"]],
                starts_at=now - timedelta(days=row["days_before"]),
                ends_at=now + timedelta(days=row["days_after"]),
                headcount_cap=row["cap"],
                arms=row["arms"],
                conditions=row["conditions"],
            )
            if row.get("revoked"):
                registry.revoke_authorisation(db, _actor_for(host), grant.id, row["revoked"])
        bar.advance(task, 5)

        _load_threat_picture(db, scenario, now)
        bar.advance(task, 5)

        for row in scenario["users"]:
            roles = [Role(r) for r in row["roles"]]
            person_id = persons[row["person"]].id if "person" in row else None
            if person_id:
                persons[row["person"]].employer_agency_id = agencies[row["agency"]].id
            created = identity.create_user(
                db,
                username=row["username"],
                display_name=row["display_name"],
                agency_id=agencies[row["agency"]].id,
                roles=roles,
                password=DEMO_PASSWORD,
                person_id=person_id,
            )
            flag = "  (+ authenticator code)" if created.totp_uri else ""
            logins.rows.append(
                f"{row['username']:<16} {', '.join(row['roles']):<18} {row['agency']}{flag}"
            )
        bar.advance(task, 5)
        _load_movements(db, scenario, agencies, persons, units, now)
    return logins
