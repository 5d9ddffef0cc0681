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

__all__ = ["KnownIncident", "Match", "Report", "best_match", "ranked_matches"]

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


@dataclass(frozen=True)
class Match:
    """A known incident a report may describe, how close it is, and its rank (lower is closer).

    ``days`` is the report's day minus the incident's (for an undated report, the publication
    day minus the incident's); ``km`` is None when only the province could be compared."""

    incident: KnownIncident
    rank: float
    km: float | None
    days: int | None


def _has_point(report: Report, known: KnownIncident) -> bool:
    return None not in (report.lat, report.lon, known.lat, known.lon)


def ranked_matches(report: Report, known: list[KnownIncident]) -> list[Match]:
    """Every known incident this report may describe, the closest first."""
    found: list[Match] = []
    for incident in known:
        if not _same_kind(report, incident):
            continue
        km = _same_place(report, incident)
        if km is None:
            continue
        shown_km = km if _has_point(report, incident) else None
        if report.day is not None:
            days = (report.day - incident.day).days
            if abs(days) > MAX_DAYS:
                continue
            found.append(Match(incident, abs(days) * 20 + km, shown_km, days))
        else:
            cutoff = report.published
            if cutoff is not None and incident.day > cutoff + timedelta(days=1):
                continue
            # undated background mention: the nearest such event, the more recent on a tie
            days_before = (cutoff - incident.day).days if cutoff is not None else 0
            found.append(
                Match(
                    incident,
                    km * 10 + days_before / 30,
                    shown_km,
                    days_before if cutoff is not None else None,
                )
            )
    return sorted(found, key=lambda match: match.rank)


def best_match(report: Report, known: list[KnownIncident]) -> KnownIncident | None:
    """The known incident this report describes, or None when it is new."""
    matches = ranked_matches(report, known)
    return matches[0].incident if matches else None
