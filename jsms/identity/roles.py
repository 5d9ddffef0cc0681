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


# How people call each role and side, singular and plural, in messages meant for them.
ROLE_TITLES: dict[Role, tuple[str, str]] = {
    Role.REQUESTER: ("requester", "requesters"),
    Role.OPS_OFFICER: ("ops officer", "ops officers"),
    Role.APPROVER: ("approver", "approvers"),
    Role.ESCORT_COMMANDER: ("escort commander", "escort commanders"),
    Role.ANALYST: ("analyst", "analysts"),
    Role.AUDITOR: ("auditor", "auditors"),
    Role.ADMIN: ("admin", "admins"),
    Role.PROTECTEE: ("protectee", "protectees"),
}
SIDE_TITLES: dict[Side, tuple[str, str]] = {
    Side.HOST: ("a host agency", "host agencies"),
    Side.GUEST: ("a guest agency", "guest agencies"),
    Side.CLIENT: ("a client company", "client companies"),
}

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
