"""A council's forgetting curve fitted from its officers' answers (scheduler/calibration.py):
the stability scale, how many refresher answers it rests on, and the day it was fitted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "organisation",
        sa.Column("recall_scale", sa.Float(), nullable=False, server_default="1.0"),
    )
    op.add_column(
        "organisation",
        sa.Column("recall_reviews", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("organisation", sa.Column("recall_fitted_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("recall_fitted_on")
        batch.drop_column("recall_reviews")
        batch.drop_column("recall_scale")
