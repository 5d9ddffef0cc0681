"""audit head names its database

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00

The head's MAC now covers a per-database id kept outside the database (the audit anchor file
next to the key file), so a head copied from another database is recognised. Heads written
before this revision are re-sealed by `jsms db upgrade` (jsms.audit.service.ensure_genesis).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("database_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("database_id")
