"""The tables of a council's people and administration: teams, role grants, the audit
log, refresher campaigns, capability self-assessments and dashboard sign-ins. Every
change here needs a new Alembic migration in migrations/ (see `storage.tables`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class Team(SQLModel, table=True):
    """A team within a council; its manager sees and nudges its members."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("council_id", "name", name="uq_team_council_name"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    name: str = Field(max_length=80)
    join_code: str | None = Field(default=None, max_length=32, unique=True)
    created_at: dt.datetime = Field(sa_column=utc_column())


class RoleGrant(SQLModel, table=True):
    """A role a person holds in a council, beyond learner: manager (of `team_id`),
    council_admin, content_author or platform_admin."""

    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("learner_id", "council_id", "role", "team_id", name="uq_role_grant"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    role: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    created_at: dt.datetime = Field(sa_column=utc_column())


class AuditLog(SQLModel, table=True):
    """Who did what in an admin function (append-only)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    actor: str = Field(max_length=64)  # e.g. "learner:12" or "cli"
    action: str = Field(max_length=48)
    target: str | None = Field(default=None, max_length=128)
    detail: str = Field(default="{}")  # JSON, never personal message text
    at: dt.datetime = Field(sa_column=utc_column(index=True))


class Campaign(SQLModel, table=True):
    """A refresher campaign: modules or questions, a target, and a schedule rule."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    name: str = Field(max_length=120)
    modules: str = Field(default="[]")  # JSON list of module ids
    questions: str = Field(default="[]")  # JSON list of question ids
    target_kind: str = Field(max_length=16)  # council, team, role, low_scorers, people
    target_value: str | None = Field(default=None, max_length=120)
    rule: str = Field(max_length=64)  # "once:2026-04-06" or "first-monday-of-quarter"
    status: str = Field(default="active", max_length=12)
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_column=utc_column())


class Assessment(SQLModel, table=True):
    """One answer of a capability self-assessment: an NAO area, the level that fits
    (1 Minimum … 5 Innovator) and the level aimed for."""

    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    area: int
    level: int
    target: int
    at: dt.datetime = Field(sa_column=utc_column())


class DashboardToken(SQLModel, table=True):
    """A one-time sign-in link for the dashboard, stored only as a hash."""

    __tablename__ = "dashboard_token"

    token_hash: str = Field(max_length=64, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    council_id: int = Field(foreign_key="council.id")
    expires_at: dt.datetime = Field(sa_column=utc_column())
    used_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    created_at: dt.datetime = Field(sa_column=utc_column())


class DashboardSession(SQLModel, table=True):
    """A signed-in dashboard session, stored only as a hash, with its CSRF secret."""

    __tablename__ = "dashboard_session"

    id_hash: str = Field(max_length=64, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    council_id: int = Field(foreign_key="council.id")
    csrf: str = Field(max_length=64)
    expires_at: dt.datetime = Field(sa_column=utc_column())
    created_at: dt.datetime = Field(sa_column=utc_column())
