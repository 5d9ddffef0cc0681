"""incidents know their country and how many were kidnapped

News intelligence reads attacks anywhere a guest nation's people work (issue 11): an incident
carries the ISO country it happened in and the people kidnapped, apart from killed and
injured. Province names grow to 80 characters (GeoNames divisions such as 'Autonomous Region
in Muslim Mindanao'). Incidents already stored in a Pakistani province are Pakistan's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PAKISTAN_PROVINCES = (
    "Punjab",
    "Sindh",
    "Balochistan",
    "Khyber Pakhtunkhwa",
    "Islamabad",
    "Gilgit-Baltistan",
    "Azad Kashmir",
)


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("kidnapped", sa.Integer(), nullable=True))
        batch_op.alter_column(
            "province", existing_type=sa.String(length=40), type_=sa.String(length=80)
        )
        batch_op.create_index(batch_op.f("ix_incidents_country"), ["country"], unique=False)
    with op.batch_alter_table("incident_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kidnapped", sa.Integer(), nullable=True))
    incidents = sa.table("incidents", sa.column("country"), sa.column("province"))
    op.execute(
        incidents.update().where(incidents.c.province.in_(PAKISTAN_PROVINCES)).values(country="PK")
    )


def downgrade() -> None:
    with op.batch_alter_table("incident_sources", schema=None) as batch_op:
        batch_op.drop_column("kidnapped")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_country"))
        batch_op.alter_column(
            "province", existing_type=sa.String(length=80), type_=sa.String(length=40)
        )
        batch_op.drop_column("kidnapped")
        batch_op.drop_column("country")
