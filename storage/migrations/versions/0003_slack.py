"""Slack: workspace installations (encrypted bot tokens) and one-time OAuth states.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False, unique=True),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("team_name", sa.String(120), nullable=True),
        sa.Column("app_id", sa.String(32), nullable=True),
        sa.Column("bot_id", sa.String(32), nullable=False),
        sa.Column("bot_user_id", sa.String(32), nullable=False),
        sa.Column("bot_token", sa.String(512), nullable=False),
        sa.Column("bot_scopes", sa.String(1000), nullable=False),
        sa.Column("installer_user_id", sa.String(32), nullable=True),
        sa.Column("installed_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "slack_oauth_state",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_slack_oauth_state_expires_at", "slack_oauth_state", ["expires_at"])


def downgrade() -> None:
    op.drop_table("slack_oauth_state")
    op.drop_table("slack_installation")
