"""Councils, managers and admins: teams, role grants, audit log, campaigns, capability
self-assessments, dashboard sign-in tokens and sessions; council tier and NAO areas.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation", sa.Column("tier", sa.String(24), nullable=True))
    op.add_column(
        "organisation", sa.Column("nao_areas", sa.String(32), nullable=False, server_default="1-8")
    )
    op.add_column(
        "organisation",
        sa.Column(
            "channels",
            sa.String(64),
            nullable=False,
            server_default="webchat teams slack telegram",
        ),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("join_code", sa.String(32), nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("org_id", "name", name="uq_team_org_name"),
    )
    op.create_index("ix_team_org_id", "team", ["org_id"])
    # SQLite cannot add a foreign key to an existing table without a rebuild; batch mode
    # rebuilds it.
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.create_foreign_key("fk_learner_team", "team", ["team_id"], ["id"])
        batch.create_index("ix_learner_team_id", ["team_id"])
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("learner_id", "org_id", "role", "team_id", name="uq_role_grant"),
    )
    op.create_index("ix_role_grant_learner_id", "role_grant", ["learner_id"])
    op.create_index("ix_role_grant_org_id", "role_grant", ["org_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_audit_log_org_id", "audit_log", ["org_id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("modules", sa.String(), nullable=False),
        sa.Column("questions", sa.String(), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_value", sa.String(120), nullable=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_campaign_org_id", "campaign", ["org_id"])
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("area", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_assessment_org_id", "assessment", ["org_id"])
    op.create_index("ix_assessment_learner_id", "assessment", ["learner_id"])
    op.create_table(
        "dashboard_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_dashboard_token_learner_id", "dashboard_token", ["learner_id"])
    op.create_table(
        "dashboard_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_dashboard_session_learner_id", "dashboard_session", ["learner_id"])


def downgrade() -> None:
    for table in (
        "dashboard_session",
        "dashboard_token",
        "assessment",
        "campaign",
        "audit_log",
        "role_grant",
    ):
        op.drop_table(table)
    with op.batch_alter_table("learner") as batch:
        batch.drop_index("ix_learner_team_id")
        batch.drop_constraint("fk_learner_team", type_="foreignkey")
        batch.drop_column("email")
        batch.drop_column("display_name")
        batch.drop_column("team_id")
    op.drop_table("team")
    for name in ("channels", "nao_areas", "tier"):
        op.drop_column("organisation", name)
