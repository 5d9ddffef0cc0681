"""The demo's logins: one person per job in each agency, all with the same demo password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from jsms.demo.organisations import Organisations
from jsms.identity import service as identity
from jsms.identity.models import User
from jsms.identity.roles import Role
from jsms.registry.models import ProtectedPerson

DEMO_PASSWORD = "jsms-demo-2026!"


@dataclass(frozen=True)
class DemoLogin:
    """One login as `jsms demo` prints it."""

    username: str
    roles: tuple[str, ...]
    agency: str
    password: str
    second_factor: bool

    def line(self) -> str:
        code = f"code: jsms users totp-code {self.username}" if self.second_factor else "-"
        return (
            f"{self.username:<17} {', '.join(self.roles):<17} {self.agency:<11} "
            f"{self.password}  {code}"
        )


def create_users(
    db: Session, scenario: dict[str, Any], orgs: Organisations, persons: list[ProtectedPerson]
) -> tuple[dict[str, User], list[DemoLogin]]:
    """Every demo user; a protectee's login is tied to their own person record."""
    users: dict[str, User] = {}
    logins = []
    for row in scenario["users"]:
        agency = orgs.agencies[row["agency"]]
        person_id = None
        if "person" in row:
            person = persons[row["person"]]
            person.employer_agency_id = agency.id
            person_id = person.id
        user = identity.create_user(
            db,
            username=row["username"],
            display_name=row["display_name"],
            agency_id=agency.id,
            roles=[Role(r) for r in row["roles"]],
            password=DEMO_PASSWORD,
            person_id=person_id,
        ).user
        users[user.username] = user
        logins.append(
            DemoLogin(
                username=user.username,
                roles=tuple(row["roles"]),
                agency=row["agency"],
                password=DEMO_PASSWORD,
                second_factor=identity.requires_totp(row["roles"]),
            )
        )
    return users, logins
