"""Is this reported incident one we already know? Pure matching over plain facts.

Outlets disagree on the toll, the place name ("Bisham", "Besham", "Shangla", "near Dasu") and
sometimes the day (late-night attacks are dated to the next day). Two reports are the same
event when they fall within a few days and a short distance of each other and describe the
same kind of attack; a background mention without a date matches the closest known event of
that kind at that place before the article was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from jsms.threat.osint.places import distance_km

__all__ = ["KnownIncident", "Report", "best_match"]

FAMILIES = {
    "ied": "bombing",
    "vbied": "bombing",
    "suicide_attack": "bombing",
    "rocket_grenade": "bombing",
    "armed_assault": "assault",
    "kidnapping": "kidnapping",
    "threat": "threat",
    "protest": "unrest",
    "roadblock": "unrest",
    "other": "other",
}
MAX_DAYS = 3
MAX_KM = 60.0


@dataclass(frozen=True)
class KnownIncident:
    id: str
    day: date
    lat: float | None
    lon: float | None
    province: str | None
    attack_type: str


@dataclass(frozen=True)
class Report:
    day: date | None
    lat: float | None
    lon: float | None
    province: str | None
    attack_type: str | None
    published: date | None = None


def _same_place(report: Report, known: KnownIncident) -> float | None:
    """Distance in km (0 for same province without coordinates), or None if not the same."""
    if (
        report.lat is not None
        and report.lon is not None
        and known.lat is not None
        and known.lon is not None
    ):
        km = distance_km(report.lat, report.lon, known.lat, known.lon)
        return km if km <= MAX_KM else None
    if report.province and report.province == known.province:
        return MAX_KM
    return None


def _same_kind(report: Report, known: KnownIncident) -> bool:
    if not report.attack_type:
        return True
    return FAMILIES.get(report.attack_type, "other") == FAMILIES.get(known.attack_type, "other")


def best_match(report: Report, known: list[KnownIncident]) -> KnownIncident | None:
    """The known incident this report describes, or None when it is new."""
    scored: list[tuple[float, KnownIncident]] = []
    for incident in known:
        if not _same_kind(report, incident):
            continue
        km = _same_place(report, incident)
        if km is None:
            continue
        if report.day is not None:
            days = abs((report.day - incident.day).days)
            if days > MAX_DAYS:
                continue
            scored.append((days * 20 + km, incident))
        else:
            cutoff = report.published
            if cutoff is not None and incident.day > cutoff + timedelta(days=1):
                continue
            # undated background mention: the nearest such event, the more recent on a tie
            days_before = (cutoff - incident.day).days if cutoff is not None else 0
            scored.append((km * 10 + days_before / 30, incident))
    return min(scored, key=lambda pair: pair[0])[1] if scored else None
