"""Per-address events (new web chats, sign-in attempts), shared by every process on
PostgreSQL so the abuse limits hold however many processes run (docs/deploy.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
    )
    op.create_index("ix_address_event_key", "address_event", ["kind", "address", "at"])


def downgrade() -> None:
    op.drop_index("ix_address_event_key", "address_event")
    op.drop_table("address_event")
