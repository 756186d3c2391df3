"""Initial tables: councils, learners, identities, module progress, answers, inbound ids.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("join_code", sa.String(32), nullable=False, unique=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "learner",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("awaiting", sa.String(24), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("learning_time", sa.String(5), nullable=True),
        sa.Column("working_days", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("module_id", sa.String(48), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("pending_question", sa.String(48), nullable=True),
        sa.Column("question_shown_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_learner_org_id", "learner", ["org_id"])
    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(256), nullable=False),
        sa.Column("extra", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "user_id", name="uq_identity_platform_user"),
    )
    op.create_index("ix_identity_learner_id", "identity", ["learner_id"])
    op.create_table(
        "module_progress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("module_id", sa.String(48), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.UniqueConstraint("learner_id", "module_id", name="uq_progress_learner_module"),
    )
    op.create_index("ix_module_progress_learner_id", "module_progress", ["learner_id"])
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("module_id", sa.String(48), nullable=False),
        sa.Column("question_id", sa.String(48), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.String(2), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.UniqueConstraint("learner_id", "question_id", "attempt", name="uq_answer_once"),
    )
    op.create_index("ix_answer_learner_id", "answer", ["learner_id"])
    op.create_table(
        "processed_inbound",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("message_id", sa.String(128), primary_key=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_processed_inbound_received_at", "processed_inbound", ["received_at"])


def downgrade() -> None:
    op.drop_table("processed_inbound")
    op.drop_table("answer")
    op.drop_table("module_progress")
    op.drop_table("identity")
    op.drop_table("learner")
    op.drop_table("organisation")
