"""attempts: dialling mode and answering-machine result

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mode", sa.String(length=20), nullable=False, server_default="customer-first")
        )
        batch_op.add_column(sa.Column("answered_by", sa.String(length=30), nullable=True))
        batch_op.create_index(batch_op.f("ix_attempts_settled_at"), ["settled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_settled_at"))
        batch_op.drop_column("answered_by")
        batch_op.drop_column("mode")
