"""Refresher rounds, load-aware pacing and honest answers (issue 12).

- organisation: the round sizes and the backlog limit replace the refresher cap.
- learner: when the learner last did anything in a lesson (so refresher answers never
  count as "already active today" for the lesson nudge).
- review_log: the round a review belongs to (several reviews per round), whether the
  learner said "I guessed", and the card as it was before the review (so "I guessed"
  can re-rate the review from the same starting point).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("round_size", sa.Integer(), nullable=False, server_default="12"))
        batch.add_column(
            sa.Column("round_size_lesson_day", sa.Integer(), nullable=False, server_default="8")
        )
        batch.add_column(
            sa.Column("backlog_limit", sa.Integer(), nullable=False, server_default="40")
        )
        batch.drop_column("refresher_cap")
    op.add_column("learner", sa.Column("lesson_active_at", UTCDateTime(), nullable=True))
    op.add_column(
        "review_log",
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("delivery.id"), nullable=True),
    )
    op.add_column("review_log", sa.Column("round_item", sa.Integer(), nullable=True))
    op.add_column(
        "review_log",
        sa.Column("guessed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("review_log", sa.Column("card_before", sa.Text(), nullable=True))
    op.create_index(
        "ux_review_log_round_item", "review_log", ["round_id", "round_item"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_review_log_round_item", "review_log")
    with op.batch_alter_table("review_log") as batch:
        for name in ("card_before", "guessed", "round_item", "round_id"):
            batch.drop_column(name)
    with op.batch_alter_table("learner") as batch:
        batch.drop_column("lesson_active_at")
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column("refresher_cap", sa.Integer(), nullable=False, server_default="3")
        )
        for name in ("backlog_limit", "round_size_lesson_day", "round_size"):
            batch.drop_column(name)
