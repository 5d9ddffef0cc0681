"""Stored OSINT: reports of known events merge, background mentions link, new ones queue."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.threat.models import Incident
from jsms.threat.osint.ingest import ingest
from jsms.threat.service import load_curated_incidents


def item(
    role: str,
    day: str | None,
    place: str,
    lat: float,
    lon: float,
    province: str,
    attack_type: str,
    killed: int | None,
    **extra: object,
) -> dict:
    return {
        "role": role,
        "date": day,
        "place": place,
        "lat": lat,
        "lon": lon,
        "province": province,
        "attack_type": attack_type,
        "killed": killed,
        "injured": None,
        "nationals": extra.get("nationals", {}),
        "perpetrator_claimed": None,
        "evidence": {},
    }


def article(name: str, *incidents: dict, relevant: bool = True) -> dict:
    return {"article": name, "relevant": relevant, "incidents": list(incidents)}


def incidents(db: Session) -> int:
    return db.scalar(select(func.count(Incident.id))) or 0


def test_merge_link_queue_and_idempotence(db: Session) -> None:
    load_curated_incidents(db)
    db.flush()
    before = incidents(db)
    published = datetime(2024, 4, 20, tzinfo=UTC)
    result = ingest(
        db,
        article(
            "follow-up",
            item(
                "primary",
                "2024-03-26",
                "Bisham",
                34.93,
                72.87,
                "Khyber Pakhtunkhwa",
                "vbied",
                5,
                nationals={"CN": {"killed": 5, "injured": None}},
            ),
            item("background", "2021-07-14", "Dasu", 35.29, 73.29, "Khyber Pakhtunkhwa", "ied", 13),
            item("aggregate", None, None, None, None, None, None, 20),  # type: ignore[arg-type]
            item("primary", "2024-04-18", "Hub", 25.03, 66.89, "Balochistan", "armed_assault", 1),
        ),
        url="https://example.org/follow-up",
        outlet="Example Daily",
        published=published,
    )

    besham = db.scalar(select(Incident).where(Incident.external_key == "2024-03-26-besham"))
    dasu = db.scalar(select(Incident).where(Incident.external_key == "2021-07-14-dasu"))
    assert besham is not None and dasu is not None
    assert result.merged == [besham.id]
    assert result.linked == [dasu.id]
    assert result.aggregates == 1
    assert len(result.created) == 1
    assert incidents(db) == before + 1
    new = db.get(Incident, result.created[0])
    assert new is not None and new.review_status == "pending" and new.origin == "osint"
    db.refresh(besham)
    assert any(s.outlet == "Example Daily" and s.killed == 5 for s in besham.sources)

    again = ingest(
        db,
        article(
            "follow-up",
            item("primary", "2024-03-26", "Bisham", 34.93, 72.87, "Khyber Pakhtunkhwa", "vbied", 5),
        ),
        url="https://example.org/follow-up",
        outlet="Example Daily",
        published=published,
    )
    assert again.skipped == "already ingested"
    assert incidents(db) == before + 1


def test_irrelevant_articles_store_nothing(db: Session) -> None:
    result = ingest(db, article("cricket", relevant=False), url="https://example.org/cricket")
    assert result.skipped == "not relevant"
    assert incidents(db) == 0


def test_seed_articles_link_to_the_recorded_attacks_once(db: Session, client, login_as) -> None:
    from pathlib import Path

    import pytest

    seeds = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("seed articles (../shared/seeds) not present")
    load_curated_incidents(db)
    db.commit()
    before = incidents(db)
    analyst = login_as("analyst")
    linked = set()
    for path in sorted(seeds.glob("*.txt")):
        body = {
            "text": path.read_text(),
            "title": path.stem,
            "url": f"https://seeds.example/{path.name}",
        }
        result = client.post("/api/v1/osint/articles", headers=analyst.headers, json=body)
        assert result.status_code == 200, result.text
        assert result.json()["relevant"] is True
        linked.update(result.json()["linked"])
        again = client.post("/api/v1/osint/articles", headers=analyst.headers, json=body)
        assert again.json()["skipped"] == "already ingested"
    db.rollback()
    assert incidents(db) == before  # every seed mentions attacks already on record
    keys = {db.get(Incident, i).external_key for i in linked}  # type: ignore[union-attr]
    assert {"2024-10-06-karachi-airport", "2024-03-26-besham"} <= keys
    requester = login_as("requester")
    assert (
        client.post(
            "/api/v1/osint/articles", headers=requester.headers, json={"text": "x" * 30}
        ).status_code
        == 403
    )


def test_review_from_the_command_line(db: Session, db_url: str) -> None:
    from typer.testing import CliRunner

    from jsms.cli.main import app
    from jsms.threat.service import create_incident

    pending = create_incident(
        db,
        sources=[{"outlet": "Local daily"}],
        review_status="pending",
        title="armed assault at Hub",
        attack_type="armed_assault",
        occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
        origin="osint",
    )
    db.commit()
    runner = CliRunner()
    listed = runner.invoke(app, ["threat", "review", "list"])
    assert listed.exit_code == 0 and pending.id in listed.output
    bad = runner.invoke(app, ["threat", "review", "decide", pending.id, "maybe"])
    assert bad.exit_code == 2
    done = runner.invoke(
        app,
        ["threat", "review", "decide", pending.id, "reject", "--note", "rumour, no second source"],
    )
    assert done.exit_code == 0, done.output
    db.expire_all()
    assert db.get(Incident, pending.id).review_status == "rejected"  # type: ignore[union-attr]
    again = runner.invoke(app, ["threat", "review", "decide", pending.id, "accept"])
    assert again.exit_code == 2


NEW_GWADAR_BOMBING = """Suicide bomber hits Chinese convoy on Gwadar expressway

A suicide bomber drove an explosives-laden car into a convoy carrying Chinese engineers on the
East Bay Expressway in Gwadar on Nov 30, killing two Frontier Corps personnel and injuring four
Chinese nationals, officials said.

The convoy was heading from the port to the new airport site when the attacker detonated his
vehicle beside it, a senior police officer told reporters. The wounded were moved to a hospital
in Gwadar and the expressway was closed to traffic.

No group has claimed responsibility so far.
"""


def test_a_report_without_a_year_is_queued_as_a_candidate_not_merged(
    db: Session, client, login_as
) -> None:
    """Defect 10: 'Nov 30' with no year was merged into the 2021 Gwadar expressway attack."""
    load_curated_incidents(db)
    db.commit()
    old = db.scalar(select(Incident).where(Incident.external_key == "2021-08-20-gwadar-expressway"))
    assert old is not None
    old_sources = len(old.sources)
    analyst = login_as("analyst")
    body = {"text": NEW_GWADAR_BOMBING, "url": "https://news.example/gwadar-expressway-blast"}
    answer = client.post("/api/v1/osint/articles", headers=analyst.headers, json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["extraction"]["incidents"][0]["date_precision"] == "no_year"
    assert result["merged"] == [] and result["linked"] == []
    assert len(result["created"]) == 1

    queue = client.get("/api/v1/incidents/review-queue", headers=analyst.headers).json()
    queued = next(i for i in queue["items"] if i["id"] == result["created"][0])
    assert queued["review_status"] == "pending"
    assert queued["attack_type"] == "suicide_attack" and queued["killed"] == 2
    assert "Nov 30" in queued["notes"] and old.id in queued["notes"]  # the candidate, named
    db.expire_all()
    assert len(db.get(Incident, old.id).sources) == old_sources  # type: ignore[union-attr]


def test_a_month_only_date_is_too_coarse_to_merge(db: Session) -> None:
    """A report dated only to the month of a known attack is a candidate, never a merge."""
    load_curated_incidents(db)
    db.flush()
    report = item("primary", "2024-03-01", "Bisham", 34.93, 72.87, "Khyber Pakhtunkhwa", "vbied", 5)
    report["date_precision"] = "month"
    result = ingest(
        db,
        article("march-roundup", report),
        url="https://example.org/march-roundup",
        published=datetime(2024, 4, 2, tzinfo=UTC),
    )
    besham = db.scalar(select(Incident).where(Incident.external_key == "2024-03-26-besham"))
    assert besham is not None
    assert result.merged == [] and len(result.created) == 1
    queued = db.get(Incident, result.created[0])
    assert queued is not None and queued.review_status == "pending"
    assert queued.time_precision == "month" and besham.id in queued.notes


def test_an_attack_abroad_queues_with_its_country_kidnapped_and_attackers(db: Session) -> None:
    from jsms.threat.osint.extract import extract_article

    published = datetime(2024, 5, 7, tzinfo=UTC)
    extraction = extract_article(
        "Gunmen kidnapped three Turkish engineers in Gusau, Zamfara state, Nigeria, on Monday, "
        "police said. Soldiers killed two of the attackers.",
        name="abroad",
        published=published.date(),
    )
    result = ingest(db, extraction, url="https://example.org/abroad", published=published)
    assert len(result.created) == 1
    queued = db.get(Incident, result.created[0])
    assert queued is not None
    assert queued.review_status == "pending"
    assert (queued.country, queued.province) == ("NG", "Zamfara")
    assert queued.kidnapped == 3
    assert queued.nationals["TR"]["kidnapped"] == 3
    assert queued.attackers_killed == 2
    assert queued.sources[0].kidnapped == 3


ITALIAN_REPORT = (
    "Due ingegneri cinesi sono stati uccisi ieri sera in un attacco armato vicino al cantiere "
    "della diga, secondo la polizia locale. Gli aggressori sono fuggiti a bordo di una moto e "
    "le autorità hanno avviato le indagini. Il governo ha condannato l'attacco e ha promesso "
    "maggiore sicurezza per i lavoratori stranieri nella regione."
)


def test_an_article_in_another_language_is_said_to_be_unread_not_irrelevant(db: Session) -> None:
    from jsms.threat.osint.extract import extract_article

    extraction = extract_article(ITALIAN_REPORT, name="it")
    assert extraction["unread"] == "not in English" and extraction["incidents"] == []
    result = ingest(db, extraction, url="https://example.org/it")
    assert result.skipped == "not read: not in English"
    assert incidents(db) == 0
    short = extract_article("Gunmen killed two Chinese engineers in Karachi.", name="en")
    assert "unread" not in short and short["relevant"]
