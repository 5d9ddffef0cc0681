"""Every table, imported in one place so migrations and tests see the whole schema."""

from jsms.audit.models import AuditEvent, AuditHead
from jsms.threat.models import Incident, IncidentSource, ThreatOverride
from jsms.db import Base
from jsms.geo.models import AdminArea
from jsms.identity.models import Agency, AuthSession, User
from jsms.registry.models import (
    DeploymentAuthorisation,
    Project,
    ProtectedPerson,
    SecurityUnit,
    Site,
    Vehicle,
)

__all__ = [
    "AdminArea",
    "Agency",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Base",
    "DeploymentAuthorisation",
    "Incident",
    "IncidentSource",
    "Project",
    "ProtectedPerson",
    "SecurityUnit",
    "Site",
    "ThreatOverride",
    "User",
    "Vehicle",
]
