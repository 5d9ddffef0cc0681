"""Movement forms as a person fills them in, read into the domain's schemas.

A place is a registered site, a town name or a map click; times are typed as local date-times
in a stated zone (by default the origin's, as its SOP policy file names it); passengers are
ticked names; vehicles are rows. Every complaint is keyed to the field it concerns, so the
form comes back with the reason beside that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from jsms.audit.service import record_refusal
from jsms.errors import DomainError, Forbidden, Invalid, NotFound
from jsms.identity.policy import Actor
from jsms.movements import flows, planning
from jsms.movements.models import Movement
from jsms.movements.schemas import CloneIn, MovementIn, MovementPatch, PlaceIn, VehicleIn
from jsms.movements.sop import default_policies
from jsms.movements.sop.local_time import DEFAULT_ZONE, LocalZone, parse_zone
from jsms.registry import service as registry
from jsms.web.ui import field_errors

ORIGIN_ZONE = ""  # the zone choice meaning "the origin's local time, as its SOP names it"
VEHICLE_ROWS = 3
ENDS = ("origin", "destination")
DEFAULT_PLACE = (30.0, 70.0)  # where the zone is read while the origin is still unknown


async def posted(request: Request) -> FormData:
    """The posted form (read once; the CSRF check has already read it)."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]


def keep_refusal(request: Request, db: Session, exc: DomainError) -> None:
    """A form refused by a service rule (403) leaves the same audit event the API's refusal
    does; the request's own writes are rolled back first."""
    db.rollback()
    if isinstance(exc, Forbidden):
        record_refusal(
            request.app.state.database_url,
            actor=getattr(request.state, "actor", None),
            method=request.method,
            path=request.url.path,
            permission=getattr(request.state, "permission", None),
            reason=exc.detail,
        )


def named_field(exc: DomainError, default: str) -> str:
    """The field a service refusal names (`errors=[{"field": ...}]`), else `default`."""
    named = exc.extra.get("errors") or []
    return str(named[0].get("field") or default) if named else default


@dataclass
class FormRead:
    """What a form said: the person's input as typed (to show again) and the complaints."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def typed(form: FormData) -> dict[str, Any]:
    """The input as typed; passengers (ticked boxes) as a list."""
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    values["passenger_ids"] = [str(v) for v in form.getlist("passenger_ids")]
    return values


def zone_choices(now: datetime | None = None) -> list[tuple[str, str]]:
    """The zones the SOP policy files name, plus UTC; first, the origin's own."""
    moment = now or datetime.now(UTC)
    names = sorted({p.zone.name for p in default_policies()} | {DEFAULT_ZONE.name})
    return [
        (ORIGIN_ZONE, "Local time at the origin (the zone its SOP policy names)"),
        *((name, f"{name}, {LocalZone(name).label(moment)}") for name in names),
        ("UTC", "UTC"),
    ]


def local_input(moment: datetime, zone: LocalZone) -> str:
    """A time as a datetime-local field shows it, in `zone`."""
    return zone.local(moment).strftime("%Y-%m-%dT%H:%M")


def _zone(
    db: Session, values: dict[str, Any], errors: dict[str, str], at: tuple[float, float]
) -> tzinfo:
    chosen = str(values.get("zone") or ORIGIN_ZONE)
    if chosen == "UTC":
        return UTC
    if chosen != ORIGIN_ZONE:
        try:
            return parse_zone(chosen).tz
        except ValueError as exc:
            errors["zone"] = str(exc)
            return UTC
    typed_day = str(values.get("departure_at") or "")[:10]
    try:
        day = datetime.fromisoformat(typed_day).date()
    except ValueError:
        day = datetime.now(UTC).date()
    return planning.zone_at(db, at[0], at[1], day).tz


def _time(
    values: dict[str, Any], name: str, zone: tzinfo, errors: dict[str, str]
) -> datetime | None:
    text = str(values.get(name) or "").strip()
    if not text:
        errors[name] = "give a date and time"
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors[name] = "give a date and time such as 2026-05-01T09:30"
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_times(
    db: Session, read: FormRead, at: tuple[float, float], *, future: bool
) -> tuple[datetime | None, datetime | None]:
    """Departure and arrival in the stated zone; arrival after departure, and (for a new
    plan) departure still ahead."""
    zone = _zone(db, read.values, read.errors, at)
    departure = _time(read.values, "departure_at", zone, read.errors)
    arrival = _time(read.values, "arrival_at", zone, read.errors)
    if future and departure is not None and departure <= datetime.now(UTC):
        read.errors["departure_at"] = "the departure is in the past: give a time still ahead"
    if departure is not None and arrival is not None and arrival <= departure:
        read.errors["arrival_at"] = "the arrival must be after the departure"
    return departure, arrival


def read_vehicles(read: FormRead) -> list[dict[str, Any]]:
    """The filled-in vehicle rows (a row without a registration is left out)."""
    rows = []
    for i in range(VEHICLE_ROWS):
        registration = str(read.values.get(f"vehicle_{i}_registration") or "").strip()
        if not registration:
            continue
        rows.append(
            {
                "registration": registration,
                "armoured": read.values.get(f"vehicle_{i}_armoured") == "yes",
                "seats": read.values.get(f"vehicle_{i}_seats") or 0,
                "passengers": read.values.get(f"vehicle_{i}_passengers") or 0,
            }
        )
    return rows


def vehicle_values(vehicles: list[dict[str, Any]]) -> dict[str, Any]:
    """A plan's vehicles as the form's rows."""
    values: dict[str, Any] = {}
    for i, v in enumerate(vehicles[:VEHICLE_ROWS]):
        values[f"vehicle_{i}_registration"] = v.get("registration", "")
        values[f"vehicle_{i}_armoured"] = "yes" if v.get("armoured") else ""
        values[f"vehicle_{i}_seats"] = v.get("seats", "")
        values[f"vehicle_{i}_passengers"] = v.get("passengers", "")
    return values


def _same_vehicles(rows: list[dict[str, Any]], stored: list[dict[str, Any]]) -> bool:
    try:
        return [VehicleIn.model_validate(r).model_dump() for r in rows] == list(stored)
    except ValidationError:
        return False


def _place(db: Session, actor: Actor, read: FormRead, end: str) -> PlaceIn | None:
    """A site (by id, among those the person may see), a town, or a clicked point."""
    values = read.values
    site_id = str(values.get(f"{end}_site") or "").strip()
    town = str(values.get(f"{end}_town") or "").strip()
    lat = str(values.get(f"{end}_lat") or "").strip()
    lon = str(values.get(f"{end}_lon") or "").strip()
    if site_id:
        try:
            site = registry.get_site(db, actor, site_id)
        except NotFound:
            read.errors[f"{end}_site"] = "choose one of your company's sites"
            return None
        return PlaceIn(name=site.name, lat=site.lat, lon=site.lon)
    if town:
        return PlaceIn(name=town)
    if lat or lon:
        try:
            return PlaceIn(lat=float(lat), lon=float(lon))
        except (ValueError, ValidationError):
            read.errors[f"{end}_lat"] = (
                "give latitude (-90 to 90) and longitude (-180 to 180), or click the map"
            )
            return None
    read.errors[f"{end}_town"] = f"choose a site, type a town or click the map for the {end}"
    return None


def _resolved(
    db: Session, actor: Actor, read: FormRead, end: str
) -> tuple[str, float, float] | None:
    """The place with its coordinates, so the zone can be read there; an unknown town is
    refused beside the town field."""
    place = _place(db, actor, read, end)
    if place is None:
        return None
    try:
        return flows.resolve_place(db, actor, place, end)
    except Invalid as exc:
        read.errors[f"{end}_town"] = exc.detail
        return None


def _validated(read: FormRead, schema: Any, data: dict[str, Any]) -> Any:
    if read.errors:
        return None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        read.errors.update(field_errors(exc))
        return None


def read_request(db: Session, actor: Actor, form: FormData) -> tuple[MovementIn | None, FormRead]:
    """The wizard's first step: purpose, passengers, the two ends, times and vehicles."""
    read = FormRead(typed(form))
    ends = {end: _resolved(db, actor, read, end) for end in ENDS}
    if not read.values["passenger_ids"]:
        read.errors["passenger_ids"] = "tick at least one passenger"
    origin = ends["origin"]
    departure, arrival = read_times(db, read, origin[1:] if origin else DEFAULT_PLACE, future=True)
    data = {
        "purpose": read.values.get("purpose", ""),
        **{
            end: PlaceIn(name=place[0], lat=place[1], lon=place[2]) if place else None
            for end, place in ends.items()
        },
        "departure_at": departure,
        "arrival_at": arrival,
        "passenger_ids": read.values["passenger_ids"],
        "vehicles": read_vehicles(read),
    }
    return _validated(read, MovementIn, data), read


def read_amendment(
    db: Session, movement: Movement, form: FormData
) -> tuple[MovementPatch | None, FormRead]:
    """Only what changed, so the new version says what was amended."""
    read = FormRead(typed(form))
    departure, arrival = read_times(
        db, read, (movement.origin_lat, movement.origin_lon), future=False
    )
    changes: dict[str, Any] = {}
    purpose = str(read.values.get("purpose") or "").strip()
    if purpose != movement.purpose:
        changes["purpose"] = purpose
    if departure is not None and departure != movement.departure_at:
        changes["departure_at"] = departure
    if arrival is not None and arrival != movement.arrival_at:
        changes["arrival_at"] = arrival
    if sorted(read.values["passenger_ids"]) != sorted(movement.passenger_ids):
        changes["passenger_ids"] = read.values["passenger_ids"]
        if not read.values["passenger_ids"]:
            read.errors["passenger_ids"] = "tick at least one passenger"
    vehicles = read_vehicles(read)
    if not _same_vehicles(vehicles, movement.vehicles):
        changes["vehicles"] = vehicles
    if not changes and not read.errors:
        read.errors["form"] = "nothing was changed"
    return _validated(read, MovementPatch, changes), read


def read_clone(db: Session, movement: Movement, form: FormData) -> tuple[CloneIn | None, FormRead]:
    """New times for a repeat of this movement (still ahead)."""
    read = FormRead(typed(form))
    departure, arrival = read_times(
        db, read, (movement.origin_lat, movement.origin_lon), future=True
    )
    return _validated(read, CloneIn, {"departure_at": departure, "arrival_at": arrival}), read


def request_choices(db: Session, actor: Actor) -> dict[str, Any]:
    """The company's own protected persons (names only) and sites, for the wizard's lists."""
    persons = db.scalars(registry.person_query(actor)).all()
    sites = db.scalars(registry.site_query(actor)).all()
    return {
        "persons": [(p.id, p.full_name) for p in persons],
        "sites": [("", "- no site -"), *((s.id, f"{s.name} ({s.province or '?'})") for s in sites)],
        "zones": zone_choices(),
        "vehicle_rows": VEHICLE_ROWS,
    }
