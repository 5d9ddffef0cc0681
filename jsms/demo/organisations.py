"""The demo's organisations: host forces, the guest detail, client companies and their projects,
security units, and the host's deployment authorisations for the guest detail."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from jsms.geo.gazetteer import Gazetteer
from jsms.identity import service as identity
from jsms.identity.models import Agency
from jsms.identity.policy import Actor
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry
from jsms.registry.models import SecurityUnit, Site

LOADER = "demo-loader"


@dataclass
class Organisations:
    """What later parts of the scenario refer to by the names in scenario.json."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    projects_by_client: dict[str, list[tuple[str, list[Site]]]] = field(default_factory=dict)
    units: dict[str, SecurityUnit] = field(default_factory=dict)


def loader_actor(agency: Agency) -> Actor:
    """The loader acting as an administrator of `agency` (the audit trail names the loader)."""
    return Actor(
        user_id=LOADER,
        username=LOADER,
        agency_id=agency.id,
        side=Side(agency.side),
        roles=frozenset({Role.ADMIN}),
    )


def perimeter(lat: float, lon: float, radius_m: float) -> dict[str, Any]:
    """An illustrative 16-sided perimeter (real fences are drawn by the site's operator)."""
    ring = []
    for i in range(16):
        angle = 2 * math.pi * i / 16
        dlat = radius_m * math.cos(angle) / 111_320
        dlon = radius_m * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
        ring.append([round(lon + dlon, 6), round(lat + dlat, 6)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def create_agencies(db: Session, scenario: dict[str, Any], orgs: Organisations) -> None:
    for row in scenario["agencies"]:
        orgs.agencies[row["short_name"]] = identity.create_agency(
            db,
            name=row["name"],
            short_name=row["short_name"],
            side=Side(row["side"]),
            country=row["country"],
            provinces=row["provinces"],
        )


def create_projects(
    db: Session, scenario: dict[str, Any], orgs: Organisations, gazetteer: Gazetteer
) -> None:
    """Real CPEC projects and their sites, at the coordinates the gazetteer records."""
    for row in scenario["projects"]:
        actor = loader_actor(orgs.agencies[row["client"]])
        project = registry.create_project(
            db,
            actor,
            name=row["name"],
            description=f"CPEC project ({row['province']})",
            province=row["province"],
        )
        sites = []
        for place_name, kind in row["sites"]:
            place = gazetteer.lookup(place_name)[0]
            site = registry.create_site(
                db,
                actor,
                name=place.name,
                project_id=project.id,
                kind=kind,
                lat=place.lat,
                lon=place.lon,
                perimeter=perimeter(place.lat, place.lon, 600),
                source=place.source,
            )
            sites.append(site)
            orgs.sites[place.name] = site
        orgs.projects_by_client.setdefault(row["client"], []).append((project.id, sites))


def create_units(
    db: Session, scenario: dict[str, Any], orgs: Organisations, gazetteer: Gazetteer
) -> None:
    for row in scenario["units"]:
        base = gazetteer.lookup(row["base"])[0]
        orgs.units[row["call_sign"]] = registry.create_unit(
            db,
            agency_id=orgs.agencies[row["agency"]].id,
            name=row["name"],
            call_sign=row["call_sign"],
            unit_type=row["unit_type"],
            strength=row["strength"],
            base_name=base.name,
            base_lat=base.lat,
            base_lon=base.lon,
            vehicles=[
                {"registration": r, "kind": k, "armoured": a, "seats": s}
                for r, k, a, s in row["vehicles"]
            ],
        )


def grant_authorisations(
    db: Session, scenario: dict[str, Any], orgs: Organisations, now: datetime
) -> None:
    """Each host's leave for the guest detail: province-wide, by district, by site; one
    revoked and one expired, so the map shows what a refusal looks like."""
    guest = next(a for a in orgs.agencies.values() if a.side == Side.GUEST.value)
    for row in scenario["authorisations"]:
        host = loader_actor(orgs.agencies[row["host"]])
        grant = registry.grant_authorisation(
            db,
            host,
            guest_agency_id=guest.id,
            unit_id=orgs.units[row["unit"]].id if row["unit"] else None,
            provinces=row["provinces"],
            districts=row["districts"],
            site_ids=[orgs.sites[s].id for s in row["sites"]],
            starts_at=now - timedelta(days=row["days_before"]),
            ends_at=now + timedelta(days=row["days_after"]),
            headcount_cap=row["cap"],
            arms=row["arms"],
            conditions=row["conditions"],
        )
        if row.get("revoked"):
            registry.revoke_authorisation(db, host, grant.id, row["revoked"])
