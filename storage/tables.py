"""The database tables. Every change here needs a new Alembic migration in migrations/."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _utc_column(nullable: bool = False, index: bool = False) -> Column[dt.datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Organisation(SQLModel, table=True):
    """A council (a tenant)."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    join_code: str = Field(max_length=32, unique=True)
    timezone: str = Field(default="Europe/London", max_length=64)
    created_at: dt.datetime = Field(sa_column=_utc_column())


class Learner(SQLModel, table=True):
    """An officer and their conversation state."""

    __tablename__ = "learner"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    stage: str = Field(max_length=24)
    awaiting: str = Field(max_length=24)
    paused: bool = False
    learning_time: str | None = Field(default=None, max_length=5)
    working_days: str = Field(max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    module_id: str | None = Field(default=None, max_length=48)
    cursor: int = 0
    attempt: int = 0
    pending_question: str | None = Field(default=None, max_length=48)
    question_shown_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(True))
    created_at: dt.datetime = Field(sa_column=_utc_column())
    updated_at: dt.datetime = Field(sa_column=_utc_column())


class Identity(SQLModel, table=True):
    """A learner's account on one platform, and how to reach them there."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_identity_platform_user"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    conversation_id: str = Field(max_length=256)
    extra: str = Field(default="{}")  # JSON of the platform's ConversationRef.extra
    created_at: dt.datetime = Field(sa_column=_utc_column())


class ModuleProgressRow(SQLModel, table=True):
    """A learner's record of one module."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("learner_id", "module_id", name="uq_progress_learner_module"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    module_id: str = Field(max_length=48)
    status: str = Field(max_length=16)
    attempt: int
    started_at: dt.datetime = Field(sa_column=_utc_column())
    completed_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(True))
    score: int | None = None
    total: int | None = None


class AnswerRow(SQLModel, table=True):
    """One answer, append-only: the record of learning."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("learner_id", "question_id", "attempt", name="uq_answer_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    module_id: str = Field(max_length=48)
    question_id: str = Field(max_length=48)
    attempt: int
    option_id: str = Field(max_length=2)
    correct: bool
    answered_at: dt.datetime = Field(sa_column=_utc_column())
    duration_ms: int | None = None


class ProcessedInbound(SQLModel, table=True):
    """Platform message ids already handled, so re-deliveries are ignored."""

    __tablename__ = "processed_inbound"

    platform: str = Field(max_length=16, primary_key=True)
    message_id: str = Field(max_length=128, primary_key=True)
    received_at: dt.datetime = Field(sa_column=_utc_column(index=True))
