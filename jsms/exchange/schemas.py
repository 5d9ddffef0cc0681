"""Partners, agreements, exports and imports as the API and the pages take and show them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field, field_validator

from jsms.exchange.agreements import DEFAULT_TYPES
from jsms.schemas import Id, Name, OutModel, StrictModel

TAXII_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?/$")


def taxii_address(value: str | None) -> str | None:
    """A TAXII API root is an http(s) URL ending in / (the address pages are built on)."""
    if value is not None and not TAXII_URL.match(value):
        raise ValueError("give the TAXII API root as an http(s) URL ending in /")
    return value


class PartnerIn(StrictModel):
    name: Name
    agency_id: Id
    trust_group: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9 _-]+$")
    taxii_url: str | None = Field(
        default=None, max_length=500, description="the partner's TAXII 2.1 API root, ending in /"
    )
    taxii_collection: str | None = Field(default=None, max_length=100)
    pull_username: str | None = Field(default=None, max_length=100)
    pull_secret: str | None = Field(default=None, min_length=8, max_length=200)
    inbound_username: str | None = Field(
        default=None, pattern=r"^[a-z0-9-]{3,64}$", description="default: from the name"
    )
    inbound_secret: str | None = Field(
        default=None, min_length=24, max_length=200, description="default: a random one"
    )

    _taxii_url = field_validator("taxii_url")(taxii_address)


class PartnerPatch(StrictModel):
    trust_group: str | None = Field(
        default=None, min_length=2, max_length=40, pattern=r"^[A-Za-z0-9 _-]+$"
    )
    taxii_url: str | None = Field(default=None, max_length=500)
    taxii_collection: str | None = Field(default=None, max_length=100)
    pull_username: str | None = Field(default=None, max_length=100)
    pull_secret: str | None = Field(default=None, min_length=8, max_length=200)
    active: bool | None = None

    _taxii_url = field_validator("taxii_url")(taxii_address)


class AgreementIn(StrictModel):
    object_types: list[str] = Field(default_factory=lambda: list(DEFAULT_TYPES), max_length=10)
    max_tlp: str = Field(default="green", max_length=12)
    removed_fields: list[str] = Field(default_factory=list, max_length=20)
    coordinate_decimals: int | None = Field(default=None, ge=0, le=6)
    movements: str = Field(default="never", max_length=10)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    note: str = Field(default="", max_length=2000)


class AgreementOut(OutModel):
    id: str
    version: int
    object_types: list[str]
    max_tlp: str
    removed_fields: list[str]
    coordinate_decimals: int | None
    movements: str
    valid_from: datetime
    valid_until: datetime | None
    note: str
    created_at: datetime
    created_by: str


class PartnerOut(OutModel):
    id: str
    name: str
    agency_id: str
    owner_agency_id: str
    trust_group: str
    taxii_url: str | None
    taxii_collection: str | None
    pull_username: str | None
    has_pull_secret: bool
    inbound_username: str
    last_pulled_at: datetime | None
    last_pull: dict[str, Any]
    active: bool
    agreement: AgreementOut | None = None


class PartnerCreated(PartnerOut):
    inbound_secret: str
    """Shown once: give it to the partner, who pulls from our TAXII server with it."""


class SecretOut(OutModel):
    inbound_secret: str


class ImportOut(OutModel):
    received: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reviewed: int = 0
    incidents: list[str]
    candidates: dict[str, str]


class ImportedOut(OutModel):
    id: str
    stix_id: str
    version: str
    received_at: datetime
    via: str
    outcome: str
    incident_id: str | None
    candidate_id: str | None
