"""Councils, extra: a personal invite code for people pre-registered by a roster import.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A roster import pre-registers officers; each claims their record by sending
    # /start with this single-use code (see docs/admins.md). Cleared once claimed.
    op.add_column("learner", sa.Column("invite_code", sa.String(32), nullable=True))
    op.create_index("ix_learner_invite_code", "learner", ["invite_code"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_learner_invite_code", "learner")
    with op.batch_alter_table("learner") as batch:
        batch.drop_column("invite_code")
