"""Information exchange in the browser: the host admin registers a partner (its secret shown
once), sets its agreement version by version, refusals beside their fields with nothing
saved; auditors read without forms; other roles and other agencies' admins are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.exchange.models import Agreement, Partner
from jsms.exchange.service import secret_hash
from jsms.identity.roles import Role
from tests.conftest import World
from tests.exchange.stix_world import Sharing, sharing  # noqa: F401  (a fixture)
from tests.web.forms import token_of_form


def _count(db: Session, table: type) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(table)) or 0)


def test_a_host_admin_registers_a_partner_and_sets_its_agreement(
    client: TestClient, db: Session, world: World, browse
) -> None:
    browse(Role.ADMIN)
    listing = client.get("/exchange")
    assert listing.status_code == 200
    assert "No partner is registered" in listing.text
    assert 'href="/exchange" aria-current="page"' in listing.text

    form = client.get("/exchange/partners/new").text
    token = token_of_form(form, "/exchange/partners/new")
    bad = client.post(
        "/exchange/partners/new",
        data={"csrf_token": token, "name": "Guest instance", "agency_id": world.guest,
              "trust_group": "cpec joint", "taxii_url": "ftp://nowhere"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert 'id="e-taxii_url"' in bad.text and 'value="Guest instance"' in bad.text
    assert _count(db, Partner) == 0
    own = client.post(
        "/exchange/partners/new",
        data={"csrf_token": token, "name": "Ourselves", "agency_id": world.host_sindh,
              "trust_group": "cpec"},
    )  # fmt: skip
    assert own.status_code == 422 and "another agency" in own.text
    assert _count(db, Partner) == 0

    made = client.post(
        "/exchange/partners/new",
        data={"csrf_token": token, "name": "Guest instance", "agency_id": world.guest,
              "trust_group": "cpec joint", "pull_username": "spu", "pull_secret": "s3cret-there"},
    )  # fmt: skip
    assert made.status_code == 201
    assert "Shown this once" in made.text and "/taxii2/cpec-joint/" in made.text
    secret = made.text.split('<code class="secret">')[1].split("</code>")[0]
    db.rollback()
    partner = db.scalar(select(Partner))
    assert partner is not None and partner.inbound_secret_hash == secret_hash(secret)
    assert secret not in str(partner.__dict__) and "s3cret-there" not in str(partner.__dict__)
    page = client.get(f"/exchange/partners/{partner.id}")
    assert "No agreement:" in page.text and secret not in page.text

    url = f"/exchange/partners/{partner.id}/agreement"
    token = token_of_form(client.get(url).text, url)
    refused = client.post(
        url,
        data={"csrf_token": token, "object_types": ["location"], "max_tlp": "red",
              "removed_fields": ["notes"], "movements": "never"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "an agreement shares incidents at least" in refused.text
    assert 'value="notes" checked' in refused.text
    assert _count(db, Agreement) == 0
    saved = client.post(
        url,
        data={"csrf_token": token, "object_types": ["incident", "location"], "max_tlp": "green",
              "removed_fields": ["notes", "nationals"], "coordinate_decimals": "2",
              "movements": "never", "note": "MoU of 2026"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"]).text
    assert "Agreement version 1 is in force." in shown
    assert "rounded to 2 decimals" in shown and "analysts&#39; notes" in shown
    assert "MoU of 2026" in shown
    db.rollback()
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.agreement.set"))
    assert event.detail["version"] == 1 and event.detail["max_tlp"] == "green"

    no_token = client.post(url, data={"object_types": ["incident"], "max_tlp": "amber"})
    assert no_token.status_code == 403
    assert _count(db, Agreement) == 1


def test_an_auditor_reads_partners_and_agreements_without_forms(
    client: TestClient,
    db: Session,
    sharing: Sharing,  # noqa: F811
    browse,
) -> None:
    browse(Role.AUDITOR)
    listing = client.get("/exchange")
    assert listing.status_code == 200 and "Guest detail instance" in listing.text
    assert "Register a partner" not in listing.text
    page = client.get(f"/exchange/partners/{sharing.partner_id}")
    assert page.status_code == 200
    assert "Agreement version 1 is in force." in page.text
    assert '<form method="post" action="/exchange' not in page.text
    assert "New version of the agreement" not in page.text
    assert client.get("/exchange/partners/new").status_code == 403
    assert client.get(f"/exchange/partners/{sharing.partner_id}/agreement").status_code == 403


def test_other_roles_and_other_agencies_admins_are_refused(
    client: TestClient,
    db: Session,
    world: World,
    sharing: Sharing,  # noqa: F811
    browse,
    login_as,
) -> None:
    for role, agency in ((Role.ANALYST, None), (Role.OPS_OFFICER, None)):
        browse(role, agency_id=agency)
        refused = client.get("/exchange")
        assert refused.status_code == 403 and "may not see exchange partners" in refused.text
        assert "Guest detail instance" not in refused.text
    client.cookies.clear()
    company_admin = login_as(Role.ADMIN, agency_id=world.company_a)
    refused = client.get("/exchange", headers=company_admin.headers)
    assert refused.status_code == 403 and "Only host agencies and guest agencies" in refused.text
    kp_admin = login_as(Role.ADMIN, agency_id=world.host_kp)
    url = f"/exchange/partners/{sharing.partner_id}/agreement"
    assert (
        client.get(f"/exchange/partners/{sharing.partner_id}", headers=kp_admin.headers).status_code
        == 200
    )
    refused = client.get(url, headers=kp_admin.headers)
    assert refused.status_code == 403 and "agency that runs this partnership" in refused.text
    db.rollback()
    assert _count(db, Agreement) == 1
