"""Neutral message types that every adapter converts to and from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class ConversationRef:
    """Everything needed to reach a learner again on their platform."""

    platform: str
    conversation_id: str
    user_id: str
    extra: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Inbound:
    """One thing a learner did: typed text or pressed a button (`choice_id`).

    `message_id` lets the bot ignore a platform's re-delivery of the same message;
    `org_hint` is a council code the channel implies (a Teams tenant, `bites chat --org`).
    """

    ref: ConversationRef
    received_at: dt.datetime
    text: str = ""
    choice_id: str | None = None
    message_id: str | None = None
    org_hint: str | None = None


@dataclass(frozen=True)
class Choice:
    """A button: `id` comes back as `Inbound.choice_id` when pressed."""

    id: str
    label: str


@dataclass(frozen=True)
class Outbound:
    """One reply. Text is a small Markdown subset (paragraphs, **bold**, - bullets).

    `answers_question` names the question this reply gives feedback on, so an adapter
    that can edit messages may lock the question's buttons.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    answers_question: str | None = None


class SendStatus(Enum):
    """What happened to a proactive send."""

    SENT = "sent"  # the platform accepted it
    RETRY = "retry"  # throttled (429) or a transient failure (5xx, refused connection): later
    # The request went out but no answer came in time (a read timeout): the platform may
    # have accepted it. Resent at most once per such timeout (see docs/deploy.md).
    UNCERTAIN = "uncertain"
    UNREACHABLE = "unreachable"  # the learner blocked the bot, uninstalled it, or left (403/404)
    FAILED = "failed"  # the platform refused this message for good (e.g. 400); do not retry


@dataclass(frozen=True)
class SendResult:
    """A sender's report. `retry_after` is the platform's Retry-After in seconds, if given;
    `message_id` is the platform's id of the (last) message sent, kept for audit and edits.
    `throttled` marks a 429: the platform said "later", which is not a failed attempt."""

    status: SendStatus
    retry_after: float | None = None
    message_id: str | None = None
    detail: str = ""
    throttled: bool = False


@dataclass(frozen=True)
class RateLimits:
    """A platform's send limits: messages per second for the whole bot (per tenant or
    workspace where the platform counts that way) and the gap between two messages to
    one conversation."""

    per_second: float
    conversation_gap_seconds: float
