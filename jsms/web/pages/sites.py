"""Sites in the control room: the list and a map of every site the caller may see, one site
with its perimeter, and the form that registers a site (a point typed or clicked on the map,
and optionally its perimeter as GeoJSON).

Which sites a person sees comes from registry.service.site_query (a company sees its own);
the map data is written into the page from that same query, never fetched wider.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.deps import Db, require
from jsms.errors import DomainError, Forbidden
from jsms.identity.models import Agency
from jsms.identity.policy import Actor, can
from jsms.identity.roles import Side
from jsms.pagination import paginate
from jsms.registry import service as registry
from jsms.registry.models import Project, Site
from jsms.registry.schemas import SiteIn
from jsms.web.pages.paging import PER_PAGE, page_links
from jsms.web.ui import check_csrf, field_errors, redirect, render

router = APIRouter(include_in_schema=False)

KINDS = [
    ("project_site", "Project site"),
    ("camp", "Camp"),
    ("airport", "Airport"),
    ("port", "Port"),
    ("office", "Office"),
    ("residence", "Residence"),
]
KIND_NAMES = dict(KINDS)
MAP_LIMIT = 2000  # sites drawn on the list's map


def site_features(sites: Iterable[Site], *, color: str = "#0b5394") -> dict[str, Any]:
    """Sites as map points (and their perimeters), each with a popup linking to the site."""
    features = []
    for site in sites:
        props = {
            "title": site.name,
            "lines": [
                ["Kind", KIND_NAMES.get(site.kind, site.kind)],
                ["Place", ", ".join(p for p in (site.district, site.province) if p) or "-"],
            ],
            "href": f"/registry/sites/{site.id}",
            "color": color,
        }
        point = {"type": "Point", "coordinates": [site.lon, site.lat]}
        features.append({"type": "Feature", "geometry": point, "properties": props})
        if site.perimeter:
            outline = {**props, "fill_opacity": 0.15}
            features.append({"type": "Feature", "geometry": site.perimeter, "properties": outline})
    return {"type": "FeatureCollection", "features": features}


@router.get("/registry/sites")
def site_list(
    request: Request,
    db: Db,
    actor: Annotated[Actor, require("site.read")],
    province: str = "",
    page: int = 1,
) -> Response:
    stmt = registry.site_query(actor)
    provinces = sorted(
        {
            p
            for p in db.scalars(stmt.with_only_columns(Site.province).order_by(None).distinct())
            if p
        }
    )
    if province:
        stmt = stmt.where(Site.province == province)
    page = max(1, min(page, 100_000))
    rows, total = paginate(db, stmt, page, PER_PAGE)
    companies = {a.id: a.short_name for a in db.scalars(select(Agency))}
    projects = {p.id: p.name for p in db.scalars(registry.project_query(actor))}
    return render(
        request,
        db,
        "registry/sites.html",
        {
            "sites": rows,
            "links": page_links(request, total, page),
            "province": province,
            "provinces": [("", "every province")] + [(p, p) for p in provinces],
            "companies": companies,
            "projects": projects,
            "kinds": KIND_NAMES,
            "may_write": can(actor, "site.write"),
            "map_config": {
                "overlays": [
                    {
                        "name": "Sites",
                        "data": site_features(db.scalars(stmt.limit(MAP_LIMIT))),
                    }
                ]
            },
        },
    )


def _site_form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    companies = db.scalars(
        select(Agency).where(Agency.side == Side.CLIENT.value).order_by(Agency.name)
    )
    return render(
        request,
        db,
        "registry/site_form.html",
        {
            "values": values,
            "errors": errors,
            "kinds": KINDS,
            "projects": [(p.id, p.name) for p in db.scalars(registry.project_query(actor))],
            "choose_company": actor.side != Side.CLIENT,
            "companies": [(c.id, c.name) for c in companies],
            "map_config": {
                "center": [30.0, 69.5],
                "zoom": 5,
                "pick": [{"label": "Site", "lat": "f-lat", "lon": "f-lon"}],
            },
        },
        status_code=status_code,
    )


@router.get("/registry/sites/new")
def site_new(request: Request, db: Db, actor: Annotated[Actor, require("site.write")]) -> Response:
    return _site_form(request, db, actor, {"kind": "project_site"}, {})


SITE_FIELDS = (
    "name",
    "project_id",
    "client_agency_id",
    "kind",
    "lat",
    "lon",
    "perimeter",
    "source",
)


def _parse_site(values: dict[str, str]) -> dict[str, Any]:
    """The form as SiteIn expects it: blanks left out, the perimeter read as JSON."""
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    if "perimeter" in data:
        try:
            data["perimeter"] = json.loads(data["perimeter"])
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    return data


@router.post("/registry/sites/new", dependencies=[Depends(check_csrf)])
async def site_create(
    request: Request, db: Db, actor: Annotated[Actor, require("site.write")]
) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in SITE_FIELDS}
    try:
        data = _parse_site(values)
    except ValueError as exc:
        return _site_form(request, db, actor, values, {"perimeter": str(exc)}, 422)
    try:
        body = SiteIn.model_validate(data)
    except ValidationError as exc:
        return _site_form(request, db, actor, values, field_errors(exc), 422)
    try:
        site = registry.create_site(db, actor, **body.model_dump())
    except Forbidden:
        raise  # audited and shown as the refusal page
    except DomainError as exc:
        db.rollback()
        return _site_form(request, db, actor, values, {"form": exc.detail}, exc.status)
    return redirect(f"/registry/sites/{site.id}?done=registered")


@router.get("/registry/sites/{site_id}")
def site_detail(
    site_id: str, request: Request, db: Db, actor: Annotated[Actor, require("site.read")]
) -> Response:
    site = registry.get_site(db, actor, site_id)
    company = db.get(Agency, site.client_agency_id)
    project = db.get(Project, site.project_id) if site.project_id else None
    done = request.query_params.get("done") == "registered"
    return render(
        request,
        db,
        "registry/site.html",
        {
            "site": site,
            "company": company,
            "project": project,
            "kind": KIND_NAMES.get(site.kind, site.kind),
            "flashes": ["The site is registered."] if done else [],
            "map_config": {
                "overlays": [{"name": site.name, "data": site_features([site])}],
                "max_zoom": 15,
            },
        },
    )
