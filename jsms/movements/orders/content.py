"""The facts one movement order conveys, and the snapshot kept with each issued copy.

Times are local to the movement's jurisdiction (its SOP policy names the zone; all of Pakistan
is Asia/Karachi, PKT, UTC+5) and every time an order shows names that zone. No passenger
names: an order states how many people move, never who.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from jsms.movements.sop.local_time import DEFAULT_ZONE, LocalZone

__all__ = [
    "Communications",
    "Contact",
    "Emergency",
    "EscortLeg",
    "Hospital",
    "InnerRing",
    "OrderContent",
    "RallyPoint",
    "Vehicle",
    "content_from_json",
    "content_to_json",
]


@dataclass(frozen=True)
class Vehicle:
    callsign: str
    registration: str
    armoured: bool
    role: str = ""
    """Place in the convoy: lead, principal, chase..."""


@dataclass(frozen=True)
class InnerRing:
    """The guest (company) close-protection team that stays with the passengers."""

    callsign: str
    strength: int
    team: str = "guest security team"


@dataclass(frozen=True)
class EscortLeg:
    """One host unit's stretch of the outer ring; ``handover`` is where it hands on."""

    unit: str
    start: str
    end: str
    handover: str | None = None


@dataclass(frozen=True)
class RallyPoint:
    name: str
    distance_km: float | None = None
    bearing: str | None = None
    reference: str | None = None
    """What the distance and bearing are from ("the camp gate")."""


@dataclass(frozen=True)
class Communications:
    radio_channel: str
    check_in_times: list[time] = field(default_factory=list)
    control: str = "JSMS OPS"
    spare_channel: str | None = None


@dataclass(frozen=True)
class Hospital:
    name: str
    distance_km: float | None = None
    near: str | None = None
    """What the distance is from; the route when None."""


@dataclass(frozen=True)
class Emergency:
    qrf_callsign: str | None
    """None until the host force names its quick reaction force."""
    hospitals: list[Hospital] = field(default_factory=list)
    qrf_base: str | None = None
    qrf_response_min: int | None = None


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str


@dataclass
class OrderContent:
    """The facts of one movement that its order conveys (no passenger names)."""

    movement_id: str
    reference: str
    classification: str
    date: date
    departure: time
    origin: str
    destination: str
    via: list[str]
    vehicles: list[Vehicle]
    passengers: int
    inner_ring: InnerRing
    outer_ring: list[EscortLeg]
    rally_point: RallyPoint
    communications: Communications
    emergency: Emergency
    contacts: list[Contact] = field(default_factory=list)
    arrival: time | None = None
    """The planned arrival: the latest time the convoy should arrive."""
    distance_km: float | None = None
    driving_minutes: int | None = None
    """The route's driving time (from routing), not the planned departure-arrival window."""
    timezone: str = DEFAULT_ZONE.name
    """The IANA zone of every time above, from the jurisdiction's SOP policy."""

    @property
    def zone(self) -> LocalZone:
        return LocalZone(self.timezone)

    @property
    def departure_at(self) -> datetime:
        return datetime.combine(self.date, self.departure, tzinfo=self.zone.tz)


def content_to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: content_to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [content_to_json(v) for v in value]
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def content_from_json(data: dict[str, Any]) -> OrderContent:
    """The snapshot back as the dataclass the renderer and the tracer use."""
    comms = data["communications"]
    return OrderContent(
        **{
            k: data[k]
            for k in (
                "movement_id",
                "reference",
                "classification",
                "origin",
                "destination",
                "via",
                "passengers",
                "distance_km",
            )
        },
        driving_minutes=data.get("driving_minutes"),
        timezone=data.get("timezone", DEFAULT_ZONE.name),
        date=date.fromisoformat(data["date"]),
        departure=time.fromisoformat(data["departure"]),
        arrival=time.fromisoformat(data["arrival"]) if data.get("arrival") else None,
        vehicles=[Vehicle(**v) for v in data["vehicles"]],
        inner_ring=InnerRing(**data["inner_ring"]),
        outer_ring=[EscortLeg(**leg) for leg in data["outer_ring"]],
        rally_point=RallyPoint(**data["rally_point"]),
        communications=Communications(
            radio_channel=comms["radio_channel"],
            control=comms["control"],
            spare_channel=comms.get("spare_channel"),
            check_in_times=[time.fromisoformat(t) for t in comms["check_in_times"]],
        ),
        emergency=Emergency(
            qrf_callsign=data["emergency"]["qrf_callsign"],
            qrf_base=data["emergency"].get("qrf_base"),
            qrf_response_min=data["emergency"].get("qrf_response_min"),
            hospitals=[Hospital(**h) for h in data["emergency"]["hospitals"]],
        ),
        contacts=[Contact(**c) for c in data["contacts"]],
    )
