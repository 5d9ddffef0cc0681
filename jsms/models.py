"""Every table, imported in one place so migrations and tests see the whole schema."""

from jsms.audit.models import AuditEvent, AuditHead
from jsms.db import Base
from jsms.geo.models import AdminArea
from jsms.identity.models import Agency, AuthSession, User
from jsms.movements.models import EscortAssignment, Movement, MovementApproval, OrderCopy
from jsms.registry.models import (
    DeploymentAuthorisation,
    Project,
    ProtectedPerson,
    SecurityUnit,
    Site,
    Vehicle,
)
from jsms.threat.models import Incident, IncidentSource, ThreatOverride

__all__ = [
    "AdminArea",
    "Agency",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Base",
    "DeploymentAuthorisation",
    "EscortAssignment",
    "Incident",
    "IncidentSource",
    "Movement",
    "MovementApproval",
    "OrderCopy",
    "Project",
    "ProtectedPerson",
    "SecurityUnit",
    "Site",
    "ThreatOverride",
    "User",
    "Vehicle",
]
