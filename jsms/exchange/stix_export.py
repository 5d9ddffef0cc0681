"""Incidents as STIX 2.1 objects, cut to what an agreement allows. No database here.

Each incident becomes an Incident SDO (with the Incident Core extension and our facts
extension), a Location, Threat Actors for its perpetrators (claimed and attributed are two
relationships, each saying which), a Report per source, and a Sighting of the perpetrator at
the place. Every object carries the TLP 2.0 marking of the incident it comes from; the
agency that shares is the Identity that authored them. Ids are derived from our records, so
exporting again gives the same ids.

What an agreement cannot change: only the fields listed here are ever read from an incident
(never a person, never a movement's route or times), and every text passes through `redact`,
which removes the names of protected persons.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import stix2

from jsms.exchange.agreements import TLP_ORDER, Terms
from jsms.exchange.stix_vocab import (
    INCIDENT_CORE,
    JSMS_FACTS,
    JSMS_MOVEMENT,
    MOVEMENT_TYPE,
    TLP_IDS,
    extension_definitions,
    stix_id,
    tlp_marking,
)
from jsms.threat.models import Incident, IncidentSource

Redact = Callable[[str], str]
STIX = dict[str, Any]


@dataclass(frozen=True)
class Author:
    """Our agency as the author of what it shares."""

    agency_id: str
    name: str
    country: str
    created: datetime


@dataclass(frozen=True)
class MovementFacts:
    """The most a movement summary can say: never a route, a time, a place or a person."""

    movement_id: str
    reference: str
    departure_date: date
    jurisdictions: tuple[str, ...]
    status: str
    created: datetime
    modified: datetime


def _plain(obj: Any) -> STIX:
    return dict(json.loads(obj.serialize()))


def identity_id(agency_id: str) -> str:
    return stix_id("identity", agency_id)


def incident_id(incident: Incident) -> str:
    """An incident first received from a partner keeps the partner's id."""
    if incident.origin == "partner" and incident.external_key.startswith("incident--"):
        return incident.external_key
    return stix_id("incident", incident.id)


def actor_id(name: str) -> str:
    """One id per perpetrator name, whoever shares it."""
    return stix_id("threat-actor", " ".join(name.lower().split()))


class Exporter:
    """Collects the objects of a bundle for one agreement."""

    def __init__(self, author: Author, terms: Terms, redact: Redact) -> None:
        self.author = author
        self.terms = terms
        self.redact = redact
        self.objects: dict[str, STIX] = {}
        self.actor_tlp: dict[str, str] = {}
        self.withheld: dict[str, int] = {"tlp": 0}
        self.used: set[str] = set()  # markings and extensions the objects refer to

    # -- common --------------------------------------------------------------------------

    def _common(self, tlp: str, created: datetime, modified: datetime) -> dict[str, Any]:
        # A new agreement may change what an object says: it is then a new version.
        newest = max(created, modified, self.terms.changed_at or created)
        common: dict[str, Any] = {
            "created": created,
            "modified": newest,
            "object_marking_refs": [TLP_IDS[tlp]],
        }
        if self.terms.shares_type("identity"):
            common["created_by_ref"] = identity_id(self.author.agency_id)
        return common

    def _add(self, obj: Any) -> str:
        plain = _plain(obj)
        self._keep(plain)
        return str(plain["id"])

    def _keep(self, plain: STIX) -> None:
        self.objects[plain["id"]] = plain
        self.used.update(plain.get("object_marking_refs", []))
        self.used.update(plain.get("extensions", {}))

    # -- incidents -----------------------------------------------------------------------

    def add_incident(self, incident: Incident) -> bool:
        """Add the incident and what hangs off it; False when the agreement withholds it."""
        terms = self.terms
        if incident.tlp not in TLP_ORDER or not terms.shares_tlp(incident.tlp):
            self.withheld["tlp"] += 1
            return False
        tlp = incident.tlp
        common = self._common(tlp, incident.created_at, incident.updated_at)
        the_id = incident_id(incident)
        fields: dict[str, Any] = {"name": self.redact(self._name(incident))}
        if terms.keeps("notes") and incident.notes.strip():
            fields["description"] = self.redact(incident.notes.strip())
        fields["extensions"] = {
            INCIDENT_CORE: self._core(incident),
            JSMS_FACTS: self._facts(incident, incident.nationals),
        }
        self._add(stix2.Incident(id=the_id, **fields, **common))
        location = self._location(incident, tlp)
        if location:
            self._relate(the_id, "located-at", location, tlp, incident, "where it happened")
        self._perpetrators(incident, the_id, tlp, location)
        if terms.shares_type("report"):
            for source in incident.sources:
                self._report(source, incident, the_id, tlp)
        return True

    def _name(self, incident: Incident) -> str:
        if self.terms.keeps("place_name"):
            return incident.title
        kind = incident.attack_type.replace("_", " ")
        return f"{kind} in {incident.province}" if incident.province else kind

    def _core(self, incident: Incident) -> dict[str, Any]:
        confirmed = incident.verification in {"probable", "confirmed"}
        core: dict[str, Any] = {
            "extension_type": "property-extension",
            "determination": "successful-attempt"
            if confirmed and incident.attack_type != "threat"
            else "suspected",
            "investigation_status": "closed" if incident.verification == "confirmed" else "open",
            "incident_types": [incident.attack_type],
            "criticality": max(0, min(100, round(incident.severity * 10))),
        }
        if self.terms.keeps("casualties"):
            hurt = (incident.killed or 0) + (incident.injured or 0)
            if hurt:
                core["impacted_entity_counts"] = {"individuals": hurt}
        return core

    def _facts(self, record: Incident | IncidentSource, nationals: dict[str, Any]) -> STIX:
        terms = self.terms
        facts: dict[str, Any] = {"extension_type": "property-extension"}
        if isinstance(record, Incident):
            facts.update(
                occurred_at=stix2.utils.format_datetime(
                    stix2.utils.STIXdatetime(record.occurred_at)
                ),
                time_precision=record.time_precision,
                attack_type=record.attack_type,
                verification=record.verification,
            )
            if record.target_type and terms.keeps("target_type"):
                facts["target_type"] = self.redact(record.target_type)
            if record.attackers_killed is not None and terms.keeps("casualties"):
                facts["attackers_killed"] = record.attackers_killed
        if terms.keeps("casualties"):
            for name in ("killed", "injured"):
                value = getattr(record, name)
                if value is not None:
                    facts[name] = value
            if nationals and terms.keeps("nationals"):
                facts["nationals"] = {
                    str(code): {
                        k: v for k, v in (figures or {}).items() if k in ("killed", "injured")
                    }
                    for code, figures in nationals.items()
                }
        return facts

    def _location(self, incident: Incident, tlp: str) -> str | None:
        terms = self.terms
        if not terms.shares_type("location"):
            return None
        place: dict[str, Any] = {}
        if incident.lat is not None and incident.lon is not None and terms.keeps("coordinates"):
            place["latitude"] = terms.coordinate(incident.lat)
            place["longitude"] = terms.coordinate(incident.lon)
        if incident.province:
            place["administrative_area"] = incident.province
        if terms.keeps("place_name"):
            names = [n for n in (incident.place_name, incident.district) if n]
            if names:
                place["name"] = self.redact(", ".join(dict.fromkeys(names)))
        if not place:
            return None
        place.setdefault("country", "PK")
        place.setdefault("region", "southern-asia")
        common = self._common(tlp, incident.created_at, incident.updated_at)
        return self._add(stix2.Location(id=stix_id("location", incident.id), **place, **common))

    def _relate(
        self, source: str, kind: str, target: str, tlp: str, incident: Incident, why: str
    ) -> str:
        common = self._common(tlp, incident.created_at, incident.updated_at)
        return self._add(
            stix2.Relationship(
                id=stix_id("relationship", f"{source}:{kind}:{target}:{why}"),
                source_ref=source,
                target_ref=target,
                relationship_type=kind,
                description=why,
                **common,
            )
        )

    def _perpetrators(
        self, incident: Incident, the_id: str, tlp: str, location: str | None
    ) -> None:
        terms = self.terms
        if not terms.shares_type("threat-actor") or not terms.keeps("perpetrators"):
            return
        named = [
            (incident.perpetrator_claimed, "claimed responsibility"),
            (incident.perpetrator_attributed, "attributed by analysts"),
        ]
        for name, why in named:
            if not name or not name.strip():
                continue
            actor = self._actor(name.strip(), tlp, incident)
            self._relate(the_id, "attributed-to", actor, tlp, incident, why)
            if location and terms.shares_type("sighting"):
                common = self._common(tlp, incident.created_at, incident.updated_at)
                self._add(
                    stix2.Sighting(
                        id=stix_id("sighting", f"{incident.id}:{actor}"),
                        sighting_of_ref=actor,
                        where_sighted_refs=[location],
                        first_seen=incident.occurred_at,
                        count=1,
                        description=f"{why}: {self.redact(self._name(incident))}",
                        **common,
                    )
                )

    def _actor(self, name: str, tlp: str, incident: Incident) -> str:
        """A perpetrator, marked with the least restrictive TLP of the incidents naming it."""
        the_id = actor_id(name)
        known = self.actor_tlp.get(the_id)
        if known is not None and TLP_ORDER.index(known) <= TLP_ORDER.index(tlp):
            return the_id
        self.actor_tlp[the_id] = tlp
        created = datetime(2018, 1, 1, tzinfo=UTC)
        common = self._common(tlp, created, created)
        return self._add(
            stix2.ThreatActor(
                id=the_id,
                name=self.redact(name),
                threat_actor_types=["terrorist"],
                **common,
            )
        )

    def _report(self, source: IncidentSource, incident: Incident, the_id: str, tlp: str) -> None:
        outlet = self.redact(source.outlet or "unnamed source")
        reference: dict[str, Any] = {"source_name": outlet}
        if source.url and self.terms.keeps("source_urls"):
            reference["url"] = source.url
        else:
            reference["description"] = "reported by this outlet"
        published = source.published_at or incident.occurred_at
        common = self._common(tlp, incident.created_at, incident.updated_at)
        self._add(
            stix2.Report(
                id=stix_id("report", source.id),
                name=f"{outlet}: {self.redact(self._name(incident))}",
                report_types=["threat-report"],
                published=published,
                object_refs=[the_id],
                external_references=[reference],
                extensions={JSMS_FACTS: self._facts(source, source.nationals)},
                **common,
            )
        )

    # -- movements -----------------------------------------------------------------------

    def add_movement(self, movement: MovementFacts) -> bool:
        """A summary, only when the agreement says so; always TLP:AMBER."""
        if self.terms.movements != "summary" or not self.terms.shares_tlp("amber"):
            return False
        common = self._common("amber", movement.created, movement.modified)
        body: STIX = {
            "type": MOVEMENT_TYPE,
            "spec_version": "2.1",
            "id": stix_id(MOVEMENT_TYPE, movement.movement_id),
            "created": stix2.utils.format_datetime(stix2.utils.STIXdatetime(common["created"])),
            "modified": stix2.utils.format_datetime(stix2.utils.STIXdatetime(common["modified"])),
            "name": movement.reference,
            "departure_date": movement.departure_date.isoformat(),
            "jurisdictions": list(movement.jurisdictions),
            "status": movement.status,
            "object_marking_refs": common["object_marking_refs"],
            "extensions": {JSMS_MOVEMENT: {"extension_type": "new-sdo"}},
        }
        if "created_by_ref" in common:
            body["created_by_ref"] = common["created_by_ref"]
        self._keep(body)
        return True

    # -- the whole -----------------------------------------------------------------------

    def finish(self) -> list[STIX]:
        """Every object, with the markings, the author and the extension definitions they
        use, in a stable order (the same records always give the same list)."""
        if not self.objects:
            return []
        author = identity_id(self.author.agency_id)
        extras: list[STIX] = []
        used_tlps = {tlp for tlp, mid in TLP_IDS.items() if mid in self.used} | {"clear"}
        extras += [_plain(tlp_marking(tlp)) for tlp in TLP_ORDER if tlp in used_tlps]
        if self.terms.shares_type("identity"):
            extras.append(
                _plain(
                    stix2.Identity(
                        id=author,
                        name=self.author.name,
                        identity_class="organization",
                        sectors=["government-national"],
                        created=self.author.created,
                        modified=self.author.created,
                        object_marking_refs=[TLP_IDS["clear"]],
                    )
                )
            )
        definitions = extension_definitions(author)
        for ext_id, definition in definitions.items():
            if ext_id in self.used:
                extras.append(_plain(definition))
        ordered = sorted(self.objects.values(), key=lambda o: (o["type"], o["id"]))
        return extras + ordered


def export(
    author: Author,
    terms: Terms,
    incidents: Iterable[Incident],
    movements: Iterable[MovementFacts] = (),
    redact: Redact = lambda text: text,
) -> tuple[list[STIX], dict[str, int]]:
    """The objects an agreement lets through, and how many were withheld and why."""
    exporter = Exporter(author, terms, redact)
    shared = 0
    for incident in incidents:
        shared += exporter.add_incident(incident)
    moved = sum(exporter.add_movement(m) for m in movements)
    counts = {"incidents": shared, "movements": moved, "withheld_tlp": exporter.withheld["tlp"]}
    return exporter.finish(), counts


def bundle(objects: list[STIX]) -> STIX:
    """A STIX 2.1 bundle of the objects (the bundle id is new each time; objects' are not)."""
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
