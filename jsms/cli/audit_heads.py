"""`jsms audit send-head`, `jsms audit heads ...`, `jsms audit verify --against` and `jsms
keys`: this instance's signed audit heads, the heads partners send us, and our chain checked
against what a partner holds of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jsms.audit.service import cli_actor
from jsms.audit.signing import HeadFormatError, fingerprint, public_key_text
from jsms.cli.main import audit_app, console, err, friendly_errors, keys_app
from jsms.db import new_session, transaction

heads_app = typer.Typer(
    help="Audit heads partners keep of us, and we of them.", no_args_is_help=True
)
audit_app.add_typer(heads_app, name="heads")


@keys_app.callback(invoke_without_command=True)
def keys_summary(ctx: typer.Context) -> None:
    """The key file: PII keys, and the public half of the key that signs our audit heads
    (give it to partners: `jsms audit heads trust` there)."""
    if ctx.invoked_subcommand is not None:
        return
    from jsms.keyring import get_keyring

    with friendly_errors():
        ring = get_keyring()
        raw = ring.signer().public_key().public_bytes_raw()
    console.print(f"key file        {ring.path}")
    console.print(
        f"PII keys        {', '.join(sorted(ring.pii_keys))} (current {ring.pii_current})"
    )
    console.print(f"head signing    Ed25519 [bold]{fingerprint(raw)}[/]", soft_wrap=True)
    console.print(f"public key      {public_key_text(raw)}", soft_wrap=True)


@audit_app.command("send-head")
def send_head() -> None:
    """Verify our chain, sign its head and send it to every partner anchoring with us now
    (`jsms serve` does so every JSMS_HEAD_INTERVAL minutes); exit 1 unless all kept it."""
    from jsms.exchange.head_sender import send_heads

    with friendly_errors():
        head, deliveries = send_heads()
    if head is None:
        err.print(
            "[bold red]no head signed:[/] the audit chain does not verify (`jsms audit verify`)"
        )
        raise typer.Exit(1)
    console.print(f"signed head: event {head.seq}, {head.hash[:16]}…, at {head.signed_at}")
    if not deliveries:
        console.print("no partner anchors with us yet (`jsms audit heads trust` registers one)")
    for delivery in deliveries:
        console.print(f"  {delivery.partner}: {delivery.outcome} {delivery.detail}".rstrip())
    if any(d.outcome != "kept" for d in deliveries):
        raise typer.Exit(1)


@heads_app.command("trust")
def trust(
    partner: Annotated[str, typer.Option(help="the partner's name or id")],
    public_key: Annotated[str, typer.Option(help="its public key, as `jsms keys` prints it")],
) -> None:
    """Register a partner's head-signing public key (a new one retires the old); audited."""
    from jsms.exchange import heads
    from jsms.exchange.service import get_partner

    with friendly_errors(), transaction(cli_actor()) as db:
        found = get_partner(db, partner)
        key = heads.trust_key(db, found, public_key, by=cli_actor())
        name, printed = found.name, key.fingerprint
    console.print(f"heads from {name} must now be signed by {printed}")


@heads_app.command("list")
def list_heads(partner: Annotated[str, typer.Option(help="the partner's name or id")]) -> None:
    """The heads a partner sent us, oldest first."""
    from jsms.exchange import heads
    from jsms.exchange.service import get_partner

    with friendly_errors():
        db = new_session()
        try:
            found = get_partner(db, partner)
            held = heads.heads_of(db, found)
            key = heads.key_of(db, found)
            table = Table("event", "hash", "signed at", "received at", "database")
            for head in held:
                table.add_row(
                    str(head.seq),
                    head.hash[:16] + "…",
                    head.signed_at,
                    head.received_at.isoformat(timespec="seconds"),
                    head.database_id[:8] + "…",
                )
        finally:
            db.close()
    console.print(f"{found.name}: key {key.fingerprint if key else 'not registered'}")
    console.print(table)


@heads_app.command("export")
def export(partner: Annotated[str, typer.Option(help="the partner's name or id")]) -> None:
    """Every head the partner sent us, as JSON on standard output: the partner checks its
    chain with `jsms audit verify --against FILE`. Audited."""
    from jsms.exchange import heads
    from jsms.exchange.service import get_partner

    with friendly_errors(), transaction(cli_actor()) as db:
        data = heads.export_heads(db, get_partner(db, partner), by=cli_actor())
    print(json.dumps(data, indent=2))


def verify_against(path: Path, checked_events: int) -> None:
    """The second half of `jsms audit verify --against`: our chain against a partner's heads
    (exit 1 naming the first head that fails)."""
    from jsms.audit.against import read_heads_file
    from jsms.audit.against import verify_against as check

    with friendly_errors():
        try:
            held = read_heads_file(path)
        except HeadFormatError as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(2) from None
        db = new_session()
        try:
            good, failure = check(db, held)
        finally:
            db.close()
    if failure is not None:
        err.print(
            f"[bold red]audit history REWRITTEN[/] against {path}: {failure.describe(len(held))} "
            f"({good} earlier heads match)"
        )
        raise typer.Exit(1)
    newest = max((h.seq for h in held), default=0)
    console.print(
        f"audit chain intact: {checked_events} events; all {len(held)} heads the partner "
        f"holds match (newest: event {newest})"
    )
