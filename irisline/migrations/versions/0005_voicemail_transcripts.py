"""voicemail transcripts, voicemail status reason

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import irisline.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voicemails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("processed_at", irisline.db.UTCDateTime(timezone=True), nullable=True)
        )
        # The reconciler looks for voicemails still waiting for their transcription job.
        batch_op.create_index(batch_op.f("ix_voicemails_status"), ["status"], unique=False)

    op.create_table(
        "voicemail_transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voicemail_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("audio_seconds", sa.Float(), nullable=False),
        sa.Column("processing_seconds", sa.Float(), nullable=False),
        sa.Column("real_time_factor", sa.Float(), nullable=False),
        sa.Column("mean_confidence", sa.Float(), nullable=True),
        sa.Column("display_text", sa.Text(), nullable=False),
        sa.Column("display_words", sa.JSON(), nullable=False),
        sa.Column("redacted", sa.JSON(), nullable=False),
        sa.Column("triage", sa.JSON(), nullable=True),
        sa.Column("routed_to", sa.String(length=40), nullable=True),
        sa.Column("created_at", irisline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["voicemail_id"],
            ["voicemails.id"],
            name=op.f("fk_voicemail_transcripts_voicemail_id_voicemails"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voicemail_transcripts")),
        sa.UniqueConstraint("voicemail_id", name=op.f("uq_voicemail_transcripts_voicemail_id")),
    )


def downgrade() -> None:
    op.drop_table("voicemail_transcripts")
    with op.batch_alter_table("voicemails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voicemails_status"))
        batch_op.drop_column("processed_at")
        batch_op.drop_column("reason")
