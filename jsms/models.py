"""Every table, imported in one place so migrations and tests see the whole schema."""

from jsms.alerts.models import (
    Alert,
    AlertEvent,
    ContactPoint,
    Notification,
    RollCall,
    RollCallTarget,
)
from jsms.audit.models import AuditEvent, AuditHead
from jsms.db import Base
from jsms.exchange.head_models import PartnerHead, PartnerKey
from jsms.exchange.models import Agreement, ImportedObject, Partner, PublishedObject
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
from jsms.tracking.models import CheckIn, Device, IngestRejection, Position

__all__ = [
    "AdminArea",
    "Agency",
    "Agreement",
    "Alert",
    "AlertEvent",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Base",
    "CheckIn",
    "ContactPoint",
    "DeploymentAuthorisation",
    "Device",
    "EscortAssignment",
    "ImportedObject",
    "Incident",
    "IncidentSource",
    "IngestRejection",
    "Movement",
    "MovementApproval",
    "Notification",
    "OrderCopy",
    "Partner",
    "PartnerHead",
    "PartnerKey",
    "Position",
    "Project",
    "ProtectedPerson",
    "PublishedObject",
    "RollCall",
    "RollCallTarget",
    "SecurityUnit",
    "Site",
    "ThreatOverride",
    "User",
    "Vehicle",
]
