"""Security units in the control room: the forces' escort, close-protection, QRF and guard
units with their strength, vehicles and base. Companies never see them (unit.read is for
host and guest forces only, in the policy table)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from jsms.deps import Db, require
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.pagination import paginate
from jsms.registry import service as registry
from jsms.registry.grants import authorisation_state
from jsms.registry.models import DeploymentAuthorisation, SecurityUnit
from jsms.web.pages.paging import PER_PAGE, page_links
from jsms.web.ui import render

router = APIRouter(include_in_schema=False)

UNIT_TYPES = {
    "escort": "Escort",
    "close_protection": "Close protection",
    "qrf": "Quick reaction force",
    "static_guard": "Static guard",
}


def _forces(db: Db) -> list[Agency]:
    stmt = select(Agency).where(Agency.side != Side.CLIENT.value).order_by(Agency.name)
    return list(db.scalars(stmt))


@router.get("/registry/units")
def unit_list(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("unit.read")],
    agency: str = "",
    page: int = 1,
) -> Response:
    stmt = select(SecurityUnit).order_by(SecurityUnit.call_sign)
    if agency:
        stmt = stmt.where(SecurityUnit.agency_id == agency)
    page = max(1, min(page, 100_000))
    rows, total = paginate(db, stmt, page, PER_PAGE)
    forces = _forces(db)
    return render(
        request,
        db,
        "registry/units.html",
        {
            "units": rows,
            "links": page_links(request, total, page),
            "agency": agency,
            "agencies": [("", "every agency")] + [(a.id, a.name) for a in forces],
            "agency_names": {a.id: a.short_name for a in forces},
            "types": UNIT_TYPES,
        },
    )


@router.get("/registry/units/{unit_id}")
def unit_detail(
    unit_id: str, request: Request, db: Db, actor: Annotated[Actor, require("unit.read")]
) -> Response:
    unit = registry.get_unit(db, unit_id)
    agency = db.get(Agency, unit.agency_id)
    grants: list[tuple[DeploymentAuthorisation, str]] = []
    if can(actor, "authorisation.read") and agency is not None and agency.side == "guest":
        now = datetime.now(UTC)
        stmt = registry.authorisation_query().where(
            DeploymentAuthorisation.guest_agency_id == unit.agency_id,
            DeploymentAuthorisation.unit_id.is_(None)
            | (DeploymentAuthorisation.unit_id == unit.id),
        )
        grants = [(g, authorisation_state(g, now)) for g in db.scalars(stmt)]
    base = None
    if unit.base_lat is not None and unit.base_lon is not None:
        point = {"type": "Point", "coordinates": [unit.base_lon, unit.base_lat]}
        props = {"title": unit.base_name or "Base", "lines": [["Unit", unit.call_sign]]}
        base = {
            "overlays": [
                {
                    "name": f"Base of {unit.call_sign}",
                    "data": {
                        "type": "FeatureCollection",
                        "features": [{"type": "Feature", "geometry": point, "properties": props}],
                    },
                }
            ],
            "max_zoom": 10,
        }
    return render(
        request,
        db,
        "registry/unit.html",
        {
            "unit": unit,
            "agency": agency,
            "unit_type": UNIT_TYPES.get(unit.unit_type, unit.unit_type),
            "armoured": sum(v.armoured for v in unit.vehicles),
            "grants": grants,
            "base_map": base,
            "hosts": {a.id: a.short_name for a in _forces(db)},
        },
    )
