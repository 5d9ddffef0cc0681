"""Bad command-line input ends with one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import jsms, one_line


def _refused(*args: str) -> str:
    result = jsms(*args)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert result.stdout.strip() == ""
    return lines[0]


@pytest.fixture
def tmp_file(tmp_path: Path):
    def write(name: str, content: str) -> str:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return str(path)

    return write


def test_missing_boundary_file(database_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "provinces.geojson"
    line = _refused("geo", "import-boundaries", str(missing), "--level", "1")
    assert "no such file" in line
    assert "provinces.geojson" in line


def test_boundary_file_that_is_not_json(database_url: str, tmp_file) -> None:
    line = _refused(
        "geo", "import-boundaries", tmp_file("p.geojson", "name,lat,lon\nx,1,2\n"), "--level", "1"
    )
    assert "not JSON" in line
    assert "line 1" in line


def test_boundary_file_that_is_html(database_url: str, tmp_file) -> None:
    html = "<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1></body></html>\n"
    line = _refused("geo", "import-boundaries", tmp_file("p.geojson", html), "--level", "2")
    assert "not JSON" in line


def test_boundary_file_that_is_not_a_feature_collection(database_url: str, tmp_file) -> None:
    for content in (
        json.dumps({"type": "Feature", "properties": {}, "geometry": None}),
        json.dumps([1, 2, 3]),
    ):
        line = _refused("geo", "import-boundaries", tmp_file("p.json", content), "--level", "1")
        assert "FeatureCollection" in line


def test_feature_collection_with_bad_features(database_url: str, tmp_file) -> None:
    cases = {
        "no features": {"type": "FeatureCollection", "features": []},
        "feature 1": {"type": "FeatureCollection", "features": ["not a feature"]},
        "polygon": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Point Province"},
                    "geometry": {"type": "Point", "coordinates": [67.0, 24.8]},
                }
            ],
        },
        "no name": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": 7},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[60, 20], [61, 20], [61, 21], [60, 20]]],
                    },
                }
            ],
        },
    }
    for expected, content in cases.items():
        path = tmp_file("bad.geojson", json.dumps(content))
        line = _refused("geo", "import-boundaries", path, "--level", "1")
        assert expected in line, (expected, line)


def test_a_folder_instead_of_a_file(database_url: str, tmp_path: Path) -> None:
    line = _refused("geo", "import-boundaries", str(tmp_path), "--level", "1")
    assert str(tmp_path.name) in line


def test_boundary_file_that_is_not_text(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    line = _refused("geo", "import-boundaries", str(path), "--level", "1")
    assert "UTF-8" in line


def test_level_out_of_range(database_url: str, tmp_file) -> None:
    line = _refused("geo", "import-boundaries", tmp_file("p.json", "{}"), "--level", "3")
    assert "--level must be 1" in line


def test_unlocking_an_unknown_user(db_url: str) -> None:
    line = _refused("users", "unlock", "nosuchuser")
    assert "no user 'nosuchuser'" in line


def test_a_long_message_stays_on_one_line(database_url: str, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 6), "provinces.geojson")
    line = _refused("geo", "import-boundaries", str(deep), "--level", "1")
    assert str(deep) in line


def test_serving_a_database_without_the_current_schema_says_what_to_do(tmp_path: Path) -> None:
    """`jsms serve` on an empty or older database stops with one line, not a traceback."""
    from jsms.migrate import upgrade

    empty = {"JSMS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = jsms("serve", "--port", "1", env=empty)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no schema yet" in one_line(result.stderr) and "jsms db upgrade" in result.stderr
    older_url = f"sqlite:///{tmp_path / 'older.sqlite3'}"
    upgrade(older_url, revision="0006")
    result = jsms("serve", "--port", "1", env={"JSMS_DATABASE_URL": older_url})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "schema is at revision 0006" in one_line(result.stderr)
