"""The learning-effect measure (issue 13): which points of a module are measured for each
learner (one refreshed, one held out), the held-out card, and the probes (pre-test and
check-ups) with their answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "srs_card",
        sa.Column("held_out", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "effect_probe",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("module_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("point", sa.String(12), nullable=False),
        sa.Column("question_id", sa.String(48), nullable=False),
        sa.Column("variant_id", sa.String(48), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("delivery.id"), nullable=True),
        sa.Column("round_item", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("guessed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("learner_id", "module_id", "kind", "point", "day", name="uq_probe"),
    )
    op.create_index("ix_effect_probe_learner_id", "effect_probe", ["learner_id"])
    op.create_index("ix_effect_probe_due_on", "effect_probe", ["due_on"])


def downgrade() -> None:
    op.drop_index("ix_effect_probe_due_on", "effect_probe")
    op.drop_index("ix_effect_probe_learner_id", "effect_probe")
    op.drop_table("effect_probe")
    with op.batch_alter_table("srs_card") as batch:
        batch.drop_column("held_out")
