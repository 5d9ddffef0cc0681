"""The demo scenario: realistic, complete, and no plaintext PII anywhere in the database file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from jsms.identity.models import Agency, User
from jsms.identity.roles import Role, Side
from jsms.registry.models import ProtectedPerson, SecurityUnit, Site
from tests.cli.runner import jsms, one_line

PK_LAT, PK_LON = (23.5, 37.2), (60.8, 77.9)

# Real CPEC sites: (part of the site name, roughly where it is, its province).
CPEC_SITES = {
    "Port Qasim": ((24.78, 67.37), "Sindh"),
    "Gwadar Port": ((25.11, 62.34), "Balochistan"),
    "Dasu": ((35.30, 73.20), "Khyber Pakhtunkhwa"),
    "Thar Coal": ((24.43, 70.17), "Sindh"),  # the Block II mine, 25 km from Islamkot
    "Sahiwal": ((30.71, 73.24), "Punjab"),
    "Karot": ((33.60, 73.60), "Punjab"),
}


@dataclass
class Demo:
    url: str
    path: Path


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo loaded into its own fresh SQLite file (the shared test database is untouched)."""
    from jsms.db import get_engine
    from jsms.demo.scenario import database_is_empty, load_scenario
    from jsms.migrate import upgrade

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    assert database_is_empty(url)
    load_scenario(url)
    yield Demo(url, path)
    get_engine(url).dispose()


@pytest.fixture
def session(demo: Demo) -> Iterator[Session]:
    from jsms.db import new_session

    db = new_session(demo.url)
    yield db
    db.rollback()
    db.close()


def test_people_companies_and_forces(session: Session) -> None:
    people = session.scalar(select(func.count()).select_from(ProtectedPerson)) or 0
    assert 180 <= people <= 220
    agencies = session.scalars(select(Agency)).all()
    clients = [a for a in agencies if a.side == Side.CLIENT]
    assert len(clients) == 3
    hosts = [a for a in agencies if a.side == Side.HOST]
    for province in ("Sindh", "Punjab", "Balochistan", "Khyber Pakhtunkhwa"):
        assert any(h.provinces == [province] for h in hosts), province
    federal = [h for h in hosts if len(h.provinces) >= 4]
    assert federal, "a federal force with nationwide jurisdiction"
    assert [a for a in agencies if a.side == Side.GUEST]
    # Every person works for one of the client companies.
    employers = set(session.scalars(select(ProtectedPerson.employer_agency_id).distinct()))
    assert employers == {c.id for c in clients}
    guest_units = session.scalars(
        select(SecurityUnit)
        .join(Agency, Agency.id == SecurityUnit.agency_id)
        .where(Agency.side == Side.GUEST.value)
    ).all()
    assert guest_units
    assert {u.unit_type for u in guest_units} >= {"close_protection"}
    assert any(v.armoured for u in guest_units for v in u.vehicles)


def test_real_cpec_sites_with_sources_and_provinces(session: Session) -> None:
    sites = session.scalars(select(Site)).all()
    for site in sites:
        assert site.province, site.name
        assert PK_LAT[0] < site.lat < PK_LAT[1] and PK_LON[0] < site.lon < PK_LON[1], site.name
        assert site.source.strip(), site.name
        assert site.perimeter and site.perimeter["type"] == "Polygon"
    for part, ((lat, lon), province) in CPEC_SITES.items():
        matching = [s for s in sites if part in s.name]
        assert matching, f"no demo site named like {part!r}"
        for site in matching:
            assert abs(site.lat - lat) < 0.3 and abs(site.lon - lon) < 0.3, site.name
            assert site.province == province, (site.name, site.province)
            assert site.source.startswith("http"), site.name


def test_one_working_login_per_role(demo: Demo, session: Session) -> None:
    from jsms.app import create_app
    from jsms.demo.scenario import DEMO_PASSWORD
    from jsms.identity import service as identity

    users = session.scalars(select(User)).all()
    with TestClient(create_app(demo.url), raise_server_exceptions=False) as client:
        for role in Role:
            user = next((u for u in users if role.value in u.roles), None)
            assert user is not None, f"no demo login for {role}"
            body = {"username": user.username, "password": DEMO_PASSWORD}
            if identity.requires_totp(user.roles):
                secret = identity.totp_secret(user)
                assert secret is not None, user.username
                body["totp_code"] = pyotp.TOTP(secret).now()
            response = client.post("/api/v1/auth/token", json=body)
            assert response.status_code == 200, (user.username, response.text)
    protectee = next(u for u in users if Role.PROTECTEE.value in u.roles)
    assert protectee.person_id is not None


def test_demo_authorisations_tell_their_story(session: Session) -> None:
    from jsms.registry.service import may_act

    units = {u.call_sign: u.id for u in session.scalars(select(SecurityUnit))}
    sites = {s.name: s.id for s in session.scalars(select(Site))}

    def check(call_sign: str, site: str):
        return may_act(session, unit_id=units[call_sign], site_id=sites[site]).verdict

    # Province-wide Sindh grant; the KP grant names districts (spelled as in the gazetteer,
    # whether or not boundary files were imported); the Balochistan grant names one site.
    assert check("GSD-CP-1", "Port Qasim Power Project").allowed
    assert check("GSD-CP-2", "Dasu Dam").allowed
    assert check("GSD-CP-2", "Dasu Hydropower Plant").allowed
    assert check("GSD-CP-3", "Gwadar Port").allowed
    assert not check("GSD-CP-3", "New Gwadar International Airport").allowed
    expired = check("GSD-CP-1", "Sahiwal Coal Power Project")
    assert not expired.allowed and "valid only from" in expired.reason
    assert not check("GSD-CP-1", "Hubco Coal Power Project").allowed


def test_no_plaintext_pii_anywhere_in_the_file(demo: Demo, session: Session) -> None:
    from jsms.db import get_engine
    from jsms.keyring import get_keyring

    keyring = get_keyring()
    secrets: set[str] = set()
    for person in session.scalars(select(ProtectedPerson)):
        for field in ("passport", "phone", "emergency_contact"):
            token = getattr(person, f"{field}_enc")
            assert token and token.startswith("jsms1:")
            value = keyring.decrypt(token, f"person:{person.id}:{field}")
            secrets.add(value)
            if field == "phone":
                secrets.add(value.replace(" ", ""))
    session.rollback()
    session.close()
    passports = [s for s in secrets if s[:1].isalpha() and s.isalnum()]
    assert len(passports) >= 180

    with get_engine(demo.url).connect() as connection:
        busy, _, _ = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        assert busy == 0
    raw = demo.path.read_bytes()
    wal = demo.path.with_name(demo.path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert len(raw) > 100_000
    leaked = sorted(s for s in secrets if s.encode() in raw)
    assert leaked == []


def test_loaded_once_and_the_trail_is_intact(demo: Demo, session: Session) -> None:
    from jsms.audit.verification import verify
    from jsms.demo.scenario import database_is_empty

    assert not database_is_empty(demo.url)
    checked, broken = verify(session)
    assert broken is None
    assert checked > 200
    actions = set(session.scalars(text("SELECT DISTINCT action FROM audit_events")))
    assert {"person.create", "authorisation.create", "authorisation.update"} <= actions


def _row_counts(url: str) -> dict[str, int]:
    from jsms.db import make_engine
    from jsms.models import Base

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_demo_load_from_the_command_line_twice(tmp_path: Path) -> None:
    """Without ../shared/data the demo says so in one line, and loads the curated history."""
    from jsms.demo.scenario import DEMO_PASSWORD, scenario_data

    url = f"sqlite:///{tmp_path / 'cli-demo.sqlite3'}"
    missing = tmp_path / "no-shared-data"
    env = {
        "JSMS_DATABASE_URL": url,
        "JSMS_KEY_FILE": str(tmp_path / "keys.json"),
        "JSMS_SHARED_DATA": str(missing),
    }
    first = jsms("demo", "load", env=env)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    history = resources.files("jsms.threat").joinpath("data/historical_incidents.json")
    curated = len(json.loads(history.read_text())["incidents"])
    lines = first.stdout.splitlines()
    reported = [line for line in lines if "not found" in line]
    assert reported == [
        f"{missing} not found: loaded {curated} curated incidents only; no district boundaries"
    ]
    for user in scenario_data()["users"]:
        printed = [line.split() for line in lines if line.split()[:1] == [user["username"]]]
        assert len(printed) == 1, user["username"]
        assert user["agency"] in printed[0] and DEMO_PASSWORD in printed[0], printed
    assert "jsms users totp-code" in one_line(first.stdout)
    before = _row_counts(url)
    assert before["protected_persons"] >= 180
    assert before["audit_events"] > 200
    # the curated record, and the field reports that wait in the analysts' review queue
    field_reports = len(scenario_data()["field_reports"])
    assert field_reports > 0
    assert before["incidents"] == curated + field_reports and before["admin_areas"] == 0

    second = jsms("demo", "load", env=env)
    assert second.returncode == 0, second.stderr
    assert "already holds data" in one_line(second.stdout + second.stderr)
    assert "Demo logins" not in second.stdout
    assert _row_counts(url) == before
    verified = jsms("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stderr
    assert os.environ.get("JSMS_DATABASE_URL") != url


def test_threat_levels_come_mostly_from_the_record_not_from_overrides(
    demo: Demo, session: Session
) -> None:
    """The demo's analysts assess a few hot spots, each with a reason; elsewhere the levels an
    operator sees at the project sites are the ones computed from the incident record, which
    holds at least the project's own sourced history."""
    from jsms.app import create_app
    from jsms.demo.scenario import DEMO_PASSWORD
    from jsms.threat.models import Incident, ThreatOverride

    overrides = session.scalars(select(ThreatOverride)).all()
    assert 1 <= len(overrides) <= 5
    assert all(len(o.reason) > 40 for o in overrides)
    history = resources.files("jsms.threat").joinpath("data/historical_incidents.json")
    curated = session.scalars(select(Incident).where(Incident.origin == "curated")).all()
    assert len(curated) == len(json.loads(history.read_text())["incidents"])
    sites = session.scalars(select(Site)).all()
    with TestClient(create_app(demo.url), raise_server_exceptions=False) as client:
        login = {"username": "analyst", "password": DEMO_PASSWORD}
        token = client.post("/api/v1/auth/token", json=login).json()["access_token"]

        def level_at(lat: float, lon: float) -> dict:
            return client.get(
                "/api/v1/risk/point",
                params={"lat": lat, "lon": lon},
                headers={"Authorization": f"Bearer {token}"},
            ).json()

        at_sites = [level_at(site.lat, site.lon) for site in sites]
        at_attacks = [
            level_at(i.lat, i.lon) for i in curated if i.lat is not None and i.lon is not None
        ]
    overridden = [
        s.name for s, level in zip(sites, at_sites, strict=True) if level["override_reason"]
    ]
    assert len(overridden) < len(sites) / 2, overridden
    assert max(level["computed_level"] for level in at_attacks) >= 2
