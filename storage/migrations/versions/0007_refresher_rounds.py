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
    # A batch: SQLite cannot add a foreign key to a table in place.
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("round_item", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("guessed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("card_before", sa.String(), nullable=True))
        batch.create_foreign_key("fk_review_log_round_id", "delivery", ["round_id"], ["id"])
        batch.create_index("ux_review_log_round_item", ["round_id", "round_item"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.drop_index("ux_review_log_round_item")
        batch.drop_constraint("fk_review_log_round_id", type_="foreignkey")
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
