"""May a guest unit act here, now? Pure decision over plain facts.

Sovereignty rule: a guest-side unit may act only inside a live, unrevoked deployment
authorisation granted by a host agency whose own jurisdiction covers the place, within its
period, its scope (province, district or named site) and its headcount cap. Host-side units act
inside their agency's jurisdiction. The reason names the authorisation or what was missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Grant", "Place", "Verdict", "decide"]


@dataclass(frozen=True)
class Place:
    province: str | None
    district: str | None
    site_id: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Grant:
    id: str
    reference: str
    host_name: str
    host_provinces: tuple[str, ...]
    unit_id: str | None
    provinces: tuple[str, ...]
    districts: tuple[str, ...]
    site_ids: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    headcount_cap: int
    revoked_at: datetime | None
    conditions: str = ""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    authorisation_id: str | None = None


def _covers(grant: Grant, place: Place) -> bool:
    if place.site_id and place.site_id in grant.site_ids:
        return True
    if place.district and place.district in grant.districts:
        return True
    return bool(place.province and place.province in grant.provinces)


def _where(place: Place) -> str:
    parts = [p for p in (place.label, place.district, place.province) if p]
    return ", ".join(dict.fromkeys(parts)) or "an unlocated place"


def decide(
    *,
    unit_id: str,
    unit_side: str,
    unit_agency_provinces: tuple[str, ...],
    place: Place,
    at: datetime,
    headcount: int,
    grants: list[Grant],
) -> Verdict:
    """The verdict for one unit, place and time; grants are the guest agency's."""
    where = _where(place)
    if unit_side == "host":
        if place.province in unit_agency_provinces:
            return Verdict(True, f"host force acting in its own jurisdiction ({where})")
        return Verdict(
            False,
            f"{where} is outside this host force's jurisdiction "
            f"({', '.join(unit_agency_provinces) or 'none'})",
        )
    if unit_side != "guest":
        return Verdict(False, "only security units of host or guest agencies may act")
    if place.province is None:
        return Verdict(False, "the place could not be located in any province")

    applicable = [g for g in grants if g.unit_id in (None, unit_id)]
    covering = [g for g in applicable if _covers(g, place)]
    if not covering:
        return Verdict(False, f"no deployment authorisation covers {where}")
    sovereign = [g for g in covering if place.province in g.host_provinces]
    if not sovereign:
        return Verdict(
            False,
            f"authorisations covering {where} were granted by agencies without jurisdiction there",
        )
    live = [g for g in sovereign if g.revoked_at is None or g.revoked_at > at]
    if not live:
        g = sovereign[0]
        return Verdict(
            False,
            f"authorisation {g.reference} for {where} was revoked on "
            f"{g.revoked_at:%Y-%m-%d %H:%M} UTC",
            g.id,
        )
    current = [g for g in live if g.starts_at <= at < g.ends_at]
    if not current:
        g = min(live, key=lambda x: abs((x.starts_at - at).total_seconds()))
        return Verdict(
            False,
            f"authorisation {g.reference} for {where} is valid only from "
            f"{g.starts_at:%Y-%m-%d %H:%M} to {g.ends_at:%Y-%m-%d %H:%M} UTC",
            g.id,
        )
    within_cap = [g for g in current if headcount <= g.headcount_cap]
    if not within_cap:
        g = max(current, key=lambda x: x.headcount_cap)
        return Verdict(
            False,
            f"headcount {headcount} exceeds the cap of {g.headcount_cap} "
            f"in authorisation {g.reference}",
            g.id,
        )
    g = within_cap[0]
    conditions = f"; conditions: {g.conditions}" if g.conditions else ""
    return Verdict(
        True,
        f"authorised by {g.reference} ({g.host_name}) for {where} until "
        f"{g.ends_at:%Y-%m-%d %H:%M} UTC, cap {g.headcount_cap}{conditions}",
        g.id,
    )
