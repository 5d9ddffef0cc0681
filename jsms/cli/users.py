"""`jsms users ...`: accounts from the command line (first admin, unlocks, second factor)."""

from __future__ import annotations

import sys
from typing import Annotated

import pyotp
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.audit.service import cli_actor
from jsms.cli.main import console, friendly_errors, users_app
from jsms.db import transaction
from jsms.errors import Invalid, NotFound
from jsms.identity import credentials
from jsms.identity import service as identity
from jsms.identity.models import Agency, User
from jsms.identity.roles import Role


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _ask_password() -> str:
    """The new password, typed twice in a terminal; a script must pass --password."""
    if not sys.stdin.isatty():
        raise Invalid("no --password given and standard input is not a terminal to ask on")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def create(
    username: Annotated[str, typer.Option()],
    agency: Annotated[str, typer.Option(help="agency short name")],
    role: Annotated[list[Role], typer.Option(help="repeat for several roles")],
    display_name: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str, typer.Option(help="asked for (twice, hidden) when omitted in a terminal")
    ] = "",
) -> None:
    """Create a user (the first admin of a new installation, for example)."""
    with friendly_errors():
        password = password or _ask_password()
    with friendly_errors(), transaction(cli_actor()) as db:
        found = db.scalar(select(Agency).where(Agency.short_name == agency))
        if found is None:
            raise Invalid(f"no agency with short name {agency!r}")
        created = identity.create_user(
            db,
            username=username,
            display_name=display_name or username,
            agency_id=found.id,
            roles=role,
            password=password,
        )
    console.print(f"user [bold]{username}[/] created")
    if created.totp_uri:
        console.print(f"second factor (load into an authenticator app): {created.totp_uri}")


@users_app.command("unlock")
def unlock(username: str) -> None:
    """Clear failed logins and the lock-out."""
    with friendly_errors(), transaction(cli_actor()) as db:
        identity.unlock_user(db, _user(db, username))
    console.print(f"{username} unlocked")


@users_app.command("totp-code")
def totp_code(username: str) -> None:
    """Print the user's current second-factor code (demo and recovery; audited)."""
    with friendly_errors(), transaction(cli_actor()) as db:
        user = _user(db, username)
        secret = credentials.totp_secret(user)
        if secret is None:
            raise Invalid(f"{username} has no second factor")
        audit.record(db, action="user.totp.read", object_type="user", object_id=user.id)
    console.print(pyotp.TOTP(secret).now())
