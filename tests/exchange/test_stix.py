"""STIX 2.1 export under an agreement (a test per rule), validity, and import back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_string

from jsms.audit.models import AuditEvent
from jsms.exchange import service as exchange
from jsms.exchange.importing import import_bundle
from jsms.exchange.models import ImportedObject
from jsms.exchange.sharing import export_bundle
from jsms.exchange.stix_export import bundle
from jsms.exchange.stix_import import BundleError
from jsms.exchange.stix_vocab import TLP_IDS
from jsms.movements.models import Movement
from jsms.threat.models import Incident
from tests.exchange.stix_world import PERSON, Sharing

ALL_TYPES = ["incident", "location", "threat-actor", "report", "sighting", "identity"]


def _agree(db: Session, s: Sharing, **terms: Any) -> None:
    values: dict[str, Any] = {
        "object_types": ALL_TYPES,
        "max_tlp": "amber",
        "removed_fields": [],
        "coordinate_decimals": None,
    }
    values.update(terms)
    exchange.set_agreement(db, s.host, s.partner_id, **values)
    db.commit()


def _export(db: Session, s: Sharing) -> dict[str, Any]:
    partner = exchange.get_partner(db, s.partner_id)
    objects, _ = export_bundle(db, partner, by="test")
    db.commit()
    return bundle(objects)


def _of(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [o for o in data["objects"] if o["type"] == kind]


def _names(data: dict[str, Any]) -> set[str]:
    return {o["name"] for o in _of(data, "incident")}


def test_the_bundle_passes_the_stix_validator_with_no_errors(db, sharing) -> None:
    _agree(db, sharing, movements="never")
    data = _export(db, sharing)
    results = validate_string(json.dumps(data), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(e) for r in [results] for e in r.errors]
    kinds = {o["type"] for o in data["objects"]}
    assert kinds >= {"incident", "location", "threat-actor", "report", "sighting", "identity"}
    assert kinds >= {"relationship", "marking-definition", "extension-definition"}


def test_every_object_carries_a_tlp_2_marking_of_its_incident(db, sharing) -> None:
    data = _export(db, sharing)  # the fixture's agreement: up to green
    markings = {o["id"] for o in _of(data, "marking-definition")}
    assert markings <= set(TLP_IDS.values())
    for obj in data["objects"]:
        if obj["type"] != "marking-definition":
            [mark] = obj["object_marking_refs"]
            assert mark in (TLP_IDS["clear"], TLP_IDS["green"])
    [green] = [o for o in _of(data, "incident") if o["name"].endswith("(green)")]
    assert green["object_marking_refs"] == [TLP_IDS["green"]]
    core = green["extensions"]["extension-definition--ef765651-680c-498d-9894-99799f2fa126"]
    assert core["extension_type"] == "property-extension"
    assert core["determination"] == "successful-attempt"
    assert core["incident_types"] == ["vbied"]


def test_amber_is_not_shared_when_the_agreement_says_green(db, sharing) -> None:
    data = _export(db, sharing)
    assert _names(data) == {"IED at Besham (clear)", "IED at Besham (green)"}
    assert "Amber-only" not in json.dumps(data)
    _agree(db, sharing, max_tlp="amber")
    assert "Amber-only raid near Dasu" in _names(_export(db, sharing))


def test_object_types_outside_the_agreement_are_left_out(db, sharing) -> None:
    _agree(db, sharing, object_types=["incident"])
    data = _export(db, sharing)
    kinds = {o["type"] for o in data["objects"]}
    assert kinds == {"incident", "marking-definition", "extension-definition"}
    assert all("created_by_ref" not in o for o in _of(data, "incident"))


@pytest.mark.parametrize(
    ("removed", "absent"),
    [
        ("nationals", '"nationals"'),
        ("casualties", '"killed"'),
        ("coordinates", '"latitude"'),
        ("place_name", "Besham"),
        ("source_urls", "dawn.com"),
        ("notes", "analyst note"),
        ("perpetrators", "TTP"),
        ("target_type", "convoy of foreign engineers"),
    ],
)
def test_each_removed_field_is_absent(db, sharing, removed: str, absent: str) -> None:
    _agree(db, sharing)
    assert absent in json.dumps(_export(db, sharing))
    _agree(db, sharing, removed_fields=[removed])
    data = _export(db, sharing)
    assert absent not in json.dumps(data)
    assert len(_of(data, "incident")) == 3


def test_coordinates_are_rounded_to_the_agreed_decimals(db, sharing) -> None:
    data = _export(db, sharing)  # 2 decimals
    points = {(o["latitude"], o["longitude"]) for o in _of(data, "location")}
    assert points == {(34.91, 72.87)}
    _agree(db, sharing, coordinate_decimals=None)
    points = {(o["latitude"], o["longitude"]) for o in _of(_export(db, sharing), "location")}
    assert points == {(34.912763, 72.868431)}


def test_a_protected_persons_name_never_leaves_whatever_the_agreement(db, sharing) -> None:
    _agree(db, sharing)  # notes shared
    text = json.dumps(_export(db, sharing))
    assert PERSON not in text and PERSON.lower() not in text.lower()
    assert "analyst note: driver [withheld] survived" in text


def test_movements_never_leave_by_default_and_a_summary_has_no_route_or_time(
    db, sharing, approved: str
) -> None:
    movement = db.get(Movement, approved)
    assert movement is not None
    _agree(db, sharing)
    assert "x-jsms-movement-summary" not in json.dumps(_export(db, sharing))
    _agree(db, sharing, movements="summary")
    data = _export(db, sharing)
    [summary] = _of(data, "x-jsms-movement-summary")
    assert summary["name"] == movement.reference
    assert summary["departure_date"] == movement.departure_at.date().isoformat()
    assert summary["jurisdictions"] == movement.jurisdictions
    assert summary["object_marking_refs"] == [TLP_IDS["amber"]]
    text = json.dumps(summary)
    for secret in (
        movement.origin_name,
        movement.destination_name,
        movement.departure_at.isoformat()[:16],
        movement.arrival_at.isoformat()[:16],
        movement.purpose,
    ):
        assert secret not in text
    assert not {"route", "departure_at", "passengers", "vehicles"} & set(summary)
    assert validate_string(json.dumps(data), ValidationOptions(version="2.1")).is_valid


def test_claimed_and_attributed_perpetrators_are_two_relationships(db, sharing) -> None:
    data = _export(db, sharing)
    [clear] = [o for o in _of(data, "incident") if o["name"].endswith("(clear)")]
    actors = {o["id"]: o["name"] for o in _of(data, "threat-actor")}
    said = {
        (actors[r["target_ref"]], r["description"])
        for r in _of(data, "relationship")
        if r["source_ref"] == clear["id"] and r["relationship_type"] == "attributed-to"
    }
    assert said == {("BLA", "claimed responsibility"), ("TTP", "attributed by analysts")}
    sightings = [s for s in _of(data, "sighting") if s["sighting_of_ref"] in actors]
    assert sightings and all(s["where_sighted_refs"][0].startswith("location--") for s in sightings)


def test_ids_are_stable_so_a_second_export_updates_rather_than_duplicates(db, sharing) -> None:
    first = {o["id"] for o in _export(db, sharing)["objects"]}
    second = {o["id"] for o in _export(db, sharing)["objects"]}
    assert first == second


def test_nothing_is_shared_outside_the_agreements_validity(db, sharing) -> None:
    now = datetime.now(UTC)
    _agree(db, sharing, valid_from=now - timedelta(days=10), valid_until=now - timedelta(days=1))
    assert _export(db, sharing)["objects"] == []


def test_every_export_is_audited_with_what_went(db, sharing) -> None:
    _export(db, sharing)
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.export")).all()
    assert event.object_id == sharing.partner_id
    assert event.detail["incidents"] == 2 and event.detail["withheld_tlp"] == 1


# Import -----------------------------------------------------------------------------------


def _import(db: Session, s: Sharing, data: Any) -> Any:
    partner = exchange.get_partner(db, s.partner_id)
    outcome = import_bundle(db, partner, data, via="file", by="test")
    db.commit()
    return outcome


def test_export_then_import_round_trips_as_unverified_incidents_for_review(db, sharing) -> None:
    _agree(db, sharing, coordinate_decimals=None)
    data = _export(db, sharing)
    outcome = _import(db, sharing, data)
    assert outcome.counts["created"] == 3
    imported = {
        i.title: i for i in db.scalars(select(Incident).where(Incident.origin == "partner"))
    }
    green = imported["IED at Besham (green)"]
    assert (green.review_status, green.verification, green.tlp) == (
        "pending",
        "unverified",
        "green",
    )
    assert green.occurred_at == datetime(2024, 3, 26, 9, 0, tzinfo=UTC)
    assert (green.lat, green.lon, green.province) == (34.912763, 72.868431, "Khyber Pakhtunkhwa")
    assert (green.attack_type, green.killed, green.injured) == ("vbied", 6, 0)
    assert green.nationals == {"CN": {"killed": 5}, "PK": {"killed": 1}}
    assert green.perpetrator_attributed == "TTP" and green.perpetrator_claimed is None
    assert green.target_type == "convoy of foreign engineers"
    assert [(s.outlet, s.url, s.killed) for s in green.sources] == [
        ("Dawn", "https://www.dawn.com/news/green", 6)
    ]
    assert imported["IED at Besham (clear)"].perpetrator_claimed == "BLA"
    assert imported["Amber-only raid near Dasu"].tlp == "amber"
    assert "from partner Guest detail instance" in green.notes


def test_the_same_bundle_twice_adds_nothing(db, sharing) -> None:
    data = _export(db, sharing)
    _import(db, sharing, data)
    count = db.query(Incident).count()
    again = _import(db, sharing, data)
    assert again.counts == {"unchanged": 2}
    assert db.query(Incident).count() == count


def test_a_near_duplicate_waits_with_the_known_incident_named(db, sharing) -> None:
    data = _export(db, sharing)
    outcome = _import(db, sharing, data)
    [record] = db.scalars(
        select(ImportedObject).where(ImportedObject.incident_id == outcome.incidents[0])
    ).all()
    known = {sharing.clear, sharing.green, sharing.amber}
    assert record.candidate_id in known
    assert (
        f"possible duplicate of {record.candidate_id}"
        in db.get(Incident, outcome.incidents[0]).notes
    )


def test_a_newer_version_updates_an_incident_still_waiting_for_review(db, sharing) -> None:
    data = _export(db, sharing)
    _import(db, sharing, data)
    [obj] = [o for o in data["objects"] if o["type"] == "incident" and "(green)" in o["name"]]
    obj["modified"] = "2030-01-01T00:00:00.000Z"
    obj["name"] = "IED at Besham (green), corrected"
    outcome = _import(db, sharing, data)
    assert outcome.counts["updated"] == 1
    assert db.scalar(select(Incident).where(Incident.title.like("%corrected"))) is not None


def test_hostile_values_are_bounded_and_unmarked_objects_count_as_amber(db, sharing) -> None:
    data = {
        "type": "bundle",
        "id": "bundle--0b7b1f2e-5a43-4c4e-9f53-2b1e2d1c0a11",
        "objects": [
            {
                "type": "incident",
                "spec_version": "2.1",
                "id": "incident--0b7b1f2e-5a43-4c4e-9f53-2b1e2d1c0a12",
                "created": "2026-01-01T00:00:00Z",
                "modified": "2026-01-01T00:00:00Z",
                "name": "x" * 5000,
                "description": "<script>alert(1)</script>",
            },
            {"type": "location", "id": "location--1", "latitude": 500, "longitude": 72},
            "not an object",
        ],
    }
    _import(db, sharing, data)
    made = db.scalar(select(Incident).where(Incident.origin == "partner"))
    assert made is not None
    assert (made.tlp, made.attack_type, len(made.title), made.lat) == ("amber", "other", 300, None)
    with pytest.raises(BundleError):
        _import(db, sharing, {"objects": []})


def test_every_import_is_audited_and_records_who_sent_what(db, sharing) -> None:
    _import(db, sharing, _export(db, sharing))
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.import")).all()
    assert event.detail == {"via": "file", "by": "test", "received": 2, "created": 2}
    sent = db.scalars(select(ImportedObject.partner_id)).all()
    assert sent == [sharing.partner_id, sharing.partner_id]
