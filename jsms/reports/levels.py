"""Threat levels in the SITREP: which areas changed level over the period, and the analysts'
overrides that began or end around it.

A change is read from the same "level at time T" the API answers (`surface.area_levels`,
overrides included), once at the start of the period and once at its end.
"""

from __future__ import annotations

from datetime import datetime

import h3
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from jsms.geo.service import locate
from jsms.reports.period import DAY
from jsms.reports.schemas import LevelChange, OverrideLine, Period
from jsms.threat import surface
from jsms.threat.models import ThreatOverride

KINDS = ("province", "district")


def changes(db: Session, period: Period, as_of: datetime) -> list[LevelChange]:
    """Provinces, then districts, whose level at `as_of` differs from the start of the period.

    An area no incident has touched yet is at level 1 (as the surface scores it)."""
    out = []
    for kind in KINDS:
        before = {a.name: a for a in surface.area_levels(db, kind, period.start)}
        after = {a.name: a for a in surface.area_levels(db, kind, as_of)}
        for name in sorted(before.keys() | after.keys()):
            then, now = before.get(name), after.get(name)
            level_then = then.level if then else 1
            level_now = now.level if now else 1
            if level_then == level_now:
                continue
            overridden = now is not None and now.override_reason is not None
            reason = now.override_reason if now is not None and overridden else None
            if reason is None and then is not None and then.override_reason:
                reason = f"override ended: {then.override_reason}"
            out.append(
                LevelChange(
                    kind=kind,
                    area=name,
                    before=level_then,
                    after=level_now,
                    computed=now.computed_level if now else 1,
                    overridden=overridden,
                    reason=reason,
                )
            )
    return out


def _where(db: Session, row: ThreatOverride) -> str:
    if row.area_kind != "cell":
        return f"{row.area} ({row.area_kind})"
    lat, lon = h3.cell_to_latlng(row.area)
    found = locate(db, lat, lon)
    names = ", ".join(n for n in (found.district, found.province) if n)
    return f"area around {lat:.2f}N {lon:.2f}E" + (f" in {names}" if names else "")


def _state(row: ThreatOverride, period: Period) -> str:
    if period.start <= row.expires_at < period.end:
        return "ended"
    started = period.start <= row.starts_at < period.end
    created = period.start <= row.created_at < period.end
    return "new" if started or created else "ends soon"


def overrides(db: Session, period: Period) -> list[OverrideLine]:
    """Overrides that began (or were set) in the period, ended in it, or end within a day."""
    in_period = [
        and_(column >= period.start, column < period.end)
        for column in (ThreatOverride.starts_at, ThreatOverride.created_at)
    ]
    ending = and_(
        ThreatOverride.expires_at >= period.start, ThreatOverride.expires_at < period.end + DAY
    )
    rows = db.scalars(
        select(ThreatOverride)
        .where(or_(*in_period, ending))
        .order_by(ThreatOverride.starts_at, ThreatOverride.area)
    )
    return [
        OverrideLine(
            kind=row.area_kind,
            area=row.area,
            where=_where(db, row),
            level=row.level,
            reason=row.reason,
            starts_at=row.starts_at,
            expires_at=row.expires_at,
            created_by=row.created_by,
            state=_state(row, period),
        )
        for row in rows
    ]
