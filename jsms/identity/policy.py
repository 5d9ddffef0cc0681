"""Who may do what: the one table every endpoint and service consults.

An action is allowed when one of the actor's roles is listed for it and, where the action is
restricted to agency sides, the actor's agency is on one of them. Object-level need-to-know
(which persons a client may see) is expressed as query filters below, applied in the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, true

from jsms.identity.roles import ROLE_TITLES, SIDE_TITLES, Role, Side

R = Role
STAFF = frozenset(set(Role) - {Role.PROTECTEE})
EVERYONE = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    # Own session and account.
    "session.self": EVERYONE,
    # Agencies and users.
    "agency.read": STAFF,
    "agency.write": frozenset({R.ADMIN}),
    "user.read": frozenset({R.ADMIN, R.AUDITOR}),
    "user.write": frozenset({R.ADMIN}),
    # Protected persons: the record, and the encrypted PII behind it.
    "person.read": frozenset({R.REQUESTER, R.OPS_OFFICER, R.APPROVER, R.ADMIN, R.PROTECTEE}),
    "person.pii.read": frozenset({R.REQUESTER, R.OPS_OFFICER, R.PROTECTEE}),
    "person.write": frozenset({R.REQUESTER, R.ADMIN}),
    # Projects and sites.
    "site.read": STAFF,
    "site.write": frozenset({R.REQUESTER, R.ADMIN}),
    # Security units and deployment authorisations (sovereignty: only the host grants).
    "unit.read": frozenset({R.OPS_OFFICER, R.APPROVER, R.ESCORT_COMMANDER, R.ADMIN, R.ANALYST}),
    "unit.write": frozenset({R.ADMIN}),
    "authorisation.read": frozenset(
        {R.OPS_OFFICER, R.APPROVER, R.ESCORT_COMMANDER, R.ADMIN, R.AUDITOR}
    ),
    "authorisation.write": frozenset({R.APPROVER, R.ADMIN}),
    "authorisation.check": frozenset({R.OPS_OFFICER, R.APPROVER, R.ESCORT_COMMANDER, R.ADMIN}),
    # Geography.
    "geo.read": STAFF,
    "geo.write": frozenset({R.ADMIN}),
    # Tracking devices of one's own agency (a company: its employees' phones and its vehicles);
    # the counters of refused device messages.
    "device.read": frozenset({R.ADMIN, R.OPS_OFFICER, R.REQUESTER}),
    "device.write": frozenset({R.ADMIN, R.OPS_OFFICER, R.REQUESTER}),
    "tracking.rejections.read": frozenset({R.ADMIN, R.OPS_OFFICER}),
    # Audit trail.
    "audit.read": frozenset({R.AUDITOR}),
    # Threat picture: incidents, the OSINT review queue, risk surface and overrides.
    "incident.read": STAFF,
    "incident.write": frozenset({R.ANALYST, R.OPS_OFFICER}),
    "incident.review": frozenset({R.ANALYST}),
    "risk.read": STAFF,
    "risk.override": frozenset({R.ANALYST}),
    "risk.rebuild": frozenset({R.ANALYST, R.ADMIN}),
    # Movements: need-to-know on route and times is decided per movement (movements.access).
    "movement.read": frozenset(
        {R.REQUESTER, R.OPS_OFFICER, R.APPROVER, R.ESCORT_COMMANDER, R.AUDITOR, R.PROTECTEE}
    ),
    "movement.write": frozenset({R.REQUESTER}),
    "movement.approve": frozenset({R.APPROVER}),
    "movement.escort": frozenset({R.OPS_OFFICER, R.APPROVER}),
    "movement.operate": frozenset({R.OPS_OFFICER, R.ESCORT_COMMANDER}),
    "movement.order": frozenset(
        {R.REQUESTER, R.OPS_OFFICER, R.APPROVER, R.ESCORT_COMMANDER, R.PROTECTEE}
    ),
    "movement.who_knew": frozenset({R.AUDITOR}),
    "leak.trace": frozenset({R.AUDITOR}),
    # Alerts: read by the control rooms and field commanders of the agencies that must hear
    # (need-to-know per alert: jsms.alerts.access); acted on by the control rooms.
    "alert.read": frozenset({R.OPS_OFFICER, R.APPROVER, R.ESCORT_COMMANDER}),
    "alert.act": frozenset({R.OPS_OFFICER, R.APPROVER}),
    "contact_point.manage": frozenset({R.ADMIN, R.OPS_OFFICER}),
    # Roll calls: started by ops officers; each person answers for themselves.
    "rollcall.read": frozenset({R.OPS_OFFICER, R.APPROVER, R.REQUESTER}),
    "rollcall.start": frozenset({R.OPS_OFFICER}),
    "rollcall.answer": frozenset({R.PROTECTEE}),
    # Check-ins (with the duress code) by those on the road; read by the control rooms.
    "checkin.write": frozenset({R.ESCORT_COMMANDER, R.PROTECTEE}),
    "checkin.read": frozenset({R.OPS_OFFICER, R.APPROVER}),
    # Information exchange: partners and sharing agreements (managed by the admins of the
    # agency running the partnership; read by admins and auditors), exports and imports.
    "exchange.read": frozenset({R.ADMIN, R.AUDITOR}),
    "exchange.write": frozenset({R.ADMIN}),
    # CAP 1.2 messages (alerts and advisories) and their Atom feed: each message only to
    # those the alerts and threat rules let see it.
    "cap.read": STAFF,
}

# What each permission lets a person do, as the end of "may not ...", for refusals.
DOES: dict[str, str] = {
    "session.self": "use this session",
    "agency.read": "see agencies",
    "agency.write": "create or change agencies",
    "user.read": "see user accounts",
    "user.write": "create or change user accounts",
    "person.read": "see protected persons",
    "person.pii.read": "read the personal data of protected persons",
    "person.write": "register or change protected persons",
    "site.read": "see projects and sites",
    "site.write": "register or change projects and sites",
    "unit.read": "see security units",
    "unit.write": "register or change security units",
    "authorisation.read": "see deployment authorisations",
    "authorisation.write": "grant or revoke deployment authorisations",
    "authorisation.check": "check deployment authorisations",
    "geo.read": "see the geography",
    "device.read": "see tracking devices",
    "device.write": "register tracking devices or change their keys",
    "tracking.rejections.read": "see refused device messages",
    "geo.write": "change the geography",
    "audit.read": "read the audit trail",
    "incident.read": "see incidents",
    "incident.write": "record or change incidents",
    "incident.review": "decide on the incident review queue",
    "risk.read": "see the risk picture",
    "risk.override": "override threat levels",
    "risk.rebuild": "rebuild the risk surface",
    "movement.read": "see movements",
    "movement.write": "request or change movements",
    "movement.approve": "approve movements",
    "movement.escort": "assign escorts",
    "movement.operate": "start or finish movements",
    "movement.order": "read movement orders",
    "movement.who_knew": "see who knew of a movement",
    "leak.trace": "trace leaked orders",
    "alert.read": "see alerts",
    "alert.act": "acknowledge, resolve or escalate alerts",
    "contact_point.manage": "manage the contact points of a control room",
    "rollcall.read": "see roll calls",
    "rollcall.start": "start or close roll calls",
    "rollcall.answer": "answer a roll call",
    "checkin.write": "check in or set check-in codes",
    "checkin.read": "see check-ins",
    "exchange.read": "see exchange partners and sharing agreements",
    "exchange.write": "manage exchange partners and sharing agreements",
    "cap.read": "read CAP messages and their feed",
}

SIDES: dict[str, frozenset[Side]] = {
    # Units and grants are the forces' business: a company's staff never read them.
    "unit.read": frozenset({Side.HOST, Side.GUEST}),
    "authorisation.read": frozenset({Side.HOST, Side.GUEST}),
    "authorisation.check": frozenset({Side.HOST, Side.GUEST}),
    "authorisation.write": frozenset({Side.HOST}),
    "movement.write": frozenset({Side.CLIENT}),
    "movement.escort": frozenset({Side.HOST, Side.GUEST}),
    "movement.operate": frozenset({Side.HOST, Side.GUEST}),
    "tracking.rejections.read": frozenset({Side.HOST, Side.GUEST}),
    "exchange.read": frozenset({Side.HOST, Side.GUEST}),
    "exchange.write": frozenset({Side.HOST, Side.GUEST}),
}

PUBLIC = "public"
# Device endpoints (positions from trackers) authenticate the device by its own key, never a
# person's login; the OpenAPI document marks them with this instead of a permission.
DEVICE = "device"
# TAXII endpoints authenticate a partner instance by its own credential (HTTP Basic), never a
# person's login; the OpenAPI document marks them with this.
PARTNER = "partner"


@dataclass(frozen=True)
class Actor:
    """The authenticated caller, as every service sees it."""

    user_id: str
    username: str
    agency_id: str
    side: Side
    roles: frozenset[Role]
    person_id: str | None = None
    session_id: str | None = None
    client: str = field(default="", compare=False)

    def has(self, role: Role) -> bool:
        return role in self.roles


def is_allowed(action: str, roles: frozenset[Role], side: Side) -> bool:
    """True when the policy table lets these roles on this side perform `action`."""
    if action == PUBLIC:
        return True
    allowed_roles = PERMISSIONS[action]
    if not roles & allowed_roles:
        return False
    sides = SIDES.get(action)
    return sides is None or side in sides


def can(actor: Actor, action: str) -> bool:
    return is_allowed(action, actor.roles, actor.side)


def _in_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def refusal_reason(roles: frozenset[Role], side: Side, action: str) -> str:
    """Why the policy table refuses `action`, as a sentence for the person refused.

    >>> refusal_reason(frozenset({Role.ANALYST}), Side.HOST, "movement.approve")
    'Your role (analyst) may not approve movements; approvers may.'
    """
    does = DOES[action]
    allowed = PERMISSIONS[action]
    if not roles & allowed:
        mine = sorted(ROLE_TITLES[r][0] for r in roles)
        yours = "An account without a role"
        if mine:
            yours = f"Your role{'s' if len(mine) > 1 else ''} ({', '.join(mine)})"
        who = _in_words([ROLE_TITLES[r][1] for r in Role if r in allowed])
        return f"{yours} may not {does}; {who} may."
    sides = _in_words([SIDE_TITLES[s][1] for s in Side if s in SIDES[action]])
    return f"Only {sides} may {does}; your agency is {SIDE_TITLES[side][0]}."


def person_scope(actor: Actor, person_table: type[Any]) -> ColumnElement[bool]:
    """Persons `actor` may see: clients their own employees, protectees themselves."""
    staff_roles = actor.roles - {Role.PROTECTEE}
    if staff_roles and actor.side != Side.CLIENT:
        return true()
    if staff_roles and actor.side == Side.CLIENT:
        clause = person_table.employer_agency_id == actor.agency_id
        if actor.person_id:
            clause = clause | (person_table.id == actor.person_id)
        return clause
    if actor.person_id:
        return person_table.id == actor.person_id
    return false()


def company_scope(
    actor: Actor, table: type[Any], column: str = "client_agency_id"
) -> ColumnElement[bool]:
    """Projects and sites: a client company sees its own; the forces see all."""
    if actor.side == Side.CLIENT:
        return getattr(table, column) == actor.agency_id
    return true()
