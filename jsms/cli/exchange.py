"""`jsms exchange ...`: partners and their sharing agreements, STIX bundles to and from a
partner, and pulls from a partner's TAXII server. The command line acts as an admin of the
agency that runs the partnership (audited as cli:<user>)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.service import cli_actor
from jsms.cli.main import app, console, friendly_errors
from jsms.db import transaction
from jsms.errors import Invalid
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side

exchange_app = typer.Typer(
    help="Information exchange: partners, agreements, STIX bundles, TAXII pulls.",
    no_args_is_help=True,
)
app.add_typer(exchange_app, name="exchange")
partner_app = typer.Typer(help="Partner instances.", no_args_is_help=True)
exchange_app.add_typer(partner_app, name="partner")


def _agency(db: Session, short_name: str) -> Agency:
    agency = db.scalar(select(Agency).where(Agency.short_name == short_name))
    if agency is None:
        raise Invalid(f"no agency with short name {short_name!r}")
    return agency


def _admin_of(agency: Agency) -> Actor:
    return Actor(
        user_id="",
        username=cli_actor(),
        agency_id=agency.id,
        side=Side(agency.side),
        roles=frozenset({Role.ADMIN}),
    )


def _partner_admin(db: Session, name: str) -> tuple[str, Actor]:
    from jsms.exchange.service import get_partner

    partner = get_partner(db, name)
    owner = db.get(Agency, partner.owner_agency_id)
    assert owner is not None
    return partner.id, _admin_of(owner)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@partner_app.command("add")
def add_partner(
    name: Annotated[str, typer.Argument(help="what we call the partner instance")],
    agency: Annotated[str, typer.Option(help="the partner agency's short name")],
    owner: Annotated[str, typer.Option(help="our agency running the partnership (short name)")],
    trust_group: Annotated[str, typer.Option(help="its trust group: our TAXII API root")],
    taxii_url: Annotated[str | None, typer.Option(help="its TAXII 2.1 API root URL")] = None,
    collection: Annotated[str | None, typer.Option(help="its collection id to pull")] = None,
    pull_username: Annotated[str | None, typer.Option(help="our username there")] = None,
    pull_secret: Annotated[
        str | None, typer.Option(help="our secret there", envvar="JSMS_PULL_SECRET")
    ] = None,
    inbound_username: Annotated[
        str | None, typer.Option(help="its username here (default: from the name)")
    ] = None,
    inbound_secret: Annotated[
        str | None,
        typer.Option(help="its secret here (default: a random one)", envvar="JSMS_INBOUND_SECRET"),
    ] = None,
) -> None:
    """Register a partner; prints the credential it pulls from us with (shown once)."""
    from jsms.exchange import service

    with friendly_errors(), transaction(cli_actor()) as db:
        ours, theirs = _agency(db, owner), _agency(db, agency)
        made = service.create_partner(
            db,
            _admin_of(ours),
            name=name,
            agency_id=theirs.id,
            trust_group=trust_group,
            taxii_url=taxii_url,
            taxii_collection=collection,
            pull_username=pull_username,
            pull_secret=pull_secret,
            inbound_username=inbound_username,
            inbound_secret=inbound_secret,
        )
        username, group = made.partner.inbound_username, made.partner.trust_group
    console.print(
        f"partner [bold]{name}[/] registered in trust group {group}; it pulls from "
        f"/taxii2/{group}/ as {username} with the secret (shown once): {made.inbound_secret}"
    )


@partner_app.command("list")
def list_partners() -> None:
    """Partners, their agreement in force and their last pull."""
    from jsms.exchange import service

    with friendly_errors(), transaction(cli_actor()) as db:
        rows = []
        for partner in db.scalars(service.partner_query()):
            agreement = service.current_agreement(db, partner.id)
            terms = (
                f"v{agreement.version}: up to {agreement.max_tlp}, "
                f"{', '.join(agreement.object_types)}"
                if agreement
                else "no agreement"
            )
            rows.append((partner.name, partner.trust_group, terms, partner.taxii_url or "-"))
    table = Table(title=f"{len(rows)} partner(s)")
    for column in ("partner", "trust group", "agreement", "pulls from"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@exchange_app.command("agreement")
def set_agreement(
    partner: Annotated[str, typer.Argument(help="partner name or id")],
    types: Annotated[
        str, typer.Option(help="object types shared, comma-separated")
    ] = "incident,location,threat-actor,report,identity",
    max_tlp: Annotated[str, typer.Option(help="clear, green, amber or amber+strict")] = "green",
    remove: Annotated[str, typer.Option(help="fields removed, comma-separated")] = "",
    round_to: Annotated[
        int | None, typer.Option("--round", help="round coordinates to N decimals")
    ] = None,
    movements: Annotated[str, typer.Option(help="never or summary")] = "never",
    until: Annotated[datetime | None, typer.Option(help="valid until (UTC)")] = None,
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Make the next version of a partner's sharing agreement."""
    from datetime import UTC

    from jsms.exchange import service

    with friendly_errors(), transaction(cli_actor()) as db:
        partner_id, actor = _partner_admin(db, partner)
        agreement = service.set_agreement(
            db,
            actor,
            partner_id,
            object_types=_csv(types),
            max_tlp=max_tlp,
            removed_fields=_csv(remove),
            coordinate_decimals=round_to,
            movements=movements,
            valid_until=until.replace(tzinfo=UTC) if until and not until.tzinfo else until,
            note=note,
        )
        version = agreement.version
    console.print(f"agreement with [bold]{partner}[/] is now version {version}")


@exchange_app.command("export")
def export(
    partner: Annotated[str, typer.Option(help="partner name or id")],
    out: Annotated[Path, typer.Option(help="where to write the STIX 2.1 bundle")],
) -> None:
    """Write the bundle the partner's agreement lets through now (audited)."""
    from jsms.exchange.service import get_partner
    from jsms.exchange.sharing import export_bundle
    from jsms.exchange.stix_export import bundle

    with friendly_errors():
        if not out.parent.is_dir():
            raise Invalid(f"no such folder: {out.parent}")
        with transaction(cli_actor()) as db:
            objects, counts = export_bundle(db, get_partner(db, partner), by=cli_actor())
        out.write_text(json.dumps(bundle(objects), indent=1))
    console.print(
        f"{len(objects)} objects ({counts.get('incidents', 0)} incidents) written to {out}"
    )


@exchange_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="a STIX 2.1 bundle the partner sent")],
    partner: Annotated[str, typer.Option(help="partner name or id")],
) -> None:
    """Import a partner's bundle: unverified incidents into the review queue (audited)."""
    from jsms.exchange.importing import import_bundle
    from jsms.exchange.service import get_partner
    from jsms.exchange.stix_import import BundleError

    with friendly_errors():
        try:
            data = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise Invalid(f"cannot read {file}: {exc}") from None
        with transaction(cli_actor()) as db:
            try:
                outcome = import_bundle(
                    db, get_partner(db, partner), data, via="file", by=cli_actor()
                )
            except BundleError as exc:
                raise Invalid(f"{file}: {exc}") from None
    _said(outcome.as_dict())


def _said(counts: dict[str, int]) -> None:
    parts = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "received")
    console.print(f"{counts.get('received', 0)} incidents received: {parts or 'nothing new'}")


@exchange_app.command("pull")
def pull(partner: Annotated[str, typer.Argument(help="partner name or id")]) -> None:
    """Page through the partner's TAXII collection since the last pull and import."""
    from jsms.exchange.client import pull as pull_from
    from jsms.exchange.service import get_partner

    with friendly_errors(), transaction(cli_actor()) as db:
        pulled = pull_from(db, get_partner(db, partner), by=cli_actor())
        counts = pulled.outcome.as_dict()
    console.print(f"{pulled.objects} objects in {pulled.pages} page(s)")
    _said(counts)
