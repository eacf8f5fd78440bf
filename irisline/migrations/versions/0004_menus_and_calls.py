"""menu versions and call records

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import irisline.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "menu_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("live", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", irisline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", irisline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menu_versions")),
        sa.UniqueConstraint("live", name=op.f("uq_menu_versions_live")),
        sa.UniqueConstraint("number", name=op.f("uq_menu_versions_number")),
    )
    with op.batch_alter_table("menu_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_menu_versions_status"), ["status"], unique=False)

    op.create_table(
        "call_records",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("menu_version_id", sa.Integer(), nullable=True),
        sa.Column("started_at", irisline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", irisline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_node", sa.String(length=80), nullable=True),
        sa.Column("outcome_detail", sa.Text(), nullable=True),
        sa.Column("queue_seconds", sa.Integer(), nullable=True),
        sa.Column("handled_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["menu_version_id"],
            ["menu_versions.id"],
            name=op.f("fk_call_records_menu_version_id_menu_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_call_records")),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_records_caller"), ["caller"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_records_outcome"), ["outcome"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_records_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "call_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=80), nullable=False),
        sa.Column("input", sa.String(length=200), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("at", irisline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_sid"],
            ["call_records.call_sid"],
            name=op.f("fk_call_steps_call_sid_call_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_steps")),
        sa.UniqueConstraint("call_sid", "seq", name=op.f("uq_call_steps_call_sid")),
    )
    with op.batch_alter_table("call_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_steps_call_sid"), ["call_sid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_steps_call_sid"))

    op.drop_table("call_steps")
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_records_started_at"))
        batch_op.drop_index(batch_op.f("ix_call_records_outcome"))
        batch_op.drop_index(batch_op.f("ix_call_records_caller"))

    op.drop_table("call_records")
    with op.batch_alter_table("menu_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_menu_versions_status"))

    op.drop_table("menu_versions")
