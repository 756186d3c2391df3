"""The ports the bot and the edges need, as Protocols; storage and the runtime implement
them. The edges (adapters, the dashboard) reach data only through these and the bot's
services (the import-linter contracts in pyproject.toml keep it so)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.access import Actor
from bot.deliveries import AnswerReview, ProbeFacts, Review, ReviewFacts, RoundInfo
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult
from bot.people import JoinTarget, TeamFacts
from bot.records import AssessmentFacts, PersonalData
from bot.state import AnswerRecord, CouncilInfo, LearnerState, ModuleProgress
from bot.workspaces import WorkspaceInstallation
from lessons.maturity import MaturityModel
from scheduler.srs import Memory

if TYPE_CHECKING:  # bot.effects and bot.home import the flows, which import these ports
    from bot.effects import FlowEffect
    from bot.home import HomeFacts

# The largest id the store hands out: ids are INTEGER columns, 32-bit signed on PostgreSQL.
# A number from outside (a button payload, a dashboard URL) above it names no record.
MAX_RECORD_ID = 2**31 - 1


def record_id(digits: str) -> int | None:
    """A record id read from outside, or None when it cannot name a record."""
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        return None
    value = int(digits)
    return value if 0 < value <= MAX_RECORD_ID else None


@dataclass(frozen=True)
class ReadAlong:
    """What the store reads in the same query as the learner, worked out from the
    message before it is routed (`bot.conversation.read_along`): a quiz answer's FSRS
    card, or the refresher round a button names, with the card of the item answered."""

    card_question: str | None = None  # a quiz answer's question
    round_id: int | None = None  # the round's delivery
    round_item: int | None = None  # the round item answered


NOTHING_ALONG = ReadAlong()


class Clock(Protocol):
    """The one source of 'now'; always timezone-aware UTC."""

    def now(self) -> dt.datetime:
        """The current instant, UTC."""
        ...


class Transaction(Protocol):
    """Reads and writes for handling one inbound message, committed together."""

    def claim_inbound(self, platform: str, message_id: str, at: dt.datetime) -> bool:
        """Record a platform message id; False if it was seen before (a re-delivery)."""
        ...

    def learner_for(
        self, ref: ConversationRef, at: dt.datetime, along: ReadAlong = NOTHING_ALONG
    ) -> LearnerState:
        """The learner behind a platform identity, created if new, locked for update,
        and marked seen at `at`; what `along` names is read with them (so `memory` and
        `round` need no query of their own)."""
        ...

    def save_learner(self, state: LearnerState, at: dt.datetime) -> None:
        """Store the learner's new state (and that `learner_for` saw them): only what
        changed is written, and nothing when nothing did."""
        ...

    def council(self, council_id: int) -> CouncilInfo | None:
        """A council by id."""
        ...

    def council_by_join_code(self, join_code: str) -> CouncilInfo | None:
        """A council by its join code (case-insensitive)."""
        ...

    def progress(self, learner_id: int) -> dict[str, ModuleProgress]:
        """The learner's module records by module id."""
        ...

    def save_progress(self, learner_id: int, progress: ModuleProgress) -> None:
        """Insert or update a module record."""
        ...

    def answers(self, learner_id: int, module_id: str, attempt: int) -> dict[str, AnswerRecord]:
        """The answers of one quiz attempt by question id."""
        ...

    def progress_and_answers(
        self, learner_id: int, module_id: str, attempt: int
    ) -> tuple[dict[str, ModuleProgress], dict[str, AnswerRecord]]:
        """`progress` and `answers` together, in one read where the store can."""
        ...

    def progress_for_round(self, learner_id: int) -> dict[str, ModuleProgress]:
        """`progress`, for a round's answer: the store may read what `round` needs with
        it (the learner's answered check-ups) in the same statement."""
        ...

    def answered_questions(self, learner_id: int) -> frozenset[str]:
        """Ids of every question the learner has ever answered."""
        ...

    def record_answer(
        self, learner_id: int, answer: AnswerRecord, review: AnswerReview | None = None
    ) -> bool:
        """Store an answer, with the FSRS review it is on a refresher question; False
        (nothing stored) if that question was already answered in that attempt."""
        ...

    def learner(self, learner_id: int) -> LearnerState | None:
        """A learner's state by id, read only (proactive sends do not count as contact)."""
        ...

    def reach(self, learner_id: int) -> ConversationRef | None:
        """Where to send a proactive message: the reachable identity last written from."""
        ...

    def round(self, learner_id: int, delivery_id: int) -> RoundInfo | None:
        """A refresher round (or one-question refresher) sent to this learner, with the
        items answered so far (None for anyone else's)."""
        ...

    def review_facts(
        self, learner_id: int, question_id: str, round_id: int | None, round_item: int | None
    ) -> ReviewFacts | None:
        """The learner's review of a round item, or (without a round) their latest quiz
        review of the question; None if there is none."""
        ...

    def answered_since(
        self, learner_id: int, questions: Sequence[str], probes: Sequence[int], since: dt.datetime
    ) -> tuple[frozenset[str], frozenset[int]]:
        """Which of these questions the learner has reviewed since a time, and which of
        these check-ups are answered (so a round composed later skips them)."""
        ...

    def probe(self, learner_id: int, probe_id: int) -> ProbeFacts | None:
        """A learning-effect check-up of this learner's (None for anyone else's)."""
        ...

    def mark_guessed(self, learner_id: int, facts: ReviewFacts, memory: Memory | None) -> None:
        """Mark a review as a guess; with a memory, also re-rate it (Hard) and store the
        card as that re-rated review leaves it."""
        ...

    def memory(self, learner_id: int, question_id: str, at: dt.datetime) -> Memory:
        """The learner's FSRS card for a question, created (due now) if new."""
        ...

    def save_memory(
        self, learner_id: int, before: Memory, memory: Memory, review: Review, grade: int
    ) -> None:
        """Store a card after a refresher's review, with the review (and the card before
        it) in the review log."""
        ...

    def save_card(self, learner_id: int, question_id: str, memory: Memory) -> None:
        """Store a card after a quiz answer's review (the answer holds the review)."""
        ...

    def actor(self, learner_id: int, council_id: int) -> Actor:
        """The learner as an actor in a council, with their stored role grants."""
        ...

    def apply(self, learner_id: int, effect: FlowEffect, at: dt.datetime) -> None:
        """Carry out one of a flow's effects (see `bot.effects`) in this transaction."""
        ...

    # Teams and managers (see storage/people.py).
    def join_target(self, code: str) -> JoinTarget | None:
        """What a join code names: a council, a team of one, or a roster invite."""
        ...

    def team_facts(
        self, learner_id: int, council_id: int, now: dt.datetime, today: dt.date
    ) -> TeamFacts:
        """The members of the teams a learner manages (none for non-managers), their FSRS
        cards, and the council's median of modules completed."""
        ...

    # Self-assessment and personal data (see storage/capability.py, storage/gdpr.py).
    def assessment_facts(
        self, learner_id: int, council_id: int, model: MaturityModel
    ) -> AssessmentFacts:
        """The model, the council's NAO areas and the learner's latest answer per area."""
        ...

    def personal_data(self, learner_id: int) -> PersonalData | None:
        """What is stored about the learner, with the full copy as JSON text."""
        ...


class Store(Protocol):
    """Opens transactions."""

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A unit of work: commits on success, rolls back on error."""
        ...


class Sender(Protocol):
    """Sends proactive messages on one platform; each adapter provides one.

    The deliveries dispatcher calls `send` outside any database transaction and records
    the result. A sender never sleeps on a 429: it returns RETRY with the Retry-After, and
    the dispatcher reschedules the delivery.
    """

    @property
    def platform(self) -> str:
        """The platform name, as in ConversationRef.platform."""
        ...

    @property
    def limits(self) -> RateLimits:
        """The platform's send limits, which the dispatcher keeps to."""
        ...

    def limit_key(self, ref: ConversationRef) -> str:
        """The bucket a send counts against: the bot, or its tenant or workspace."""
        ...

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Send messages to one conversation, in order; report how it went."""
        ...


class Tenants(Protocol):
    """Which council a platform's tenant (a Teams tenant, a Slack workspace) is linked to."""

    def council_code_for(self, platform: str, tenant: str) -> str | None:
        """The council code linked to the tenant, if any."""
        ...


class HomeFactsReader(Protocol):
    """What an officer's App Home shows, read for a platform user (see `bot.home`)."""

    def home_facts(
        self, platform: str, user_id: str, now: dt.datetime, since: dt.datetime
    ) -> HomeFacts | None:
        """The learner's facts, answers counted from `since` and refreshers due at `now`;
        None for someone the bot has not met. Reads only: it never creates a learner."""
        ...


class WorkspaceInstallations(Protocol):
    """Installed chat workspaces (Slack over OAuth), one per workspace id; the token is
    stored as the adapter sealed it."""

    def save_installation(self, installation: WorkspaceInstallation) -> None:
        """Insert the workspace's installation, or replace the one it had."""
        ...

    def installation(self, team_id: str) -> WorkspaceInstallation | None:
        """The workspace's installation, if it has one."""
        ...

    def delete_installation(self, team_id: str) -> bool:
        """Forget the workspace's installation; False if there was none."""
        ...

    def installations(self) -> list[WorkspaceInstallation]:
        """Every installation, oldest first."""
        ...


class OAuthStates(Protocol):
    """One-time OAuth `state` values, shared by every replica so any can finish an install."""

    def add_state(self, state: str, expires_at: dt.datetime, now: dt.datetime) -> None:
        """Keep a new state until `expires_at`; states expired at `now` are swept."""
        ...

    def spend_state(self, state: str, now: dt.datetime) -> bool:
        """True once for a state that was added and has not expired at `now`."""
        ...
