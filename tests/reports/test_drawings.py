"""Charts and the map as SVG: well-formed, one mark per datum, values right, text escaped."""

from __future__ import annotations

from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from jsms.reports.charts import bar_chart, daily_bars
from jsms.reports.mapsvg import Frame, Outline, ShadedArea, Spot, draw_map, radius

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # raises on anything that is not well-formed XML


def _bars(root: ElementTree.Element) -> list[ElementTree.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_bar_chart_has_one_bar_per_category_with_its_value() -> None:
    items = [("Armed assault", 4), ("IED", 2), ("Kidnapping", 1)]
    root = _parse(bar_chart("Incidents by type", items))
    bars = _bars(root)
    assert [(b.get("data-label"), b.get("data-value")) for b in bars] == [
        ("Armed assault", "4"),
        ("IED", "2"),
        ("Kidnapping", "1"),
    ]
    widths = [float(b.get("width", 0)) for b in bars]
    assert widths[0] == 2 * widths[1] == 4 * widths[2]  # lengths in proportion
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Armed assault", "IED", "Kidnapping", "4", "2", "1"} <= set(texts)
    assert root.get("role") == "img" and root.find(f"{SVG}title") is not None


def test_labels_from_the_database_are_escaped() -> None:
    svg = bar_chart("By province", [('<script>alert("x")</script> & co', 1)])
    root = _parse(svg)
    assert "<script>" not in svg
    assert _bars(root)[0].get("data-label") == '<script>alert("x")</script> & co'


def test_an_empty_chart_says_so() -> None:
    root = _parse(bar_chart("Incidents by type", []))
    assert _bars(root) == []
    assert "None in this period." in [t.text for t in root.iter(f"{SVG}text")]


def test_daily_bars_draw_every_day_with_its_value() -> None:
    days = [date(2024, 3, 1) + timedelta(days=n) for n in range(30)]
    values = [n % 4 for n in range(30)]
    root = _parse(daily_bars("Incidents per day", days, values))
    bars = _bars(root)
    assert len(bars) == 30
    assert [int(b.get("data-value", -1)) for b in bars] == values
    assert bars[-1].get("data-label") == "2024-03-30"
    heights = [float(b.get("height", 0)) for b in bars]
    assert heights[3] == pytest.approx(3 * heights[1], abs=0.2)
    assert heights[0] == 0
    assert "total 43" in [t.text for t in root.iter(f"{SVG}text")]


def test_map_draws_points_sized_by_casualties_and_areas_by_level() -> None:
    frame = Frame(60.0, 23.0, 78.0, 37.5)
    square = (((66.0, 24.0), (70.0, 24.0), (70.0, 28.0), (66.0, 28.0), (66.0, 24.0)),)
    svg = draw_map(
        "Situation",
        frame,
        [Outline(square, "#ffffff")],
        [ShadedArea("Sindh", square, 5, (68.0, 26.0))],
        [Spot(1, 67.9, 24.75, 7), Spot(2, 72.9, 34.9, 0)],
    )
    root = _parse(svg)
    circles = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "incident"]
    assert sorted(c.get("data-casualties") for c in circles) == ["0", "7"]
    big = next(c for c in circles if c.get("data-casualties") == "7")
    assert float(big.get("r", 0)) == pytest.approx(radius(7), abs=0.05)
    assert radius(7) > radius(0)
    width, height = int(root.get("width", 0)), int(root.get("height", 0))
    for circle in circles:  # inside the drawing
        assert 0 < float(circle.get("cx", -1)) < width
        assert 0 < float(circle.get("cy", -1)) < height
    areas = [p for p in root.iter(f"{SVG}path") if p.get("class") == "area"]
    assert [a.get("data-level") for a in areas] == ["5"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Sindh: level 5" in texts  # the level in words, not by colour alone
    assert "5 High" in texts
