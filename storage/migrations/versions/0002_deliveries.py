"""Deliveries, spaced repetition and pacing: council pacing settings, leave, reachability.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    org: list[sa.Column[object]] = [
        sa.Column("nation", sa.String(16), nullable=False, server_default="england"),
        sa.Column("work_start", sa.String(5), nullable=False, server_default="08:00"),
        sa.Column("work_end", sa.String(5), nullable=False, server_default="18:00"),
        sa.Column("desired_retention", sa.Float(), nullable=False, server_default="0.9"),
        sa.Column("lesson_cap", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("refresher_cap", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("teams_tenant_id", sa.String(64), nullable=True),
        sa.Column("slack_team_id", sa.String(32), nullable=True),
    ]
    for column in org:
        op.add_column("organisation", column)
    op.create_index(
        "ix_organisation_teams_tenant_id", "organisation", ["teams_tenant_id"], unique=True
    )
    op.create_index("ix_organisation_slack_team_id", "organisation", ["slack_team_id"], unique=True)
    learner: list[sa.Column[object]] = [
        sa.Column("nation", sa.String(16), nullable=True),
        sa.Column("away_from", sa.Date(), nullable=True),
        sa.Column("away_until", sa.Date(), nullable=True),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.Column("nudges_ignored", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_nudge_at", UTCDateTime(), nullable=True),
    ]
    for column in learner:
        op.add_column("learner", column)
    op.add_column("identity", sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    op.add_column("identity", sa.Column("unreachable_at", UTCDateTime(), nullable=True))
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(96), nullable=False, unique=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(48), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("platform", sa.String(16), nullable=True),
        sa.Column("platform_message_id", sa.String(128), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_delivery_learner_id", "delivery", ["learner_id"])
    # The dispatcher's claim query: what is queued and due, oldest first.
    op.create_index("ix_delivery_status_next", "delivery", ["status", "next_attempt_at"])
    op.create_table(
        "srs_card",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("question_id", sa.String(48), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTCDateTime(), nullable=False),
        sa.Column("last_review", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("learner_id", "question_id", name="uq_srs_card"),
    )
    op.create_index("ix_srs_card_learner_id", "srs_card", ["learner_id"])
    op.create_index("ix_srs_card_due", "srs_card", ["due"])
    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("card_id", sa.Integer(), sa.ForeignKey("srs_card.id"), nullable=False),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("question_id", sa.String(48), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column(
            "delivery_id", sa.Integer(), sa.ForeignKey("delivery.id"), nullable=True, unique=True
        ),
    )
    op.create_index("ix_review_log_card_id", "review_log", ["card_id"])
    op.create_index("ix_review_log_learner_id", "review_log", ["learner_id"])
    op.create_table(
        "plan_run",
        sa.Column("timezone", sa.String(64), primary_key=True),
        sa.Column("local_date", sa.Date(), primary_key=True),
        sa.Column("planned_at", UTCDateTime(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_run")
    op.drop_table("review_log")
    op.drop_table("srs_card")
    op.drop_table("delivery")
    op.drop_column("identity", "unreachable_at")
    op.drop_column("identity", "last_seen_at")
    for name in (
        "last_nudge_at",
        "nudges_ignored",
        "last_seen_at",
        "away_until",
        "away_from",
        "nation",
    ):
        op.drop_column("learner", name)
    op.drop_index("ix_organisation_slack_team_id", "organisation")
    op.drop_index("ix_organisation_teams_tenant_id", "organisation")
    for name in (
        "slack_team_id",
        "teams_tenant_id",
        "refresher_cap",
        "lesson_cap",
        "desired_retention",
        "work_end",
        "work_start",
        "nation",
    ):
        op.drop_column("organisation", name)
