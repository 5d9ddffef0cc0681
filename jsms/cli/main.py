"""`jsms ...`: database, server, demo, audit, keys, geography and users.

Bad input ends with a one-line message and exit code 2; nothing prints a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from jsms.audit.anchor import AnchorError
from jsms.config import get_settings
from jsms.errors import DomainError
from jsms.keyring import KeyringError

app = typer.Typer(
    help="JSMS: Joint Security Management System.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys (alone: the key file and the head-signing key).")
geo_app = typer.Typer(help="Geography: boundaries and places.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(geo_app, name="geo")
app.add_typer(users_app, name="users")

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message, one line, even when piped to a log
T = TypeVar("T")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn domain and database errors into a message and exit code 2."""
    try:
        yield
    except (DomainError, KeyringError, AnchorError) as exc:
        err.print(f"[bold red]error:[/] {getattr(exc, 'detail', exc)}")
        raise typer.Exit(2) from None
    except OperationalError as exc:
        err.print(
            f"[bold red]database error:[/] {exc.orig}. Is the database migrated "
            "(`jsms db upgrade`) and reachable?"
        )
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        err.print(f"[bold red]database error:[/] {type(exc).__name__}: {exc}")
        raise typer.Exit(2) from None


def with_errors(fn: Callable[[], T]) -> T:
    with friendly_errors():
        return fn()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from jsms.migrate import current, upgrade

    with friendly_errors():
        upgrade()
        console.print(f"database at revision [bold]{current()}[/]")


@db_app.command("current")
def db_current() -> None:
    from jsms.migrate import current

    with friendly_errors():
        console.print(current() or "empty (run `jsms db upgrade`)")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    stream: Annotated[
        str | None,
        typer.Option(help="NATS URL: positions to JetStream for `jsms monitor-worker`s"),
    ] = None,
) -> None:
    """Serve the API and the operations UI (and the alerts loop: escalation, notifications,
    roll-call questions; and device positions: the OsmAnd port JSMS_OSMAND_PORT, the OwnTracks
    MQTT subscriber when JSMS_MQTT_URL is set; and the live movement monitor, in this process
    unless --stream / JSMS_STREAM_URL hands positions to monitor workers)."""
    from jsms.alerts import worker
    from jsms.app import create_app
    from jsms.exchange import head_sender
    from jsms.migrate import behind
    from jsms.tracking.listener import run_server
    from jsms.tracking.live import start_live_operations

    settings = get_settings()
    with friendly_errors():
        problem = behind(settings.database_url)
    if problem:
        err.print(f"[bold red]error:[/] {problem}")
        raise typer.Exit(2)
    alerts_loop = worker.start(settings.database_url)
    heads_loop = head_sender.start(settings.database_url)
    web = create_app()
    live = start_live_operations(web, settings.database_url, stream or settings.stream_url)
    try:
        run_server(web, host or settings.bind_host, port or settings.bind_port)
    finally:
        live.stop()
        alerts_loop.stop()
        if heads_loop is not None:
            heads_loop.stop()


@audit_app.command("verify")
def audit_verify(
    against: Annotated[
        Path | None,
        typer.Option(help="also check against the heads a partner holds of us (JSON file)"),
    ] = None,
) -> None:
    """Check the whole audit chain; exit 1 naming the first bad event if it was tampered with
    (with --against, also the first head a partner signed-for that it no longer matches)."""
    from jsms.audit.verification import verify
    from jsms.db import new_session

    with friendly_errors():
        db = new_session()
        try:
            checked, broken = verify(db)
        finally:
            db.close()
    if broken:
        err.print(
            f"[bold red]audit chain BROKEN[/] at event {broken.seq}: {broken.reason} "
            f"({checked} events intact before it)"
        )
        raise typer.Exit(1)
    if against is not None:
        from jsms.cli.audit_heads import verify_against

        verify_against(against, checked)
        return
    console.print(f"audit chain intact: {checked} events")


@audit_app.command("accept-head")
def audit_accept_head(
    reason: Annotated[str, typer.Option(help="why, e.g. which backup was restored")],
) -> None:
    """Trust the database's current head after a deliberate restore or move (audited)."""
    from jsms.audit.service import cli_actor
    from jsms.audit.verification import accept_head, anchor_head
    from jsms.db import new_session, transaction

    with friendly_errors():
        with transaction(cli_actor()) as db:
            accept_head(db, reason=reason)
        db = new_session()
        try:
            anchored = anchor_head(db)
        finally:
            db.close()
    console.print(f"audit anchor now at event {anchored.seq}; the acceptance is in the trail")


@keys_app.command("rotate")
def keys_rotate(
    drop_old: Annotated[bool, typer.Option(help="remove retired keys from the key file")] = False,
) -> None:
    """Make a new PII key current and re-encrypt every encrypted value under it."""
    from jsms.audit import service as audit
    from jsms.audit.service import cli_actor
    from jsms.db import transaction
    from jsms.identity.credentials import reencrypt_totp_secrets
    from jsms.keyring import get_keyring
    from jsms.registry.service import reencrypt_persons

    with friendly_errors():
        keyring = get_keyring()
        old = set(keyring.pii_keys)
        new_id = keyring.add_pii_key()
        keyring.save()  # the new key is on disk before any value depends on it
        with transaction(cli_actor()) as db:
            count = reencrypt_persons(db, keyring) + reencrypt_totp_secrets(db, keyring)
            audit.record(
                db,
                action="keys.rotate",
                object_type="keyring",
                object_id=new_id,
                detail={"reencrypted": count},
            )
        if drop_old:
            for key_id in old:
                del keyring.pii_keys[key_id]
            keyring.save()
    console.print(
        f"new key [bold]{new_id}[/] is current; {count} values re-encrypted"
        + ("; old keys removed" if drop_old else "")
    )


@geo_app.command("import-boundaries")
def geo_import_boundaries(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection")],
    level: Annotated[int, typer.Option(help="1 = provinces, 2 = districts")],
) -> None:
    """Import province or district polygons; re-importing replaces them."""
    from jsms.audit.service import cli_actor
    from jsms.db import transaction
    from jsms.geo.service import import_boundaries, read_feature_collection

    with friendly_errors():
        if level not in (1, 2):
            raise DomainError("--level must be 1 (provinces) or 2 (districts)")
        collection = read_feature_collection(file)
        with transaction(cli_actor()) as db:
            created, updated = import_boundaries(db, collection, level=level, source=file.name)
    console.print(f"level {level}: {created} areas created, {updated} updated from {file}")


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="jsms")


from jsms.cli import audit_heads as _heads  # noqa: E402,F401  (`jsms audit heads`, `keys`)
from jsms.cli import demo as _demo  # noqa: E402,F401  (registers `jsms demo`)
from jsms.cli import devices as _devices  # noqa: E402,F401  (registers `jsms devices`)
from jsms.cli import exchange as _exchange  # noqa: E402,F401  (registers `jsms exchange`)
from jsms.cli import monitor as _monitor  # noqa: E402,F401  (registers `jsms monitor-worker`)
from jsms.cli import movements as _movements  # noqa: E402,F401  (registers `jsms movement`)
from jsms.cli import osint as _osint  # noqa: E402,F401  (registers `jsms osint`)
from jsms.cli import reports as _reports  # noqa: E402,F401  (registers `jsms report`)
from jsms.cli import roads as _roads  # noqa: E402,F401  (registers `jsms geo import-osm`)
from jsms.cli import simulate as _simulate  # noqa: E402,F401  (registers `jsms simulate`)
from jsms.cli import threat as _threat  # noqa: E402,F401  (registers `jsms threat`)
from jsms.cli import users as _users  # noqa: E402,F401  (registers `jsms users`)

if __name__ == "__main__":  # pragma: no cover
    main()
