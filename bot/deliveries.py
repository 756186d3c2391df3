"""Proactive messages as values: what the planner plans and the dispatcher sends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from bot.messages import ConversationRef, Outbound


class DeliveryKind(Enum):
    """What a proactive message is for."""

    LESSON = "lesson"  # the lesson of the day
    GENTLE = "gentle"  # the one gentler reminder after three ignored lesson nudges
    REFRESHER = "refresher"  # a spaced-repetition question
    NUDGE = "nudge"  # a manager's friendly nudge (at most one a learner a day)


# Kinds that count as nudges for the "three ignored nudges" rule.
NUDGE_KINDS = frozenset({DeliveryKind.LESSON, DeliveryKind.GENTLE})


@dataclass(frozen=True)
class PlannedDelivery:
    """A proactive message the planner wants sent; `key` makes planning it twice harmless."""

    key: str
    learner_id: int
    kind: DeliveryKind
    due_at: dt.datetime
    ref: str | None = None
    payload: str = "{}"


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
class RefresherInfo:
    """A refresher delivery, as the bot needs it when its answer comes back."""

    delivery_id: int
    question_id: str
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None


@dataclass(frozen=True)
class Review:
    """A spaced-repetition review to record: a quiz or refresher answer."""

    question_id: str
    correct: bool
    at: dt.datetime
    duration_ms: int | None
    source: str  # "quiz" or "refresher"
    delivery_id: int | None = None
