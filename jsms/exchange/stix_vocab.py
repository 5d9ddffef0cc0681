"""The fixed STIX 2.1 pieces JSMS speaks: TLP 2.0 markings, the Incident Core extension, our
own extension definitions, and deterministic identifiers.

TLP 2.0 marking definitions are the ones OASIS published (cti-stix-common-objects,
extension-definition--60a3c5c5-...); the `stix2` library ships only TLP 1.0.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import stix2

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
INCIDENT_CORE = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"

TLP_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_OF_MARKING = {marking: tlp for tlp, marking in TLP_IDS.items()}


def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    """The OASIS TLP 2.0 marking definition for `tlp` (clear, green, amber, ...)."""
    return stix2.MarkingDefinition(
        id=TLP_IDS[tlp],
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{tlp.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}},
    )


def stix_id(stix_type: str, key: str) -> str:
    """A stable identifier for one of our records: the same record always gets the same id
    (so a re-export updates, never duplicates), shaped as the UUIDv4 STIX asks for.

    >>> stix_id("incident", "abc") == stix_id("incident", "abc")
    True
    >>> stix_id("incident", "abc").startswith("incident--")
    True
    """
    digest = hashlib.sha256(f"jsms:{stix_type}:{key}".encode()).digest()
    return f"{stix_type}--{uuid.UUID(bytes=digest[:16], version=4)}"


# Our own facts about an incident that neither STIX nor the Incident Core extension carries.
JSMS_FACTS = stix_id("extension-definition", "incident-facts-v1")
JSMS_MOVEMENT = stix_id("extension-definition", "movement-summary-v1")
MOVEMENT_TYPE = "x-jsms-movement-summary"

FACTS_SCHEMA = (
    "JSMS incident facts, a property extension of incident and report objects. Properties: "
    "occurred_at (timestamp), time_precision (exact|day|month|year), attack_type (string), "
    "target_type (string), killed, injured, attackers_killed (integers), nationals (object: "
    "ISO country code -> {killed, injured}), verification (unverified|probable|confirmed). "
    "Any property may be absent when the sharing agreement removes it."
)
MOVEMENT_SCHEMA = (
    "JSMS movement summary, a new SDO (x-jsms-movement-summary). Properties: name (the "
    "movement's reference), departure_date (YYYY-MM-DD), jurisdictions (list of strings), "
    "status (string). Never a route, a time, a place or a person."
)


def extension_definitions(author_id: str) -> dict[str, stix2.ExtensionDefinition]:
    """Our two extension definitions, authored by `author_id`, with fixed dates."""
    common: dict[str, Any] = {
        "created_by_ref": author_id,
        "created": "2026-12-01T00:00:00.000Z",
        "modified": "2026-12-01T00:00:00.000Z",
        "version": "1.0",
        "object_marking_refs": [TLP_IDS["clear"]],
    }
    return {
        JSMS_FACTS: stix2.ExtensionDefinition(
            id=JSMS_FACTS,
            name="JSMS incident facts",
            description="Casualty figures, dates and coding of an attack as JSMS records them.",
            schema=FACTS_SCHEMA,
            extension_types=["property-extension"],
            **common,
        ),
        JSMS_MOVEMENT: stix2.ExtensionDefinition(
            id=JSMS_MOVEMENT,
            name="JSMS movement summary",
            description="That a protected movement takes place on a day, and where it crosses.",
            schema=MOVEMENT_SCHEMA,
            extension_types=["new-sdo"],
            **common,
        ),
    }
