"""A partner's STIX 2.1 bundle read into incident records. No database here.

Nothing is trusted blindly: every value is checked and bounded the way our own forms bound it
(an unknown attack type becomes `other`, coordinates out of range are dropped, texts are
cut to the column's length), an object without a TLP marking is treated as TLP:AMBER, and
every incident arrives unverified for an analyst to review. Incidents are read from
Incident SDOs; their place from `located-at` Locations, perpetrators from `attributed-to`
Threat Actors (the relationship's description says claimed or attributed), sources from
Reports that refer to them; figures from our facts extension when the partner sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jsms.exchange.stix_vocab import JSMS_FACTS, TLP_OF_MARKING
from jsms.threat.osint.types import ATTACK_TYPES

STIX = dict[str, Any]
MAX_OBJECTS = 20_000
UNMARKED_TLP = "amber"


class BundleError(ValueError):
    """The file is not a STIX 2.1 bundle we can read."""


@dataclass
class IncomingIncident:
    stix_id: str
    version: str
    tlp: str
    fields: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:limit]


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        return None
    return value


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not datetime(1970, 1, 1, tzinfo=UTC) <= parsed <= datetime(2100, 1, 1, tzinfo=UTC):
        return None
    return parsed.astimezone(UTC)


def _nationals(value: Any) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict):
        return {}
    found: dict[str, dict[str, int]] = {}
    for code, figures in list(value.items())[:50]:
        if not (isinstance(code, str) and len(code) == 2 and code.isalpha()):
            continue
        if not isinstance(figures, dict):
            continue
        kept = {k: n for k in ("killed", "injured") if (n := _count(figures.get(k))) is not None}
        found[code.upper()] = kept
    return found


def tlp_of(obj: STIX) -> str:
    """The most restrictive TLP 2.0 marking on the object; unmarked counts as AMBER."""
    from jsms.exchange.agreements import TLP_ORDER

    marks = [TLP_OF_MARKING[m] for m in obj.get("object_marking_refs", []) if m in TLP_OF_MARKING]
    if not marks:
        return UNMARKED_TLP
    return max(marks, key=TLP_ORDER.index)


def _objects(data: Any) -> list[STIX]:
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise BundleError("not a STIX bundle: the top level must be an object of type 'bundle'")
    objects = data.get("objects", [])
    if not isinstance(objects, list):
        raise BundleError("the bundle's 'objects' must be a list")
    if len(objects) > MAX_OBJECTS:
        raise BundleError(f"the bundle has {len(objects)} objects; at most {MAX_OBJECTS} at once")
    return [o for o in objects if isinstance(o, dict) and isinstance(o.get("id"), str)]


def _facts(obj: STIX) -> STIX:
    facts = (obj.get("extensions") or {}).get(JSMS_FACTS)
    return facts if isinstance(facts, dict) else {}


def _place(location: STIX) -> dict[str, Any]:
    place: dict[str, Any] = {}
    lat, lon = location.get("latitude"), location.get("longitude")
    if (
        isinstance(lat, int | float)
        and isinstance(lon, int | float)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    ):
        place["lat"], place["lon"] = float(lat), float(lon)
    place["province"] = _text(location.get("administrative_area"), 40)
    name = _text(location.get("name"), 200)
    if name:
        place["place_name"] = name
    return place


def _source(report: STIX, fallback: datetime) -> dict[str, Any]:
    refs = [r for r in report.get("external_references") or [] if isinstance(r, dict)]
    first = refs[0] if refs else {}
    url = first.get("url")
    facts = _facts(report)
    return {
        "outlet": _text(first.get("source_name") or report.get("name"), 200) or "partner",
        "url": url[:500]
        if isinstance(url, str) and url.startswith(("http://", "https://"))
        else None,
        "published_at": _when(report.get("published")) or fallback,
        "killed": _count(facts.get("killed")),
        "injured": _count(facts.get("injured")),
        "nationals": _nationals(facts.get("nationals")),
        "evidence": {},
        "role": "primary",
    }


def read_bundle(data: Any) -> list[IncomingIncident]:
    """The incidents a bundle reports, each with its place, perpetrators and sources."""
    objects = _objects(data)
    by_id = {o["id"]: o for o in objects}
    incidents = [o for o in objects if o.get("type") == "incident"]
    places: dict[str, STIX] = {}
    actors: dict[str, dict[str, str]] = {}
    for rel in (o for o in objects if o.get("type") == "relationship"):
        source, target = by_id.get(rel.get("source_ref", "")), by_id.get(rel.get("target_ref", ""))
        if source is None or target is None or source.get("type") != "incident":
            continue
        if rel.get("relationship_type") == "located-at" and target.get("type") == "location":
            places[source["id"]] = target
        if rel.get("relationship_type") == "attributed-to" and target.get("type") in (
            "threat-actor",
            "intrusion-set",
        ):
            how = "claimed" if "claim" in str(rel.get("description", "")).lower() else "attributed"
            name = _text(target.get("name"), 200)
            if name:
                actors.setdefault(source["id"], {}).setdefault(how, name)
    reports: dict[str, list[STIX]] = {}
    for report in (o for o in objects if o.get("type") == "report"):
        for ref in report.get("object_refs") or []:
            reports.setdefault(ref, []).append(report)
    return [
        _incident(obj, places.get(obj["id"]), actors.get(obj["id"], {}), reports.get(obj["id"], []))
        for obj in incidents
        if _when(obj.get("modified")) is not None
    ]


def _incident(
    obj: STIX, location: STIX | None, actors: dict[str, str], reports: list[STIX]
) -> IncomingIncident:
    facts = _facts(obj)
    occurred = _when(facts.get("occurred_at")) or _when(obj.get("first_seen"))
    precision = facts.get("time_precision")
    if occurred is None:
        occurred = _when(obj.get("created")) or datetime.now(UTC)
        precision = "day"
    attack = facts.get("attack_type")
    if attack not in ATTACK_TYPES:
        attack = "other"
    fields: dict[str, Any] = {
        "title": _text(obj.get("name"), 300) or "incident reported by a partner",
        "occurred_at": occurred,
        "time_precision": precision if precision in ("exact", "day", "month", "year") else "day",
        "attack_type": attack,
        "target_type": _text(facts.get("target_type"), 120),
        "killed": _count(facts.get("killed")),
        "injured": _count(facts.get("injured")),
        "attackers_killed": _count(facts.get("attackers_killed")),
        "nationals": _nationals(facts.get("nationals")),
        "perpetrator_claimed": actors.get("claimed"),
        "perpetrator_attributed": actors.get("attributed"),
        "notes": _text(obj.get("description"), 4000) or "",
    }
    if location is not None:
        fields.update(_place(location))
    modified = _when(obj.get("modified"))
    assert modified is not None
    return IncomingIncident(
        stix_id=obj["id"][:120],
        version=modified.isoformat(),
        tlp=tlp_of(obj),
        fields=fields,
        sources=[_source(r, occurred) for r in reports[:50]],
    )
