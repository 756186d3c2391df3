"""Neutral message types that every adapter converts to and from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
