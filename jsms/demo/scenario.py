"""The demo scenario: real CPEC sites, fictional agencies' people, units and authorisations.

Everything is created through the domain services, so the demo obeys the same rules, and
leaves the same audit trail, as an operator would. The parts live beside this module:
organisations, people, accounts, the threat picture and the movements.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from rich.progress import Progress
from sqlalchemy import select

from jsms.db import transaction, utcnow
from jsms.demo.accounts import DEMO_PASSWORD, DemoLogin, create_users
from jsms.demo.devices import devices_file, register_devices, seed_trails, write_keys
from jsms.demo.movements import load_movements
from jsms.demo.organisations import (
    LOADER,
    Organisations,
    create_agencies,
    create_projects,
    create_units,
    grant_authorisations,
    loader_actor,
)
from jsms.demo.people import PERSON_COUNT, create_people
from jsms.demo.threat_picture import ThreatPicture, import_shared_boundaries, load_threat_picture
from jsms.geo.gazetteer import load_gazetteer
from jsms.identity.models import Agency

__all__ = ["DEMO_PASSWORD", "DemoLoad", "DemoLogin", "database_is_empty", "load_scenario"]


@dataclass
class DemoLoad:
    """What `jsms demo` tells the operator once the scenario is in."""

    threat: ThreatPicture
    logins: list[DemoLogin] = field(default_factory=list)
    movements: list[str] = field(default_factory=list)
    devices: str = ""


def scenario_data() -> dict[str, Any]:
    return json.loads(resources.files("jsms.demo").joinpath("data/scenario.json").read_text())


def database_is_empty(url: str | None = None) -> bool:
    with transaction(url=url) as db:
        return db.scalar(select(Agency.id).limit(1)) is None


def load_scenario(url: str | None = None, progress: bool = False) -> DemoLoad:
    """Fill an empty database; returns what to print (the logins, the data it came from)."""
    scenario = scenario_data()
    gazetteer = load_gazetteer()
    rng = random.Random(20241006)  # fixed seed: the same people every time
    now = utcnow().replace(second=0, microsecond=0)
    orgs = Organisations()
    with transaction(LOADER, url) as db, Progress(disable=not progress) as bar:
        task = bar.add_task("demo scenario", total=PERSON_COUNT + 40)
        boundaries = import_shared_boundaries(db)
        create_agencies(db, scenario, orgs)
        create_projects(db, scenario, orgs, gazetteer)
        bar.advance(task, 10)
        company_actor = {
            name: loader_actor(agency)
            for name, agency in orgs.agencies.items()
            if name in orgs.projects_by_client
        }
        persons = create_people(
            db, rng, company_actor, orgs.projects_by_client, lambda: bar.advance(task)
        )
        create_units(db, scenario, orgs, gazetteer)
        grant_authorisations(db, scenario, orgs, now)
        bar.advance(task, 10)
        threat = load_threat_picture(db, scenario, gazetteer, now, boundaries=boundaries)
        bar.advance(task, 10)
        users, logins = create_users(db, scenario, orgs, persons)
        movements = load_movements(db, scenario, orgs, persons, users, gazetteer, now)
        tag, made = register_devices(db, movements)
        seed_trails(db, made, utcnow())
        bar.advance(task, 10)
        loaded = DemoLoad(
            threat=threat,
            logins=logins,
            movements=[f"{m.reference:<14} {m.status:<12} {m.purpose}" for m in movements],
        )
    keys = devices_file()
    write_keys(keys, tag, made)
    trackers = sum(1 for d in made if d.protocol == "osmand")
    loaded.devices = (
        f"{trackers} vehicle trackers and {len(made) - trackers} phones for the live movements; "
        f"their keys are in {keys} (for `jsms simulate`)"
    )
    return loaded
