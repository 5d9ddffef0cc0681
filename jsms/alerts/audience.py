"""Which agencies must hear of a finding: the control rooms an alert goes to.

For a movement: the host force of every province the route crosses and of the province the
position is in now, the guest detail, the agencies of the units assigned to it and the
company. Without a movement (a device off the road, a roll call): the agency the device belongs
to, the person's employer, the guest detail of the person's nationality and the host force
where it happens.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts.findings import Finding
from jsms.errors import Invalid
from jsms.geo.service import locate
from jsms.identity.models import Agency
from jsms.identity.roles import Side
from jsms.movements.approvals import guest_for, host_for
from jsms.movements.models import Movement
from jsms.registry.models import ProtectedPerson, SecurityUnit
from jsms.tracking.models import Device


def _host_at(db: Session, lat: float | None, lon: float | None) -> set[str]:
    """The host force answering for the province a point lies in (none when unknown)."""
    if lat is None or lon is None:
        return set()
    province = locate(db, lat, lon).province
    if not province:
        return set()
    try:
        return {host_for(db, province).id}
    except Invalid:
        return set()


def _hosts_of(db: Session, provinces: list[str]) -> set[str]:
    found = set()
    for province in provinces:
        try:
            found.add(host_for(db, province).id)
        except Invalid:
            continue
    return found


def for_movement(db: Session, movement: Movement) -> set[str]:
    """The movement's own parties: host forces of its route, guest detail, units, company."""
    agencies = {movement.client_agency_id}
    agencies |= {a.agency_id for a in movement.approvals if a.movement_version == movement.version}
    agencies |= _hosts_of(db, list(movement.jurisdictions))
    unit_ids = [e.unit_id for e in movement.escorts]
    if unit_ids:
        agencies |= set(
            db.scalars(select(SecurityUnit.agency_id).where(SecurityUnit.id.in_(unit_ids)))
        )
    if movement.passenger_ids:
        with contextlib.suppress(Invalid):
            agencies.add(guest_for(db, movement).id)
    return agencies


def _guest_for_person(db: Session, person: ProtectedPerson) -> set[str]:
    guests = db.scalars(
        select(Agency).where(Agency.side == Side.GUEST.value, Agency.active.is_(True))
    ).all()
    own = [g.id for g in guests if g.country == person.nationality]
    return set(own or [g.id for g in guests[:1]])


def for_person(db: Session, person: ProtectedPerson) -> set[str]:
    """A protected person's company and guest detail."""
    return {person.employer_agency_id} | _guest_for_person(db, person)


def agencies_for(db: Session, finding: Finding, extra: set[str] | None = None) -> list[str]:
    """Every agency whose control room must hear of `finding`, sorted (stable for tests)."""
    agencies = set(extra or ())
    agencies |= _host_at(db, finding.lat, finding.lon)
    if finding.movement_id:
        movement = db.get(Movement, finding.movement_id)
        if movement is not None:
            agencies |= for_movement(db, movement)
    if finding.device_id:
        device = db.get(Device, finding.device_id)
        if device is not None:
            agencies.add(device.agency_id)
            person = db.get(ProtectedPerson, device.person_id) if device.person_id else None
            if person is not None:
                agencies |= for_person(db, person)
    person_id = finding.detail.get("person_id")
    if isinstance(person_id, str):
        person = db.get(ProtectedPerson, person_id)
        if person is not None:
            agencies |= for_person(db, person)
    return sorted(agencies)
