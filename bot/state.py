"""What the bot knows about a learner between messages, as plain values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from scheduler import srs
from scheduler.calibration import DEFAULT_SCALE, scheduling_retention
from scheduler.pacing import (
    DEFAULT_LESSON_CAP,
    DEFAULT_NATION,
    DEFAULT_TIMEZONE,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    hhmm,
)
from scheduler.pacing import WEEKDAYS as WEEKDAYS  # re-exported for the bot
from scheduler.planner import RoundRules


class Stage(Enum):
    """Where a learner is in onboarding."""

    NEW = "new"
    CHOOSING_COUNCIL = "choosing_council"
    CHOOSING_TIME = "choosing_time"
    ACTIVE = "active"


class Awaiting(Enum):
    """Free text the bot is waiting for, if any."""

    NOTHING = "nothing"
    JOIN_CODE = "join_code"
    LEARNING_TIME = "learning_time"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class LearnerState:
    """A learner's conversation state.

    `cursor` counts the items of the current module already consumed: cards first, then
    questions. A question is consumed when answered; until then it is `pending_question`.
    """

    learner_id: int
    council_id: int | None
    stage: Stage
    awaiting: Awaiting
    paused: bool
    learning_time: str | None
    working_days: tuple[str, ...]
    module_id: str | None
    cursor: int
    attempt: int
    pending_question: str | None
    question_shown_at: dt.datetime | None
    timezone: str | None = None
    nation: str | None = None
    away_from: dt.date | None = None
    away_until: dt.date | None = None
    last_seen_at: dt.datetime | None = None
    nudges_ignored: int = 0
    last_nudge_at: dt.datetime | None = None
    lesson_active_at: dt.datetime | None = None  # last message not about a refresher round


@dataclass(frozen=True)
class CouncilInfo:
    """A council, as the bot needs it."""

    id: int
    code: str
    name: str
    # Defaults: scheduler.pacing, scheduler.srs and scheduler.planner.RoundRules.
    timezone: str = DEFAULT_TIMEZONE
    nation: str = DEFAULT_NATION
    work_start: str = hhmm(DEFAULT_WORK_START)
    work_end: str = hhmm(DEFAULT_WORK_END)
    desired_retention: float = srs.DEFAULT_RETENTION
    lesson_cap: int = DEFAULT_LESSON_CAP
    round_size: int = RoundRules.size
    round_size_lesson_day: int = RoundRules.size_lesson_day
    backlog_limit: int = RoundRules.backlog_limit
    recall_scale: float = DEFAULT_SCALE  # fitted from the council's answers: scheduler.calibration

    @property
    def scheduling_retention(self) -> float:
        """The retention FSRS schedules at, so officers recall at `desired_retention`."""
        return scheduling_retention(self.desired_retention, self.recall_scale)


class ModuleStatus(Enum):
    """How far a learner got with a module."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class ModuleProgress:
    """A learner's record for one module; `score`/`total` are of the last finished quiz."""

    module_id: str
    status: ModuleStatus
    attempt: int
    started_at: dt.datetime
    completed_at: dt.datetime | None = None
    score: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """One answer to one question in one quiz attempt, as stored."""

    module_id: str
    question_id: str
    attempt: int
    option_id: str
    correct: bool
    answered_at: dt.datetime
    duration_ms: int | None
