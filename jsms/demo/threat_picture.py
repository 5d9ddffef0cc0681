"""The demo's threat picture: the project's own sourced history of attacks on foreign nationals,
the public datasets and boundaries when ../shared/data is on this machine, and a few analysts'
assessments where the history alone (decaying with age) understates a threat that stands."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from jsms.config import shared_data_dir
from jsms.demo.organisations import LOADER
from jsms.geo import h3cells
from jsms.geo.gazetteer import Gazetteer
from jsms.geo.service import import_boundaries, read_feature_collection
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.threat.importers import parse_acled, parse_gtd
from jsms.threat.service import (
    create_incident,
    create_override,
    import_records,
    load_curated_incidents,
)

BOUNDARIES = "pak_admin_roads"
DATASETS = (
    ("gtd", "gtd_pakistan/pakistan_gtd_2007_2018_processed.csv", parse_gtd),
    ("acled", "acled_balochistan/balochistan_cleaned_all.csv", parse_acled),
)


@dataclass(frozen=True)
class ThreatPicture:
    """What the threat picture was built from, for the one line the demo prints about it."""

    curated: int
    imported: dict[str, int]
    boundaries: bool
    overrides: int
    shared_data: Path | None

    def summary(self) -> str:
        if self.shared_data is None:
            return (
                f"{shared_data_label()} not found: loaded {self.curated} curated incidents only; "
                "no district boundaries"
            )
        parts = [f"{self.curated} curated incidents"]
        parts += [f"{count:,} {origin.upper()}" for origin, count in self.imported.items()]
        missing = [origin.upper() for origin, *_ in DATASETS if origin not in self.imported]
        boundaries = "district boundaries" if self.boundaries else "no district boundaries"
        return (
            f"threat picture from {', '.join(parts)} ({self.shared_data}); {boundaries}"
            + (f"; {', '.join(missing)} not found" if missing else "")
            + f"; {self.overrides} analyst assessments"
        )


def shared_data_label() -> str:
    """Where the demo looks for the shared datasets, as an operator would write it."""
    return os.environ.get("JSMS_SHARED_DATA") or "../shared/data"


def import_shared_boundaries(db: Session) -> bool:
    """Province and district polygons from the shared data, when this machine has them; they go
    in first, so that sites and incidents are placed in their real district."""
    data = shared_data_dir()
    folder = data / BOUNDARIES if data else None
    if folder is None or not folder.is_dir():
        return False  # provinces then come from the nearest gazetteer place
    for level, name in ((1, "provinces.geojson"), (2, "districts.geojson")):
        import_boundaries(db, read_feature_collection(folder / name), level=level, source=name)
    return True


def load_threat_picture(
    db: Session, scenario: dict[str, Any], gazetteer: Gazetteer, now: datetime, *, boundaries: bool
) -> ThreatPicture:
    """Incidents and the analysts' current assessments (each with its reason)."""
    data = shared_data_dir()
    curated, _ = load_curated_incidents(db)
    imported: dict[str, int] = {}
    for origin, relative, parse in DATASETS:
        if data is not None and (data / relative).is_file():
            imported[origin], _ = import_records(
                db, parse(data / relative), origin=origin, source_name=relative
            )
    analyst = Actor(
        user_id=LOADER,
        username="analyst (demo)",
        agency_id="",
        side=Side.HOST,
        roles=frozenset({Role.ANALYST}),
    )
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
    load_field_reports(db, scenario, gazetteer, now)
    return ThreatPicture(
        curated=curated,
        imported=imported,
        boundaries=boundaries,
        overrides=len(scenario["threat_assessments"]),
        shared_data=data,
    )


def load_field_reports(
    db: Session, scenario: dict[str, Any], gazetteer: Gazetteer, now: datetime
) -> int:
    """Fresh reports from the demo's own units, unconfirmed: they wait in the analysts'
    review queue, as reports from the field do until someone checks them."""
    for row in scenario.get("field_reports", []):
        place = gazetteer.lookup(row["place"])[0]
        at = now - timedelta(hours=row["hours_ago"])
        create_incident(
            db,
            review_status="pending",
            origin="field",
            sources=[{"outlet": row["source"], "published_at": at, "role": "primary"}],
            title=row["title"],
            occurred_at=at,
            time_precision="hour",
            place_name=place.name,
            lat=place.lat,
            lon=place.lon,
            province=place.province,
            district=place.district,
            attack_type=row["attack_type"],
            killed=row["killed"],
            injured=row["injured"],
            notes=row["note"],
        )
    return len(scenario.get("field_reports", []))
