"""The risk surface as the rest of JSMS reads it: built from stored incidents, with overrides.

`jsms.threat.risk` does the arithmetic on arrays; this module loads those arrays, caches the
surface per process (it is rebuilt when incidents change, or for a past time T on request),
and applies analysts' overrides for cells, districts and provinces.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import h3
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.db import utcnow
from jsms.geo.service import Location, locate
from jsms.threat import risk
from jsms.threat.models import Incident, ThreatOverride
from jsms.threat.service import overrides_at

_cache: dict[tuple[Any, ...], risk.RiskSurface] = {}
_CACHE_SIZE = 16


@dataclass(frozen=True)
class PointLevel:
    score: float
    level: int
    computed_level: int
    override_reason: str | None
    province: str | None
    district: str | None
    cell: str


@dataclass(frozen=True)
class LineLevel:
    scored: risk.LineScore
    level: int
    computed_level: int


@dataclass(frozen=True)
class AreaLevel:
    name: str
    level: int
    computed_level: int
    override_reason: str | None


def _accepted() -> Any:
    return (Incident.review_status == "accepted") & Incident.h3_cell.is_not(None)


def _version(db: Session) -> tuple[int, Any]:
    count, newest = db.execute(
        select(func.count(Incident.id), func.max(Incident.updated_at)).where(_accepted())
    ).one()
    return int(count), newest


def load_events(db: Session, at: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells, epoch times and severities of accepted incidents up to `at`."""
    rows = db.execute(
        select(Incident.h3_cell, Incident.occurred_at, Incident.severity).where(
            _accepted(), Incident.occurred_at <= at
        )
    ).all()
    if not rows:
        empty = np.empty(0)
        return empty.astype(np.uint64), empty, empty
    cells = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)).view(np.uint64)
    occurred = np.fromiter((r[1].timestamp() for r in rows), dtype=np.float64, count=len(rows))
    severities = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    return cells, occurred, severities


def surface_at(db: Session, at: datetime | None = None) -> risk.RiskSurface:
    """The surface now (to the hour) or at a past time, cached while incidents are unchanged."""
    moment = (at or utcnow()).replace(minute=0, second=0, microsecond=0)
    key = (*_version(db), moment)
    surface = _cache.get(key)
    if surface is None:
        cells, occurred, severities = load_events(db, moment)
        surface = risk.build_surface(cells, occurred, severities, at=moment)
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = surface
    return surface


def rebuild(db: Session) -> dict[str, Any]:
    """Recompute the surface now and report what it holds (for `jsms risk rebuild`)."""
    _cache.clear()
    started = time.perf_counter()
    surface = surface_at(db)
    seconds = time.perf_counter() - started
    levels = risk.level_for(surface.scores7) if len(surface.scores7) else np.empty(0, dtype=int)
    counts = {risk.THREAT_LEVELS[lv - 1]: int((levels == lv).sum()) for lv in range(2, 7)}
    return {
        "events": surface.n_events,
        "cells": len(surface.cells7),
        "regions": len(surface.cells5),
        "seconds": round(seconds, 3),
        "cells_by_level": counts,
    }


def _as_override(row: ThreatOverride, cell: int) -> risk.Override:
    cells = frozenset({int(h3.str_to_int(row.area)) if row.area_kind == "cell" else cell})
    return risk.Override(
        cells=cells,
        level=row.level,
        reason=row.reason,
        expires_at=row.expires_at.timestamp(),
        starts_at=row.starts_at.timestamp(),
    )


def _override_reason(rows: list[ThreatOverride], level: int, computed: int) -> str | None:
    if level == computed and not rows:
        return None
    latest = max(rows, key=lambda r: (r.starts_at, r.level)) if rows else None
    return latest.reason if latest else None


def overrides_here(
    overrides: list[ThreatOverride], cell7: str, district: str | None, province: str | None
) -> list[ThreatOverride]:
    """The overrides (already in force) that cover a resolution-7 cell in a district/province."""
    cells = {cell7, h3.cell_to_parent(cell7, risk.REGION_RESOLUTION)}
    return [
        o
        for o in overrides
        if (o.area_kind == "cell" and o.area in cells)
        or (o.area_kind == "district" and district is not None and o.area == district)
        or (o.area_kind == "province" and province is not None and o.area == province)
    ]


def with_overrides(computed: int, rows: list[ThreatOverride], at: datetime, cell: int) -> int:
    """The effective level: the computed one unless an override covers the place."""
    if not rows:
        return computed
    return risk.apply_overrides(computed, [_as_override(o, cell) for o in rows], at)


class OverridesInForce:
    """The analysts' overrides in force at one moment, and the one rule that places them.

    Point lookups, lines and route levels all ask this object, so a place has one effective
    level whichever way it is asked: an override covers a point when its cell (or the cell's
    resolution-5 region) is the override's cell, or the point lies in the override's district or
    province as :func:`jsms.geo.service.locate` places it. Points are located only when a
    district or province override is in force.
    """

    def __init__(self, db: Session, at: datetime) -> None:
        self.db = db
        self.at = at
        self.rows = overrides_at(db, at)
        self._by_area = any(o.area_kind in {"district", "province"} for o in self.rows)

    def covering(
        self, lat: float, lon: float, cell7: str, where: Location | None = None
    ) -> list[ThreatOverride]:
        """The overrides that cover (lat, lon) in ``cell7``; ``where`` if already located."""
        if not self.rows:
            return []
        if where is None and self._by_area:
            where = locate(self.db, lat, lon)
        district = where.district if where else None
        province = where.province if where else None
        return overrides_here(self.rows, cell7, district, province)

    def level(self, computed: int, lat: float, lon: float, cell7: str) -> int:
        """The effective level at (lat, lon) given its computed level."""
        rows = self.covering(lat, lon, cell7)
        return with_overrides(computed, rows, self.at, int(h3.str_to_int(cell7)))


def levels_along(
    db: Session,
    coordinates: list[tuple[float, float]],
    at: datetime,
    locate: Any,
) -> list[tuple[float, float, int, str | None]]:
    """(lat, lon, effective level, province) for each point of a route, overrides applied.

    ``locate`` gives the province reported for each point (the route's jurisdictions); the
    overrides are placed by :class:`OverridesInForce`, as for a point lookup.
    """
    surface = surface_at(db, at)
    cells = np.array(
        [
            h3.str_to_int(h3.latlng_to_cell(lat, lon, risk.INDEX_RESOLUTION))
            for lat, lon in coordinates
        ],
        dtype=np.uint64,
    )
    computed = risk.level_for(surface.scores_for(cells)) if len(cells) else []
    overrides = OverridesInForce(db, at)
    out = []
    for (lat, lon), cell, level in zip(coordinates, cells, computed, strict=True):
        effective = overrides.level(int(level), lat, lon, h3.int_to_str(int(cell)))
        out.append((lat, lon, effective, locate(lat, lon)))
    return out


def point_level(db: Session, lat: float, lon: float, at: datetime | None = None) -> PointLevel:
    """Score and level at a point, overrides applied: "what is (was) the level here at T"."""
    moment = at or utcnow()
    surface = surface_at(db, moment)
    cell7 = h3.latlng_to_cell(lat, lon, risk.INDEX_RESOLUTION)
    score = surface.score_point(lat, lon)
    computed = surface.level_point(lat, lon)
    where = locate(db, lat, lon)
    rows = OverridesInForce(db, moment).covering(lat, lon, cell7, where)
    level = with_overrides(computed, rows, moment, int(h3.str_to_int(cell7)))
    return PointLevel(
        score=round(score, 3),
        level=level,
        computed_level=computed,
        override_reason=_override_reason(rows, level, computed),
        province=where.province,
        district=where.district,
        cell=cell7,
    )


def line_level(
    db: Session,
    coordinates: list[tuple[float, float]],
    at: datetime | None = None,
    step_km: float = 1.0,
) -> LineLevel:
    """Exposure and worst level along a line of (lat, lon) points, overrides applied."""
    moment = at or utcnow()
    surface = surface_at(db, moment)
    scored = surface.score_line(coordinates, step_km=step_km)
    overrides = OverridesInForce(db, moment)
    level = max(
        overrides.level(surface.level_cell(cell), lat, lon, h3.int_to_str(cell))
        for cell, (lat, lon) in zip(scored.cells, scored.cell_points, strict=True)
    )
    return LineLevel(scored=scored, level=level, computed_level=scored.max_level)


def area_levels(db: Session, kind: str, at: datetime | None = None) -> list[AreaLevel]:
    """Threat level of every province or district that has incidents, overrides applied."""
    if kind not in {"province", "district"}:
        raise ValueError(kind)
    moment = at or utcnow()
    surface = surface_at(db, moment)
    column = Incident.province if kind == "province" else Incident.district
    rows = db.execute(
        select(column, Incident.h3_cell)
        .where(_accepted(), column.is_not(None), Incident.occurred_at <= moment)
        .distinct()
    ).all()
    cells_by_area: dict[str, list[int]] = {}
    for name, cell in rows:
        if name is not None and cell is not None:  # the query excludes both; mypy can't tell
            cells_by_area.setdefault(name, []).append(cell)
    overrides = [o for o in overrides_at(db, moment) if o.area_kind == kind]
    result = []
    for name in sorted(cells_by_area.keys() | {o.area for o in overrides}):
        cells = np.array(cells_by_area.get(name, []), dtype=np.int64).view(np.uint64)
        computed = risk.area_level(surface.scores_for(cells)) if len(cells) else 1
        mine = [o for o in overrides if o.area == name]
        some_cell = (
            int(cells[0])
            if len(cells)
            else int(h3.str_to_int(h3.latlng_to_cell(30.0, 70.0, risk.INDEX_RESOLUTION)))
        )
        level = (
            risk.apply_overrides(computed, [_as_override(o, some_cell) for o in mine], moment)
            if mine
            else computed
        )
        result.append(AreaLevel(name, level, computed, _override_reason(mine, level, computed)))
    return result
