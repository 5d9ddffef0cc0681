"""Need-to-know for alerts, as one pure rule.

An alert is seen by the staff of the agencies that must hear of it (`alert.agency_ids`: host
forces whose ground the movement crosses or stands on, the guest detail, the agencies of the
assigned units, the company) who may operate or approve. A silent alert (a duress check-in) is
seen by the control rooms only (ops officers and approvers), never by people in the field who
stand beside its sender, and never by the sender, whatever their role.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from jsms.identity.policy import Actor
from jsms.identity.roles import Role

READERS = frozenset({Role.OPS_OFFICER, Role.APPROVER, Role.ESCORT_COMMANDER})
CONTROL_ROOM = frozenset({Role.OPS_OFFICER, Role.APPROVER})

# Where a silent finding names its sender (set by check-ins and by SOS devices).
SENDER_USER = "sender_user_id"
SENDER_PERSON = "sender_person_id"


def is_sender(actor: Actor, detail: Mapping[str, Any]) -> bool:
    """True when `actor` raised the alert (as a user or as the protected person)."""
    user = detail.get(SENDER_USER)
    person = detail.get(SENDER_PERSON)
    return bool(
        (user and user == actor.user_id)
        or (person and actor.person_id and person == actor.person_id)
    )


def may_see(
    actor: Actor, agency_ids: Collection[str], silent: bool, detail: Mapping[str, Any]
) -> bool:
    """Whether `actor` may know this alert exists."""
    if actor.agency_id not in agency_ids:
        return False
    if silent:
        return bool(actor.roles & CONTROL_ROOM) and not is_sender(actor, detail)
    return bool(actor.roles & READERS)
