"""Proactive messages as values: what the planner plans and the dispatcher sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.messages import ConversationRef, Outbound
from scheduler.plans import NUDGE_KINDS as NUDGE_KINDS  # re-exported for the bot
from scheduler.plans import DeliveryKind as DeliveryKind
from scheduler.plans import PlannedDelivery as PlannedDelivery
from scheduler.srs import Memory


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a dispatcher has claimed (leased) for sending."""

    id: int
    key: str
    learner_id: int
    kind: DeliveryKind
    ref: str | None
    payload: str
    due_at: dt.datetime
    attempts: int
    parts_sent: int = 0  # messages of it the platform already accepted (resume after them)
    uncertain: int = 0  # earlier sends of it that timed out after going out


@dataclass(frozen=True)
class Composed:
    """A claimed delivery turned into messages for one conversation."""

    ref: ConversationRef
    messages: tuple[Outbound, ...]


@dataclass(frozen=True)
class Withheld:
    """A claimed delivery that must not be sent; `status` is skipped or expired."""

    status: str
    reason: str


@dataclass(frozen=True)
class RoundInfo:
    """A refresher round (or a one-question refresher planned before rounds existed), as
    the bot needs it when an answer, "I guessed" or "Later" comes back."""

    delivery_id: int
    questions: tuple[str, ...]
    sent_at: dt.datetime | None
    answered: Mapping[int, bool]  # item position -> answered right
    backlog: int = 0
    lesson_held: bool = False
    backlog_limit: int = 0
    probes: Mapping[int, int] = field(default_factory=dict)  # item -> check-up probe id
    first_answer_at: dt.datetime | None = None  # when the learner began answering it

    def next_item(self, after: int = -1) -> int | None:
        """The first unanswered item after `after` (wrapping round), if any."""
        count = len(self.questions)
        for step in range(1, count + 1):
            item = (after + step) % count
            if item not in self.answered:
                return item
        return None


@dataclass(frozen=True)
class Review:
    """A refresher's spaced-repetition review to record (a quiz answer's review is
    recorded with the answer: `AnswerReview`)."""

    question_id: str
    correct: bool
    at: dt.datetime
    duration_ms: int | None
    source: str  # "refresher" ("quiz" in reviews logged before migration 0013)
    # The round's delivery (a one-question refresher planned before rounds is a round of
    # one), with the item's position.
    round_id: int | None = None
    round_item: int | None = None


@dataclass(frozen=True)
class AnswerReview:
    """The FSRS review a quiz answer on a refresher question is, stored with the answer:
    its rating and the card before it (so "I guessed" can re-rate it)."""

    rating: int
    card_before: Memory


@dataclass(frozen=True)
class ReviewFacts:
    """An earlier review, as "I guessed" needs it: `card_before` is the FSRS card before
    that review; `latest` says no later review of the card has happened since. `quiz`
    says it is a quiz answer's review (stored with the answer, `review_id` its id), else a
    refresher's."""

    review_id: int
    question_id: str
    rating: int
    guessed: bool
    reviewed_at: dt.datetime
    card_before: Memory | None
    latest: bool
    quiz: bool = False


@dataclass(frozen=True)
class ProbeFacts:
    """A learning-effect check-up, as "I guessed" on its feedback needs it."""

    probe_id: int
    answered: bool
    guessed: bool
    correct: bool


@dataclass(frozen=True)
class Guess:
    """The learner said an answer was a guess: re-rate that review (see scheduler.srs)."""

    facts: ReviewFacts


@dataclass(frozen=True)
class Outcome:
    """One delivery's outcome, written only if `token` still holds its claim.

    `status` is sent, queued (try again at `next_attempt_at`), or final: skipped, expired,
    failed, unreachable. `attempt_used` is False for a throttled send (429), whose claim
    gives its attempt back; `uncertain` marks a send that timed out after going out;
    `parts_sent` is how many of its messages the platform has accepted so far;
    `unreachable` is the identity to stop using.
    """

    delivery: ClaimedDelivery
    token: str
    status: str
    at: dt.datetime
    next_attempt_at: dt.datetime | None = None
    error: str | None = None
    platform: str | None = None
    message_id: str | None = None
    attempt_used: bool = True
    uncertain: bool = False
    parts_sent: int = 0
    unreachable: ConversationRef | None = None
