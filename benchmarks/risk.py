"""Benchmark the risk surface: rebuild, point and line scoring, levels on real data.

Run ``.venv/bin/python -m benchmarks.risk`` (or ``benchmarks/risk.py``). Real data is read from
``/work/shared/data`` (the GTD Pakistan extract and the ACLED Balochistan events) and never
copied; sections whose files are absent are skipped.

Timings are best of N on a shared 2-core machine. The one-off conversion of points to H3 cells
is reported separately as "write-time cell indexing": in production it happens when an incident
is written and the cell is stored on it, so a rebuild only aggregates integer arrays.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h3
import numpy as np
from h3.api import basic_int as h3i

from jsms.threat.risk import (
    INDEX_RESOLUTION,
    REGION_RESOLUTION,
    THREAT_LEVELS,
    RiskSurface,
    build_surface,
    level_for,
    severity,
    synthetic_events,
    to_epoch,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GTD_CSV = DATA / "gtd_pakistan" / "pakistan_gtd_2007_2018_processed.csv"
# The brief names political_violence_balochistan_insurgents.csv, but that file holds monthly
# counts without coordinates; the geocoded events it was aggregated from are this one.
ACLED_CSV = DATA / "acled_balochistan" / "balochistan_cleaned_all.csv"
PROVINCES_GEOJSON = DATA / "pak_admin_roads" / "provinces.geojson"
DISTRICTS_GEOJSON = DATA / "pak_admin_roads" / "districts.geojson"

GTD_AT = to_epoch(datetime(2018, 12, 31, tzinfo=UTC))
TARGET_S = 2.0

# Places for the level table: (name, lat, lon). City centres as GTD geocodes them.
PLACES = (
    ("Quetta", 30.20082, 66.994352),
    ("Peshawar", 34.006004, 71.53743),
    ("Karachi", 24.891116, 67.143312),
    ("Dera Ismail Khan", 31.834327, 70.909047),
    ("Turbat", 25.999413, 63.047451),
    ("Lahore", 31.50547, 74.342879),
    ("Islamabad", 33.67164, 73.056065),
    ("Gwadar", 25.1458, 62.326556),
    ("Gilgit", 35.918091, 74.289803),
    ("Skardu", 35.2971, 75.6333),
    ("Thar desert (Islamkot)", 24.70, 70.18),
)

# Makran coastal highway, Gwadar - Pasni - Ormara - Karachi (~500 km as the crow flies).
COASTAL_ROUTE = (
    (25.1264, 62.3225),
    (25.2630, 63.4710),
    (25.2100, 64.6400),
    (25.4200, 65.5000),
    (24.8610, 67.0100),
)

# N-25 Karachi - Hub - Bela - Khuzdar - Kalat - Mastung - Quetta, through known hot spots.
N25_ROUTE = (
    (24.8610, 67.0100),
    (25.0500, 66.8800),
    (26.2300, 66.3100),
    (27.8100, 66.6100),
    (29.0300, 66.5900),
    (29.8000, 66.8500),
    (30.2008, 66.9944),
)


@dataclass(frozen=True)
class Events:
    """Incidents as the rebuild sees them, plus their points for the indexing benchmark."""

    name: str
    at: float
    lat: np.ndarray
    lon: np.ndarray
    occurred: np.ndarray
    severities: np.ndarray

    def __len__(self) -> int:
        return int(self.lat.size)


def index_cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Write-time cell indexing: one h3 call per point (what storing an incident does)."""
    to_cell = h3i.latlng_to_cell
    return np.fromiter(
        (to_cell(a, b, INDEX_RESOLUTION) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)),
        dtype=np.uint64,
        count=lat.size,
    )


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


_FOREIGN = re.compile(r"\bchin(a|ese)\b|foreign(er|ers| national)|expatriate|\bUN\b", re.I)
_IED_TRIGGERS = {"Landmine", "Remote Trigger", "Pressure Trigger", "Time Fuse", "Sticky Bomb"}


def gtd_attack_type(row: dict[str, str]) -> str:
    """The JSMS attack type of a GTD row (suicide and vehicle bombs from the weapon fields)."""
    attack, weapon = row["attacktype1_txt"], row["weapsubtype1_txt"]
    if row["suicide"] == "1":
        return "vbied" if weapon == "Vehicle" else "suicide_attack"
    if attack == "Bombing/Explosion":
        if weapon == "Vehicle":
            return "vbied"
        if weapon.startswith("Projectile"):
            return "indirect_fire"
        if weapon == "Grenade":
            return "grenade"
        if weapon in _IED_TRIGGERS:
            return "ied"
    return attack


def gtd_foreign_victims(row: dict[str, str]) -> int:
    """Foreign victims of a GTD row: US-affiliated casualties, or 1 if foreigners were targeted."""
    counted = int(_number(row["nkillus"]) + _number(row["nwoundus"]))
    if counted:
        return counted
    diplomatic = row["targtype1_txt"] in ("Government (Diplomatic)", "Tourists")
    targeted = diplomatic and "Pakistan" not in row["corp1"]
    return 1 if targeted or _FOREIGN.search(row["corp1"]) else 0


def load_gtd(path: Path = GTD_CSV) -> Events:
    """The GTD Pakistan extract (2007-2018) with JSMS severities; raises if absent."""
    lat, lon, occurred, sev = [], [], [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                y, m, d = int(row["iyear"]), int(row["imonth"]), int(row["iday"])
                la, lo = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                continue
            when = datetime(y, max(m, 1), max(d, 1), tzinfo=UTC).timestamp()
            killed = max(0.0, _number(row["nkill"]) - _number(row["nkillter"]))
            injured = max(0.0, _number(row["nwound"]) - _number(row["nwoundte"]))
            s = severity(gtd_attack_type(row), killed, injured, gtd_foreign_victims(row))
            lat.append(la)
            lon.append(lo)
            occurred.append(when)
            sev.append(s)
    return Events("GTD Pakistan 2007-2018", GTD_AT, *map(np.array, (lat, lon, occurred, sev)))


def load_acled(path: Path = ACLED_CSV) -> Events:
    """ACLED political violence in Balochistan (2020-2024); the surface is taken at the last day."""
    lat, lon, occurred, sev = [], [], [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                when = datetime.fromisoformat(row["event_date"]).replace(tzinfo=UTC).timestamp()
                la, lo = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                continue
            foreign = 1 if _FOREIGN.search(row["notes"]) else 0
            s = severity(row["sub_event_type"], _number(row["fatalities"]), 0, foreign)
            lat.append(la)
            lon.append(lo)
            occurred.append(when)
            sev.append(s)
    occ = np.array(occurred)
    at = float(occ.max()) + 86_400.0 if occ.size else 0.0
    return Events("ACLED Balochistan 2020-2024", at, *map(np.array, (lat, lon, occ, sev)))


def naive_rebuild(
    cells: list[int], occurred: list[float], severities: list[float], at: float
) -> tuple[dict[int, float], dict[int, float]]:
    """The obvious pure-Python rebuild (dict loop, h3 per cell) the NumPy one is compared with."""
    raw: dict[int, float] = {}
    for cell, when, sev in zip(cells, occurred, severities, strict=True):
        if when <= at:
            raw[cell] = raw.get(cell, 0.0) + sev * 0.5 ** ((at - when) / (180.0 * 86_400.0))
    smooth: dict[int, float] = {}
    for cell, score in raw.items():
        smooth[cell] = smooth.get(cell, 0.0) + 0.7 * score
        ring = h3i.grid_ring(cell, 1)
        for other in ring:
            smooth[other] = smooth.get(other, 0.0) + 0.3 * score / len(ring)
    regions: dict[int, float] = {}
    for cell, score in smooth.items():
        parent = h3i.cell_to_parent(cell, REGION_RESOLUTION)
        regions[parent] = max(regions.get(parent, 0.0), score)
    return smooth, regions


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def point_cost_us(surface: RiskSurface, n: int = 100_000, repeat: int = 5) -> float:
    """Best-of-``repeat`` cost of one ``score_point`` call over ``n`` random points, in µs."""
    rng = np.random.default_rng(7)
    lats = rng.uniform(24.0, 37.0, n).tolist()
    lons = rng.uniform(61.0, 77.0, n).tolist()
    score = surface.score_point

    def run() -> None:
        for a, b in zip(lats, lons, strict=True):
            score(a, b)

    return best_of(repeat, run)[0] / n * 1e6


def admin_cells(kind: str) -> dict[str, np.ndarray]:
    """Resolution-7 cells of each province or district polygon ({} if the file is absent)."""
    path = PROVINCES_GEOJSON if kind == "province" else DISTRICTS_GEOJSON
    if not path.exists():
        return {}
    collection = json.loads(path.read_text(encoding="utf-8"))
    key = "NAME_1" if kind == "province" else "NAME_2"
    out: dict[str, list[int]] = {}
    for feature in collection.get("features", []):
        name = (feature.get("properties") or {}).get(key)
        if not name or not feature.get("geometry"):
            continue
        shape = h3.geo_to_h3shape(feature["geometry"])
        out.setdefault(str(name), []).extend(h3i.h3shape_to_cells(shape, INDEX_RESOLUTION))
    return {k: np.array(sorted(set(v)), dtype=np.uint64) for k, v in out.items()}


def level_counts(scores: np.ndarray) -> list[int]:
    return np.bincount(level_for(scores), minlength=7)[1:].tolist()


def _us(seconds: float, n: int, unit: str) -> str:
    return f"{seconds / n * 1e6:.2f} µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=1_000_000, help="synthetic events")
    parser.add_argument("--repeat", type=int, default=3, help="best of N rebuilds")
    parser.add_argument("--baseline", type=int, default=100_000, help="naive-rebuild subset")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    table = Table(title=f"Risk surface: rebuild and scoring, best of {args.repeat}")
    table.add_column("what", no_wrap=True)
    for header in ("n", "JSMS", "per item", "naive dict loop", "speed-up", "target"):
        table.add_column(header, justify="right", no_wrap=True)
    target = f"< {TARGET_S:.0f} s"

    gtd_surface: RiskSurface | None = None
    for loader, path in ((load_gtd, GTD_CSV), (load_acled, ACLED_CSV)):
        if not path.exists():
            console.print(f"[yellow]skipped: {path} not found[/yellow]")
            continue
        ev = loader(path)
        t_index, cells = best_of(args.repeat, lambda ev=ev: index_cells(ev.lat, ev.lon))
        t_build, surface = best_of(
            args.repeat,
            lambda ev=ev, c=cells: build_surface(c, ev.occurred, ev.severities, at=ev.at),
        )
        lists = (cells.tolist(), ev.occurred.tolist(), ev.severities.tolist())
        t_naive, _ = best_of(args.repeat, lambda ev=ev, li=lists: naive_rebuild(*li, ev.at))
        n = f"{len(ev):,}"
        table.add_row(f"{ev.name}", "", "", "", "", "", "")
        table.add_row(
            "  write-time cell indexing",
            n,
            _seconds(t_index),
            _us(t_index, len(ev), "event"),
            "",
            "",
            "at write",
        )
        table.add_row(
            f"  rebuild -> {surface.cells7.size:,} cells",
            n,
            _seconds(t_build),
            _us(t_build, len(ev), "event"),
            _seconds(t_naive),
            f"{t_naive / t_build:.0f}x",
            target + (" ok" if t_build < TARGET_S else " MISSED"),
        )
        gtd_surface = gtd_surface or surface

    n_syn = args.synthetic
    start = time.perf_counter()
    cells, occurred, sev = synthetic_events(n_syn, seed=42)
    t_gen = time.perf_counter() - start
    at = float(occurred.max())
    rng = np.random.default_rng(3)
    points = (rng.uniform(24.0, 37.0, n_syn), rng.uniform(61.0, 77.0, n_syn))
    t_index = best_of(1, lambda: index_cells(*points))[0]
    t_build, synth = best_of(args.repeat, lambda: build_surface(cells, occurred, sev, at=at))
    k = min(args.baseline, n_syn)
    subset = (cells[:k].tolist(), occurred[:k].tolist(), sev[:k].tolist())
    t_naive = best_of(1, lambda: naive_rebuild(*subset, at))[0] * n_syn / k
    n = f"{n_syn:,}"
    table.add_row("Synthetic, clustered over Pakistan", "", "", "", "", "", "")
    table.add_row("  generation (cells sampled)", n, _seconds(t_gen), "", "", "", "")
    table.add_row(
        "  write-time cell indexing (points)",
        n,
        _seconds(t_index),
        _us(t_index, n_syn, "event"),
        "",
        "",
        "at write",
    )
    table.add_row(
        f"  rebuild -> {synth.cells7.size:,} cells",
        n,
        _seconds(t_build),
        _us(t_build, n_syn, "event"),
        f"{_seconds(t_naive)} ({k // 1000}k x{n_syn / k:g})",
        f"{t_naive / t_build:.0f}x",
        target + (" ok" if t_build < TARGET_S else " MISSED"),
    )

    surface = gtd_surface or synth
    table.add_row("Scoring (GTD surface)" if gtd_surface else "Scoring", "", "", "", "", "", "")
    n_points = 100_000
    t_points = point_cost_us(surface, n_points) * n_points / 1e6
    table.add_row(
        "  score_point, random points",
        f"{n_points:,}",
        _seconds(t_points),
        _us(t_points, n_points, "call"),
        "",
        "",
        "µs",
    )
    for name, route in (("coast", COASTAL_ROUTE), ("N-25", N25_ROUTE)):
        t_line, line = best_of(20, lambda route=route: surface.score_line(route, step_km=1.0))
        table.add_row(
            f"  score_line {name} {line.length_km:.0f} km (max level {line.max_level})",
            f"{line.samples}",
            _seconds(t_line),
            _us(t_line, line.samples, "sample"),
            "",
            "",
            f"{_seconds(t_line / line.length_km * 500)}/500km",
        )
    console.print(table)
    if gtd_surface is None:
        return 0

    levels = Table(title="Level distribution, GTD Pakistan at 2018-12-31 (cells with a score)")
    for header in ("level", "res-7 cells", "res-5 regions", "districts", "provinces"):
        levels.add_column(header, justify="left" if header == "level" else "right")
    counts = [level_counts(gtd_surface.scores7), level_counts(gtd_surface.scores5)]
    areas = {kind: admin_cells(kind) for kind in ("district", "province")}
    area_levels = {
        kind: {name: gtd_surface.area_level(c) for name, c in found.items()}
        for kind, found in areas.items()
    }
    for found in area_levels.values():
        got = np.bincount(list(found.values()) or [1], minlength=7)[1:].tolist()
        counts.append(got if found else [0] * 6)
    for i, name in enumerate(THREAT_LEVELS):
        levels.add_row(
            f"{i + 1} {name}",
            *(f"{c[i]:,} ({c[i] / max(1, sum(c)):.1%})" for c in counts),
        )
    console.print(levels)

    places = Table(title="Levels at places, GTD at 2018-12-31")
    for header in ("place", "score", "cell level", "res-5 region level"):
        places.add_column(header, justify="left" if header == "place" else "right")
    for name, la, lo in PLACES:
        region = gtd_surface.score_cell(h3i.latlng_to_cell(la, lo, REGION_RESOLUTION))
        places.add_row(
            name,
            f"{gtd_surface.score_point(la, lo):.2f}",
            str(gtd_surface.level_point(la, lo)),
            str(int(level_for(region))),
        )
    console.print(places)

    if area_levels["province"]:
        provinces = Table(title="Province levels (area_level: worst cell), GTD at 2018-12-31")
        for header in ("province", "res-7 cells", "with a score", "level"):
            provinces.add_column(header, justify="left" if header == "province" else "right")
        for name, cells_in in sorted(areas["province"].items()):
            scored = int((gtd_surface.scores_for(cells_in) > 0).sum())
            provinces.add_row(
                name, f"{cells_in.size:,}", f"{scored:,}", str(area_levels["province"][name])
            )
        console.print(provinces)
    return 0


if __name__ == "__main__":
    sys.exit(main())
