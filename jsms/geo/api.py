"""Gazetteer search and point location."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from jsms.deps import Db, require
from jsms.geo import h3cells
from jsms.geo.gazetteer import load_gazetteer
from jsms.geo.models import AdminArea
from jsms.geo.schemas import AdminAreaOut, LocationOut, PlaceOut
from jsms.geo.service import locate
from jsms.identity.policy import Actor

router = APIRouter(prefix="/api/v1/geo", tags=["geo"])


@router.get("/places", response_model=list[PlaceOut])
def search_places(
    _: Annotated[Actor, require("geo.read")],
    q: Annotated[str, Query(min_length=1, max_length=100, description="start of a place name")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[PlaceOut]:
    return [PlaceOut.model_validate(p) for p in load_gazetteer().search(q, limit=limit)]


@router.get("/locate", response_model=LocationOut)
def locate_point(
    db: Db,
    _: Annotated[Actor, require("geo.read")],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> LocationOut:
    """Province and district of a point, and how that was decided."""
    where = locate(db, lat, lon)
    return LocationOut(
        lat=lat,
        lon=lon,
        province=where.province,
        district=where.district,
        how=where.how,
        h3_cell=h3cells.cell_of(lat, lon),
    )


@router.get("/areas", response_model=list[AdminAreaOut])
def list_areas(
    db: Db,
    _: Annotated[Actor, require("geo.read")],
    level: Annotated[int, Query(ge=1, le=2)] = 1,
) -> list[AdminAreaOut]:
    rows = db.scalars(select(AdminArea).where(AdminArea.level == level).order_by(AdminArea.name))
    return [AdminAreaOut.model_validate(a) for a in rows]
