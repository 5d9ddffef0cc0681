"""The roles of DESIGN.md section 2 and the agency sides."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    HOST = "host"
    GUEST = "guest"
    CLIENT = "client"


class Role(StrEnum):
    REQUESTER = "requester"
    OPS_OFFICER = "ops_officer"
    APPROVER = "approver"
    ESCORT_COMMANDER = "escort_commander"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PROTECTEE = "protectee"


# A stolen password alone must not open these accounts.
ROLES_REQUIRING_TOTP = frozenset({Role.ADMIN, Role.APPROVER})

PROVINCES = (
    "Punjab",
    "Sindh",
    "Balochistan",
    "Khyber Pakhtunkhwa",
    "Islamabad",
    "Gilgit-Baltistan",
    "Azad Kashmir",
)
