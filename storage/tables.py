"""The database tables of learners and their learning: councils, learners, identities,
progress, answers, deliveries, refresher cards and reviews, plans, Slack installs, the web
chat outbox, learning-effect probes and abuse-limit events. A council's teams, roles,
audit log, campaigns, self-assessments and dashboard sign-ins are in
`storage.council_tables`. Every change here needs a new Alembic migration in migrations/."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.calibration import DEFAULT_SCALE
from scheduler.pacing import (
    DEFAULT_LESSON_CAP,
    DEFAULT_NATION,
    DEFAULT_TIMEZONE,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    hhmm,
)
from scheduler.planner import RoundRules
from scheduler.srs import DEFAULT_RETENTION
from storage.types import utc_column


class Council(SQLModel, table=True):
    """A council (a tenant)."""

    __tablename__ = "council"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    join_code: str = Field(max_length=32, unique=True)
    # The pacing defaults: scheduler.pacing (and srs, planner.RoundRules below).
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    nation: str = Field(default=DEFAULT_NATION, max_length=16)  # for UK bank holidays
    work_start: str = Field(default=hhmm(DEFAULT_WORK_START), max_length=5)  # local time
    work_end: str = Field(default=hhmm(DEFAULT_WORK_END), max_length=5)
    desired_retention: float = DEFAULT_RETENTION
    lesson_cap: int = DEFAULT_LESSON_CAP  # proactive lesson nudges per learner per day
    # The daily refresher round (0007): its size, its size on a day with a lesson, and the
    # due backlog above which no new module is offered (see docs/learning.md).
    round_size: int = RoundRules.size  # defaults: scheduler.planner.RoundRules
    round_size_lesson_day: int = RoundRules.size_lesson_day
    backlog_limit: int = RoundRules.backlog_limit
    # The council's forgetting curve fitted from its refresher answers (0011): its officers'
    # memories last `recall_scale` times as long as FSRS predicts (scheduler/calibration.py).
    recall_scale: float = DEFAULT_SCALE
    recall_reviews: int = 0  # the refresher answers the fit rests on
    recall_fitted_on: dt.date | None = None
    tier: str | None = Field(default=None, max_length=24)  # county, unitary, …, district
    nao_areas: str = Field(default="1-8", max_length=32)  # areas its self-assessment uses
    channels: str = Field(default="webchat teams slack telegram", max_length=64)
    teams_tenant_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
    slack_team_id: str | None = Field(default=None, max_length=32, unique=True, index=True)
    created_at: dt.datetime = Field(sa_column=utc_column())


class Learner(SQLModel, table=True):
    """An officer and their conversation state."""

    __tablename__ = "learner"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
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
    question_shown_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    nation: str | None = Field(default=None, max_length=16)  # overrides the council's
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    display_name: str | None = Field(default=None, max_length=120)  # from a roster import
    email: str | None = Field(default=None, max_length=254)
    # A roster import's single-use code the officer claims their record with (0006).
    invite_code: str | None = Field(default=None, max_length=32, unique=True, index=True)
    away_from: dt.date | None = None  # annual leave (/pause DATE), inclusive local dates
    away_until: dt.date | None = None
    last_seen_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    nudges_ignored: int = 0  # lesson nudges sent since the learner last wrote
    last_nudge_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    # The last message not about a refresher round (0007): what "already active today"
    # means for the lesson nudge, so refresher answers never withhold the lesson.
    lesson_active_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    created_at: dt.datetime = Field(sa_column=utc_column())
    updated_at: dt.datetime = Field(sa_column=utc_column())


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
    last_seen_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    unreachable_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    created_at: dt.datetime = Field(sa_column=utc_column())


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
    started_at: dt.datetime = Field(sa_column=utc_column())
    completed_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
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
    answered_at: dt.datetime = Field(sa_column=utc_column())
    duration_ms: int | None = None
    # A refresher question's answer is its FSRS review (0013): the rating, set only then,
    # "I guessed", and the card before the review, as JSON, so a guess can re-rate it.
    rating: int | None = None
    guessed: bool = False
    card_before: str | None = None


class ProcessedInbound(SQLModel, table=True):
    """Platform message ids already handled, so re-deliveries are ignored."""

    __tablename__ = "processed_inbound"

    platform: str = Field(max_length=16, primary_key=True)
    message_id: str = Field(max_length=128, primary_key=True)
    received_at: dt.datetime = Field(sa_column=utc_column(index=True))


class Delivery(SQLModel, table=True):
    """One proactive message, planned before it is sent (see docs/deploy.md).

    `key` makes planning idempotent; `status` moves queued → sending → sent, or to
    skipped, unreachable or failed. A `sending` row whose lease has expired is queued again.
    """

    __tablename__ = "delivery"
    # The dispatcher's claim query: what is queued and due, oldest first.
    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=96, unique=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    kind: str = Field(max_length=16)
    ref: str | None = Field(default=None, max_length=48)  # question or module id
    payload: str = Field(default="{}")  # JSON: e.g. the shuffled option order
    due_at: dt.datetime = Field(sa_column=utc_column())
    status: str = Field(default="queued", max_length=12)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_column=utc_column())
    lease_until: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    claimed_by: str | None = Field(default=None, max_length=64)
    platform: str | None = Field(default=None, max_length=16)
    platform_message_id: str | None = Field(default=None, max_length=128)
    sent_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    answered_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    last_error: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(sa_column=utc_column())
    # Messages of a multi-part delivery already accepted: a retry resumes after them.
    parts_sent: int = 0
    # Sends of it that timed out after going out (the platform may have accepted them).
    uncertain: int = 0


class SendBudget(SQLModel, table=True):
    """A platform limit shared by every process on PostgreSQL (see runtime.shared_pacer):
    the next free send slot, in seconds since the epoch by the database's clock."""

    __tablename__ = "send_budget"

    bucket: str = Field(primary_key=True, max_length=160)
    next_slot: float


class SrsCard(SQLModel, table=True):
    """A learner's spaced-repetition (FSRS) memory of one refresher question."""

    __tablename__ = "srs_card"
    __table_args__ = (UniqueConstraint("learner_id", "question_id", name="uq_srs_card"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    question_id: str = Field(max_length=48)
    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: dt.datetime = Field(sa_column=utc_column(index=True))
    last_review: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    # The learner's held-out point of a module (0008): never sent as a refresher, so the
    # check-ups can compare it with a refreshed one.
    held_out: bool = False


class ReviewLogRow(SQLModel, table=True):
    """One refresher's FSRS review with its duration: the data to optimise a council's
    parameters (with the quiz answers' reviews, kept on the answers: storage.reviews)."""

    __tablename__ = "review_log"
    __table_args__ = (Index("ux_review_log_round_item", "round_id", "round_item", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="srs_card.id", index=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    question_id: str = Field(max_length=48)
    rating: int
    reviewed_at: dt.datetime = Field(sa_column=utc_column())
    duration_ms: int | None = None
    # "refresher"; "quiz" only in a quiz review from before 0013 that had no answer to
    # move to (a quiz answer's review is kept on the answer: storage.reviews).
    source: str = Field(max_length=12)
    # A one-question refresher's delivery, in reviews from before rounds (0007): since
    # then every refresher is answered as a round (`round_id`), and this is not written.
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id", unique=True)
    # A refresher round's reviews (0007): the round's delivery and the item's position,
    # unique together so an item is reviewed once.
    round_id: int | None = Field(default=None, foreign_key="delivery.id")
    round_item: int | None = None
    guessed: bool = False  # the learner tapped "I guessed" after answering
    card_before: str | None = None  # the FSRS card before this review, as JSON


class PlanRun(SQLModel, table=True):
    """A day already planned for the learners of one time zone (planning runs once)."""

    __tablename__ = "plan_run"

    timezone: str = Field(max_length=64, primary_key=True)
    local_date: dt.date = Field(primary_key=True)
    planned_at: dt.datetime = Field(sa_column=utc_column())
    learners: int = 0
    deliveries: int = 0


class SlackInstallation(SQLModel, table=True):
    """A Slack workspace that installed the app over OAuth, with its bot token.

    `bot_token` holds the token encrypted (Fernet, key from CB_SLACK_TOKEN_KEY), never the
    plain `xoxb-` value; see adapters/slack/installations.py. Deleted on uninstall.
    """

    __tablename__ = "slack_installation"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, unique=True)
    enterprise_id: str | None = Field(default=None, max_length=32)
    team_name: str | None = Field(default=None, max_length=120)
    app_id: str | None = Field(default=None, max_length=32)
    bot_id: str = Field(max_length=32)
    bot_user_id: str = Field(max_length=32)
    bot_token: str = Field(max_length=512)
    bot_scopes: str = Field(default="", max_length=1000)
    installer_user_id: str | None = Field(default=None, max_length=32)
    installed_at: dt.datetime = Field(sa_column=utc_column())


class SlackOAuthState(SQLModel, table=True):
    """A one-time OAuth `state` issued by /slack/install, consumed by the redirect."""

    __tablename__ = "slack_oauth_state"

    state: str = Field(max_length=64, primary_key=True)
    expires_at: dt.datetime = Field(sa_column=utc_column(index=True))


class WebChatOutbox(SQLModel, table=True):
    """Proactive messages for web chat visitors, kept until their browser fetches them
    (the web chat has no push channel; the page polls)."""

    __tablename__ = "webchat_outbox"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=64, index=True)
    body: str  # JSON of the message, as the page renders replies
    created_at: dt.datetime = Field(sa_column=utc_column())


class EffectProbe(SQLModel, table=True):
    """One question of the learning-effect measure (0008): a pre-test before a module, or
    a check-up 30 or 90 days after it, of the learner's refreshed or held-out point.

    `kind` is "pretest" or "checkup"; `point` is "refreshed" or "holdout"; `question_id` is
    the quiz question whose point it measures and `variant_id` the variant asked. A
    check-up is due on `due_on` and answered inside a refresher round (`round_id`,
    `round_item`); a correct answer the learner marked "I guessed" is not remembered."""

    __tablename__ = "effect_probe"
    __table_args__ = (
        UniqueConstraint("learner_id", "module_id", "kind", "point", "day", name="uq_probe"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    module_id: str = Field(max_length=48)
    kind: str = Field(max_length=12)
    point: str = Field(max_length=12)
    question_id: str = Field(max_length=48)
    variant_id: str = Field(max_length=48)
    day: int
    due_on: dt.date | None = Field(default=None, index=True)
    round_id: int | None = Field(default=None, foreign_key="delivery.id")
    round_item: int | None = None
    answered_at: dt.datetime | None = Field(default=None, sa_column=utc_column(True))
    correct: bool | None = None
    guessed: bool = False
    created_at: dt.datetime = Field(sa_column=utc_column())


class AddressEvent(SQLModel, table=True):
    """A new web chat or a sign-in attempt from one client address (0010): the abuse
    limits' counts, shared by every process on PostgreSQL. `at` is a POSIX timestamp."""

    __tablename__ = "address_event"
    __table_args__ = (Index("ix_address_event_key", "kind", "address", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    address: str = Field(max_length=64)
    at: float
    tag: str = Field(max_length=64)
