"""phone lookup and roll call sms asks

Protected persons get a keyed hash of their phone number (an SMS reply finds its sender
without decrypting every phone); existing phones are hashed here with the key file's key.
Roll-call targets record the SMS "are you safe?" sent to them (status, attempts, error).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:51:30.913525
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jsms.db  # noqa: F401  (custom column types)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _hash_existing_phones() -> None:
    from jsms.keyring import KeyringError, get_keyring
    from jsms.registry.phones import lookup_hash

    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, phone_enc FROM protected_persons WHERE phone_enc IS NOT NULL")
    ).all()
    if not rows:
        return
    keyring = get_keyring()
    for person_id, token in rows:
        try:
            phone = keyring.decrypt(token, f"person:{person_id}:phone")
        except KeyringError:
            continue  # unreadable values are reported by the registry when read
        connection.execute(
            sa.text("UPDATE protected_persons SET phone_lookup = :h WHERE id = :id"),
            {"h": lookup_hash(phone, keyring), "id": person_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("protected_persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_lookup", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_protected_persons_phone_lookup"), ["phone_lookup"], unique=False
        )

    with op.batch_alter_table("roll_call_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sms_status", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("sms_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("sms_error", sa.Text(), server_default="", nullable=False))

    _hash_existing_phones()


def downgrade() -> None:
    with op.batch_alter_table("roll_call_targets", schema=None) as batch_op:
        batch_op.drop_column("sms_error")
        batch_op.drop_column("sms_attempts")
        batch_op.drop_column("sms_status")

    with op.batch_alter_table("protected_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protected_persons_phone_lookup"))
        batch_op.drop_column("phone_lookup")
