"""The demo's protected persons: generated names, encrypted PII, spread over the projects."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy.orm import Session

from jsms.registry import service as registry
from jsms.registry.models import ProtectedPerson

PERSON_COUNT = 200

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
WEIGHTS = {"RLH": 80, "SHC": 70, "DLE": 50}  # how many of the workers each company employs


def person_rows(rng: random.Random) -> list[tuple[str, str, str]]:
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


def create_people(
    db: Session,
    rng: random.Random,
    company_actor: dict[str, Any],
    projects_by_client: dict[str, list[tuple[str, list[Any]]]],
    on_each: Any = None,
) -> list[ProtectedPerson]:
    """Register every demo person through the registry, as their employer would."""
    persons = []
    for number, (nationality, name, company) in enumerate(person_rows(rng)):
        project_id, sites = rng.choice(projects_by_client[company])
        passport = (
            f"E{rng.choice('ABCDEFGHJK')}{rng.randrange(10**6, 10**7)}"
            if nationality == "CN"
            else f"{nationality}{rng.randrange(10**6, 10**7)}"
        )
        persons.append(
            registry.create_person(
                db,
                company_actor[company],
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
        )
        if on_each is not None:
            on_each()
    return persons
