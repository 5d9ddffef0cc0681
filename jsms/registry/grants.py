"""The state of a deployment authorisation over time: future, live, expired or revoked.

One rule for one grant (authorisation_state) and for a query over many
(authorisations_in_state), so a list filtered by state and the state shown beside each grant
always agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select

from jsms.registry.models import DeploymentAuthorisation

__all__ = ["GRANT_STATES", "authorisation_state", "authorisations_in_state"]

GRANT_STATES = ("live", "future", "expired", "revoked")


def authorisation_state(grant: DeploymentAuthorisation, at: datetime) -> str:
    """Revoked from its revocation on; otherwise future, live or expired by its period."""
    if grant.revoked_at is not None and grant.revoked_at <= at:
        return "revoked"
    if at < grant.starts_at:
        return "future"
    return "live" if at < grant.ends_at else "expired"


def authorisations_in_state(
    stmt: Select[DeploymentAuthorisation], state: str, at: datetime
) -> Select[DeploymentAuthorisation]:
    """`stmt` narrowed to the grants that authorisation_state puts in `state` at `at`."""
    grant = DeploymentAuthorisation
    unrevoked = grant.revoked_at.is_(None) | (grant.revoked_at > at)
    conditions = {
        "revoked": ~unrevoked,
        "future": unrevoked & (grant.starts_at > at),
        "expired": unrevoked & (grant.starts_at <= at) & (grant.ends_at <= at),
        "live": unrevoked & (grant.starts_at <= at) & (grant.ends_at > at),
    }
    return stmt.where(conditions[state])
