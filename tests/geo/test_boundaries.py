"""`jsms geo import-boundaries` and locate(): which province and district a point is in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.geo.models import AdminArea
from jsms.geo.service import locate
from tests.cli.runner import jsms, one_line
from tests.conftest import shared_data

KARACHI = (24.86, 67.01)
QUETTA = (30.18, 66.99)
BESHAM = (34.93, 72.87)
GILGIT = (35.92, 74.31)
DASU_DAM = (35.3173, 73.1933)
LAHORE = (31.55, 74.34)
ALPURI = (34.90, 72.64)  # headquarters of Shangla district


def _import(path: Path, level: int) -> tuple[int, int]:
    result = jsms("geo", "import-boundaries", str(path), "--level", str(level))
    output = one_line(result.stdout + result.stderr)
    assert result.returncode == 0, output
    match = re.search(rf"level {level}: (\d+) areas created, (\d+) updated", output)
    assert match, output
    return int(match[1]), int(match[2])


def _count(db: Session, level: int) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(AdminArea).where(AdminArea.level == level))


def _where(db: Session, point: tuple[float, float]) -> tuple[str | None, str | None]:
    db.rollback()
    found = locate(db, *point)
    return found.province, found.district


# The real boundary files (shared data, when this machine has it) ---------------------------


@pytest.fixture
def admin_roads() -> Path:
    data = shared_data()
    folder = data / "pak_admin_roads" if data else None
    if folder is None or not (folder / "provinces.geojson").is_file():
        pytest.skip("shared boundary files (pak_admin_roads) are not on this machine")
    if not (folder / "districts.geojson").is_file():
        pytest.skip("shared districts.geojson is not on this machine")
    return folder


def test_real_provinces_and_districts(admin_roads: Path, db_url: str, db: Session) -> None:
    assert _import(admin_roads / "provinces.geojson", 1) == (8, 0)
    assert _import(admin_roads / "districts.geojson", 2) == (160, 0)
    assert _count(db, 1) == 8
    assert _count(db, 2) == 160
    provinces = set(db.scalars(select(AdminArea.name).where(AdminArea.level == 1)))
    assert provinces == {
        "Punjab",
        "Sindh",
        "Balochistan",
        "Khyber Pakhtunkhwa",
        "Islamabad",
        "Gilgit-Baltistan",
        "Azad Kashmir",
        "Jammu & Kashmir (Disputed Territory)",
    }
    db.rollback()

    # Importing again replaces the areas rather than adding more.
    assert _import(admin_roads / "provinces.geojson", 1) == (0, 8)
    assert _count(db, 1) == 8
    assert _count(db, 2) == 160

    assert _where(db, KARACHI)[0] == "Sindh"
    assert _where(db, QUETTA) == ("Balochistan", "Quetta")
    # Besham sits on the Indus where Shangla meets Battagram; this file's simplified
    # polygons put the town's point a few km inside Battagram. The province is certain.
    besham = _where(db, BESHAM)
    assert besham[0] == "Khyber Pakhtunkhwa"
    assert besham[1] in {"Shangla", "Battagram"}
    assert _where(db, ALPURI) == ("Khyber Pakhtunkhwa", "Shangla")
    assert _where(db, GILGIT) == ("Gilgit-Baltistan", "Gilgit")
    assert _where(db, LAHORE) == ("Punjab", "Lahore")
    db.rollback()
    assert locate(db, *BESHAM).how == "boundary: district polygon"
    # District names are spelled as in the gazetteer, so grants naming districts still match.
    assert _where(db, DASU_DAM) == ("Khyber Pakhtunkhwa", "Upper Kohistan")
    assert _where(db, (25.5, 55.0)) == (None, None)  # Dubai is not in Pakistan


# A small hand-made FeatureCollection: runs everywhere ------------------------------------


def _square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


@pytest.fixture
def hand_made(tmp_path: Path) -> tuple[Path, Path]:
    """Two 'provinces' (the west one in two pieces) and three districts."""
    provinces = {
        "type": "FeatureCollection",
        "features": [
            _feature({"NAME_1": "Sind"}, _square(66.0, 24.0, 2.0)),
            _feature({"NAME_1": "N.W.F.P."}, _square(72.0, 34.0, 1.0)),
            _feature({"NAME_1": "F.A.T.A."}, _square(71.0, 34.0, 1.0)),
        ],
    }
    districts = {
        "type": "FeatureCollection",
        "features": [
            _feature({"adm2_name": "Karachi", "adm1_name": "Sindh"}, _square(66.5, 24.5, 0.6)),
            _feature(
                {"adm2_name": "Shangla", "adm1_name": "Khyber-Pakhtunkhwa"},
                _square(72.5, 34.5, 0.5),
            ),
            _feature(
                {"adm2_name": "Kohistan Upper", "adm1_name": "Khyber Pakhtunkhwa"},
                _square(73.0, 35.0, 0.5),
            ),
        ],
    }
    p = tmp_path / "provinces.geojson"
    d = tmp_path / "districts.geojson"
    p.write_text(json.dumps(provinces))
    d.write_text(json.dumps(districts))
    return p, d


def test_hand_made_boundaries(hand_made: tuple[Path, Path], db_url: str, db: Session) -> None:
    provinces, districts = hand_made
    assert _import(provinces, 1) == (2, 0)
    assert _import(districts, 2) == (3, 0)
    db.rollback()
    assert set(db.scalars(select(AdminArea.name).where(AdminArea.level == 1))) == {
        "Sindh",
        "Khyber Pakhtunkhwa",
    }
    db.rollback()
    kp = db.scalar(select(AdminArea).where(AdminArea.name == "Khyber Pakhtunkhwa"))
    assert (kp.min_lon, kp.max_lon) == (71.0, 73.0)  # both pieces, not the last one read
    db.rollback()

    assert _where(db, (24.8, 66.8)) == ("Sindh", "Karachi")
    assert _where(db, BESHAM) == ("Khyber Pakhtunkhwa", "Shangla")
    assert _where(db, (35.2, 73.2)) == ("Khyber Pakhtunkhwa", "Upper Kohistan")
    assert _where(db, (34.5, 71.5))[0] == "Khyber Pakhtunkhwa"  # the F.A.T.A. piece
    db.rollback()
    province_only = locate(db, 25.5, 67.5)  # in the Sindh square, in no district
    assert province_only.province == "Sindh"
    assert province_only.how.startswith("boundary: province polygon")
    db.rollback()
    outside = locate(db, 30.18, 66.99)  # Quetta: no imported polygon covers it
    assert (outside.province, outside.district) == (None, None)
    assert outside.how == "outside every imported boundary"

    # Re-importing updates in place; nothing is duplicated.
    assert _import(provinces, 1) == (0, 2)
    assert _import(districts, 2) == (0, 3)
    assert _count(db, 1) == 2
    assert _count(db, 2) == 3


def test_a_bad_feature_imports_nothing(tmp_path: Path, db_url: str, db: Session) -> None:
    path = tmp_path / "mixed.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    _feature({"NAME_1": "Sindh"}, _square(66.0, 24.0, 2.0)),
                    _feature({"NAME_1": "Nowhere"}, {"type": "Point", "coordinates": [1, 2]}),
                ],
            }
        )
    )
    result = jsms("geo", "import-boundaries", str(path), "--level", "1")
    assert result.returncode == 2
    assert "feature 2 (Nowhere)" in one_line(result.stderr)
    assert _count(db, 1) == 0


# Without any boundaries: the nearest-place fallback -----------------------------------------


def test_without_boundaries_the_nearest_place_answers(db_url: str, db: Session) -> None:
    besham = locate(db, *BESHAM)
    assert (besham.province, besham.district) == ("Khyber Pakhtunkhwa", "Shangla")
    assert besham.how.startswith("nearest place: Besham")
    assert "km" in besham.how
    karachi = locate(db, *KARACHI)
    assert karachi.province == "Sindh"
    assert karachi.how.startswith("nearest place: ")
    quetta = locate(db, *QUETTA)
    assert quetta.province == "Balochistan"
    assert "Quetta" in quetta.how
    gilgit = locate(db, *GILGIT)
    assert gilgit.province == "Gilgit-Baltistan"
    assert "Gilgit" in gilgit.how
