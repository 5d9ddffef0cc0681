"""Which known incidents a report waiting for review may describe, and why.

The analyst sees the two matches ingest itself uses: a known attack within a few days and a
short distance (ingest would have merged the report into it had the report been dated to the
day), and, failing the date, the nearest attack of the same kind at that place before the
report (how an undated mention is linked). Each candidate says how close it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from jsms.identity.policy import Actor
from jsms.threat.models import Incident
from jsms.threat.osint.dedupe import FAMILIES, MAX_DAYS, MAX_KM, Match, Report, ranked_matches
from jsms.threat.osint.ingest import known_near
from jsms.threat.service import incident_query

__all__ = ["Candidate", "possible_duplicates", "report_of"]

DAY_PRECISE = ("exact", "hour", "day")


@dataclass(frozen=True)
class Candidate:
    incident: Incident
    why: str
    same_event: bool
    """Within the window in which ingest merges two reports as one event."""


def report_of(incident: Incident) -> Report:
    """The facts of a stored incident that the matching compares."""
    published = [s.published_at.date() for s in incident.sources if s.published_at]
    day = incident.occurred_at.date()
    return Report(
        day=day if incident.time_precision in DAY_PRECISE else None,
        lat=incident.lat,
        lon=incident.lon,
        province=incident.province,
        attack_type=incident.attack_type,
        published=min(published) if published else day,
    )


def _ago(days: int) -> str:
    """'12 days', '5 months', '2 years 8 months': as far back as a person reckons."""
    if days < 60:
        return f"{days} day{'s' * (days != 1)}"
    months = round(days / 30.44)
    years, months = divmod(months, 12)
    if not years:
        return f"{months} months"
    return f"{years} year{'s' * (years != 1)}" + (
        f" {months} month{'s' * (months != 1)}" if months else ""
    )


def _why(report: Report, match: Match, same_event: bool) -> str:
    kind = FAMILIES.get(match.incident.attack_type, "other")
    place = f"{match.km:.0f} km apart" if match.km is not None else "same province"
    if same_event:
        days = match.days or 0
        when = "same day" if days == 0 else f"{abs(days)} day{'s' * (abs(days) != 1)} apart"
        rule = f"within {MAX_DAYS} days and {MAX_KM:.0f} km: the same event by ingest's rule"
        return f"same kind of attack ({kind}); {place}; {when}; {rule}"
    when = f"{_ago(match.days)} before the report" if match.days is not None else "earlier"
    return f"same kind of attack ({kind}); {place}; {when}: an earlier attack at this place"


def possible_duplicates(
    db: Session, actor: Actor, incident: Incident, limit: int = 5
) -> list[Candidate]:
    """The closest known incidents the actor may see, the same event's first."""
    report = report_of(incident)
    ranked: list[tuple[Match, bool]] = []
    if report.day is not None:
        ranked += [(m, True) for m in ranked_matches(report, known_near(db, report))]
    earlier = replace(report, day=None, published=report.day or report.published)
    ranked += [(m, False) for m in ranked_matches(earlier, known_near(db, earlier))]
    chosen: dict[str, tuple[Match, bool]] = {}
    for match, same in ranked:
        if match.incident.id != incident.id and match.incident.id not in chosen:
            chosen[match.incident.id] = (match, same)
        if len(chosen) >= limit:
            break
    visible = {
        i.id: i for i in db.scalars(incident_query(actor).where(Incident.id.in_(list(chosen))))
    }
    return [
        Candidate(visible[key], _why(report, match, same), same)
        for key, (match, same) in chosen.items()
        if key in visible
    ]
