"""Partners, sharing agreements, STIX exports and imports over HTTP (/api/v1/exchange).

The TAXII server partners pull from is jsms.exchange.taxii (/taxii2/).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import Invalid
from jsms.exchange import service
from jsms.exchange.client import pull
from jsms.exchange.importing import import_bundle
from jsms.exchange.models import ImportedObject, Partner
from jsms.exchange.schemas import (
    AgreementIn,
    AgreementOut,
    ImportedOut,
    ImportOut,
    PartnerCreated,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    SecretOut,
)
from jsms.exchange.sharing import export_bundle
from jsms.exchange.stix_export import bundle
from jsms.exchange.stix_import import BundleError
from jsms.identity.policy import Actor

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
STIX_MEDIA = "application/stix+json;version=2.1"


def partner_out(db: Session, partner: Partner) -> PartnerOut:
    agreement = service.current_agreement(db, partner.id)
    return PartnerOut(
        **{k: getattr(partner, k) for k in PartnerOut.model_fields if hasattr(partner, k)},
        has_pull_secret=bool(partner.pull_secret_enc),
        agreement=AgreementOut.model_validate(agreement) if agreement else None,
    )


@router.get("/partners", response_model=list[PartnerOut])
def list_partners(db: Db, actor: Annotated[Actor, require("exchange.read")]) -> list[PartnerOut]:
    return [partner_out(db, p) for p in db.scalars(service.partner_query())]


@router.post("/partners", response_model=PartnerCreated, status_code=201)
def create_partner(
    body: PartnerIn, db: Db, actor: Annotated[Actor, require("exchange.write")]
) -> PartnerCreated:
    made = service.create_partner(db, actor, **body.model_dump())
    return PartnerCreated(
        **partner_out(db, made.partner).model_dump(), inbound_secret=made.inbound_secret
    )


@router.get("/partners/{partner_id}", response_model=PartnerOut)
def get_partner(
    partner_id: str, db: Db, actor: Annotated[Actor, require("exchange.read")]
) -> PartnerOut:
    return partner_out(db, service.get_partner(db, partner_id))


@router.patch("/partners/{partner_id}", response_model=PartnerOut)
def change_partner(
    partner_id: str,
    body: PartnerPatch,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
) -> PartnerOut:
    changes = body.model_dump(exclude_unset=True)
    return partner_out(db, service.update_partner(db, actor, partner_id, **changes))


@router.post("/partners/{partner_id}/rotate-secret", response_model=SecretOut)
def rotate_secret(
    partner_id: str, db: Db, actor: Annotated[Actor, require("exchange.write")]
) -> SecretOut:
    return SecretOut(inbound_secret=service.rotate_inbound_secret(db, actor, partner_id))


@router.get("/partners/{partner_id}/agreements", response_model=list[AgreementOut])
def list_agreements(
    partner_id: str, db: Db, actor: Annotated[Actor, require("exchange.read")]
) -> list[AgreementOut]:
    partner = service.get_partner(db, partner_id)
    return [AgreementOut.model_validate(a) for a in service.agreements_of(db, partner.id)]


@router.post("/partners/{partner_id}/agreements", response_model=AgreementOut, status_code=201)
def set_agreement(
    partner_id: str,
    body: AgreementIn,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
) -> AgreementOut:
    agreement = service.set_agreement(db, actor, partner_id, **body.model_dump())
    return AgreementOut.model_validate(agreement)


class StixJSON(JSONResponse):
    media_type = STIX_MEDIA


@router.post(
    "/partners/{partner_id}/export",
    response_class=StixJSON,
    responses={
        200: {
            "description": "a STIX 2.1 bundle",
            "content": {STIX_MEDIA: {"schema": {"type": "object"}}},
        }
    },
)
def export_to_partner(
    partner_id: str, db: Db, actor: Annotated[Actor, require("exchange.write")]
) -> StixJSON:
    """The STIX 2.1 bundle the partner's agreement lets through now (audited)."""
    partner = service.get_partner(db, partner_id)
    objects, _ = export_bundle(db, partner, by=actor.username)
    return StixJSON(bundle(objects))


@router.post("/partners/{partner_id}/import", response_model=ImportOut)
def import_from_partner(
    partner_id: str,
    db: Db,
    actor: Annotated[Actor, require("exchange.write")],
    body: Annotated[dict[str, Any], Body(description="a STIX 2.1 bundle the partner sent")],
) -> ImportOut:
    """Unverified incidents into the review queue, de-duplicated (audited)."""
    partner = service.get_partner(db, partner_id)
    try:
        outcome = import_bundle(db, partner, body, via="file", by=actor.username)
    except BundleError as exc:
        raise Invalid(str(exc)) from None
    return ImportOut(
        **outcome.as_dict(), incidents=outcome.incidents, candidates=outcome.candidates
    )


@router.post("/partners/{partner_id}/pull", response_model=ImportOut)
def pull_from_partner(
    partner_id: str, db: Db, actor: Annotated[Actor, require("exchange.write")]
) -> ImportOut:
    """Page through the partner's TAXII collection since the last pull and import."""
    partner = service.get_partner(db, partner_id)
    pulled = pull(db, partner, by=actor.username)
    outcome = pulled.outcome
    return ImportOut(
        **outcome.as_dict(), incidents=outcome.incidents, candidates=outcome.candidates
    )


@router.get("/partners/{partner_id}/imports", response_model=list[ImportedOut])
def list_imports(
    partner_id: str, db: Db, actor: Annotated[Actor, require("exchange.read")]
) -> list[ImportedOut]:
    """What the partner sent us, newest first (the last 500 objects)."""
    partner = service.get_partner(db, partner_id)
    rows = db.scalars(
        select(ImportedObject)
        .where(ImportedObject.partner_id == partner.id)
        .order_by(ImportedObject.received_at.desc())
        .limit(500)
    )
    return [ImportedOut.model_validate(r) for r in rows]
