"""What a sharing agreement may say, and what it lets through. Plain data, no database.

An agreement names the object types a partner receives, the highest TLP, the fields removed
from what is shared, how coarse coordinates become, and whether movement summaries go too.
Some things no agreement can allow: personal data of protected persons never leaves, and a
movement's route and times never leave (a summary is the day and the jurisdictions only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")

# STIX object types an agreement can name (relationships follow the objects they join).
OBJECT_TYPES: dict[str, str] = {
    "incident": "incidents",
    "location": "where they happened",
    "threat-actor": "perpetrators (claimed or attributed)",
    "report": "the sources that reported them",
    "sighting": "perpetrators sighted at a place",
    "identity": "our agency as the author",
}
DEFAULT_TYPES = ("incident", "location", "threat-actor", "report", "identity")

# Fields an agreement may remove from what is shared, in the words of the admin choosing.
REMOVABLE_FIELDS: dict[str, str] = {
    "nationals": "casualties by nationality",
    "casualties": "killed and injured figures",
    "coordinates": "coordinates (only the province and place name remain)",
    "place_name": "place and district names",
    "source_urls": "source URLs (the outlet's name remains)",
    "notes": "analysts' notes",
    "perpetrators": "perpetrator names",
    "target_type": "the target",
}

# Movements: never (the default), or a summary: the day and the jurisdictions crossed.
MOVEMENT_SHARING: dict[str, str] = {
    "never": "never",
    "summary": "a summary: the day, the jurisdictions crossed and the status",
}


@dataclass(frozen=True)
class Terms:
    """An agreement as the exporter applies it."""

    object_types: frozenset[str] = frozenset(DEFAULT_TYPES)
    max_tlp: str = "green"
    removed_fields: frozenset[str] = frozenset()
    coordinate_decimals: int | None = None
    movements: str = "never"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    version: int = 0
    changed_at: datetime | None = None  # when this version was made: objects' newest date

    def shares_type(self, stix_type: str) -> bool:
        return stix_type in self.object_types

    def shares_tlp(self, tlp: str) -> bool:
        """TLP:CLEAR < GREEN < AMBER < AMBER+STRICT < RED: up to the agreement's highest.

        >>> Terms(max_tlp="green").shares_tlp("amber"), Terms(max_tlp="amber").shares_tlp("green")
        (False, True)
        """
        return tlp in TLP_ORDER and TLP_ORDER.index(tlp) <= TLP_ORDER.index(self.max_tlp)

    def keeps(self, field_name: str) -> bool:
        return field_name not in self.removed_fields

    def in_force(self, at: datetime) -> bool:
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_until is None or at < self.valid_until

    def coordinate(self, value: float) -> float:
        """A coordinate as shared: rounded to the agreed decimals (2 decimals is about 1 km).

        >>> Terms(coordinate_decimals=2).coordinate(34.91276)
        34.91
        """
        if self.coordinate_decimals is None:
            return value
        return round(value, self.coordinate_decimals)


def problems(
    object_types: list[str],
    max_tlp: str,
    removed_fields: list[str],
    coordinate_decimals: int | None,
    movements: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> dict[str, str]:
    """Why these terms cannot be an agreement, by field (empty when they can)."""
    found: dict[str, str] = {}
    unknown = sorted(set(object_types) - set(OBJECT_TYPES))
    if unknown:
        found["object_types"] = f"unknown object types: {', '.join(unknown)}"
    elif "incident" not in object_types:
        found["object_types"] = "an agreement shares incidents at least"
    if max_tlp not in TLP_ORDER:
        found["max_tlp"] = f"the highest TLP is one of {', '.join(TLP_ORDER)}"
    elif max_tlp == "red":
        found["max_tlp"] = "TLP:RED is for named recipients only and is never shared by feed"
    unknown = sorted(set(removed_fields) - set(REMOVABLE_FIELDS))
    if unknown:
        found["removed_fields"] = f"unknown fields: {', '.join(unknown)}"
    if coordinate_decimals is not None and not 0 <= coordinate_decimals <= 6:
        found["coordinate_decimals"] = "round to between 0 and 6 decimals"
    if movements not in MOVEMENT_SHARING:
        found["movements"] = "movements are shared never or as a summary"
    elif movements == "summary" and max_tlp in TLP_ORDER[:2]:
        found["movements"] = "movement summaries are TLP:AMBER: raise the highest TLP to amber"
    if valid_from and valid_until and valid_until <= valid_from:
        found["valid_until"] = "the agreement must end after it starts"
    return found
