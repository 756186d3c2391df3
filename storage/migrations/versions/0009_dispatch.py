"""Dispatch: per-part progress and uncertain sends on deliveries; shared send budgets.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # How many messages of a multi-part delivery the platform has accepted, so a retry
    # resumes from the part that failed; and how many sends of it went unanswered (timed
    # out after the request went out), each of which may have been delivered.
    op.add_column(
        "delivery", sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "delivery", sa.Column("uncertain", sa.Integer(), nullable=False, server_default="0")
    )
    # One row per platform limit (platform, tenant or workspace) shared by every process on
    # a PostgreSQL database: the time, by the database's clock, of the next free send slot.
    op.create_table(
        "send_budget",
        sa.Column("bucket", sa.String(160), primary_key=True),
        sa.Column("next_slot", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("uncertain")
        batch.drop_column("parts_sent")
