"""A quiz answer on a refresher question is that question's FSRS review: the review is kept
on the answer row (its rating, whether "I guessed", the card before it) instead of a second
row in `review_log`, which now holds the refresher rounds' reviews. The answer path writes
one table fewer (docs/benchmarks.md, the answer's statements); `storage.reviews` reads both.

Existing quiz reviews move onto their answers (same learner, question and time); one with
no such answer stays in `review_log`, where the readers still find it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Each answer takes the quiz review logged for it: same learner, question and time (the
# latest, were there two).
_MOVE = """
UPDATE answer SET
  rating = (SELECT r.rating FROM review_log r WHERE r.source = 'quiz'
    AND r.learner_id = answer.learner_id AND r.question_id = answer.question_id
    AND r.reviewed_at = answer.answered_at ORDER BY r.id DESC LIMIT 1),
  guessed = (SELECT r.guessed FROM review_log r WHERE r.source = 'quiz'
    AND r.learner_id = answer.learner_id AND r.question_id = answer.question_id
    AND r.reviewed_at = answer.answered_at ORDER BY r.id DESC LIMIT 1),
  card_before = (SELECT r.card_before FROM review_log r WHERE r.source = 'quiz'
    AND r.learner_id = answer.learner_id AND r.question_id = answer.question_id
    AND r.reviewed_at = answer.answered_at ORDER BY r.id DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM review_log r WHERE r.source = 'quiz'
    AND r.learner_id = answer.learner_id AND r.question_id = answer.question_id
    AND r.reviewed_at = answer.answered_at)
"""
# Then the quiz reviews now on their answers leave the log.
_MOVED = """
DELETE FROM review_log WHERE source = 'quiz' AND EXISTS (SELECT 1 FROM answer a
  WHERE a.rating IS NOT NULL AND a.learner_id = review_log.learner_id
    AND a.question_id = review_log.question_id AND a.answered_at = review_log.reviewed_at)
"""


def upgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("guessed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("card_before", sa.String(), nullable=True))
    op.execute(_MOVE)
    op.execute(_MOVED)


def downgrade() -> None:
    op.execute(
        "INSERT INTO review_log (card_id, learner_id, question_id, rating, reviewed_at, "
        "duration_ms, source, guessed, card_before) "
        "SELECT c.id, a.learner_id, a.question_id, a.rating, a.answered_at, a.duration_ms, "
        "'quiz', a.guessed, a.card_before FROM answer a JOIN srs_card c "
        "ON c.learner_id = a.learner_id AND c.question_id = a.question_id "
        "WHERE a.rating IS NOT NULL ORDER BY a.id"
    )
    with op.batch_alter_table("answer") as batch:
        for name in ("card_before", "guessed", "rating"):
            batch.drop_column(name)
