"""Neutral message types that every adapter converts to and from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
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
    `council_hint` is a council code the channel implies (a Teams tenant, `bites chat --council`).
    """

    ref: ConversationRef
    received_at: dt.datetime
    text: str = ""
    choice_id: str | None = None
    message_id: str | None = None
    council_hint: str | None = None


@dataclass(frozen=True)
class Choice:
    """A button: `id` comes back as `Inbound.choice_id` when pressed."""

    id: str
    label: str


# Characters that carry meaning in the Markdown subset; a backslash before one makes it a
# plain character (adapters/markdown.py reads the escapes for every channel). The colon is
# among them so that an address someone typed is never turned into a link either.
MARKUP_CHARACTERS = frozenset("\\*_[]()`~<>:")


def literal(typed: str) -> str:
    """What a person typed, escaped so that no channel renders it as formatting: quoting
    `[x](https://…)` or `**x**` back must not make a link or bold text."""
    return "".join("\\" + ch if ch in MARKUP_CHARACTERS else ch for ch in typed)


@dataclass(frozen=True)
class Outbound:
    """One reply. Text is a small Markdown subset (paragraphs, **bold**, - bullets, links);
    a backslash escapes a markup character (see `literal`).

    `answers_question` names the question this reply gives feedback on, so an adapter
    that can edit messages may lock the question's buttons; `asks_question` names the
    question whose options are this reply's answer buttons (for the simulation and for
    adapters that want to label a question card).
    """

    text: str
    choices: tuple[Choice, ...] = ()
    answers_question: str | None = None
    asks_question: str | None = None


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


def without_nul(inbound: Inbound) -> Inbound:
    """The inbound message with NUL characters taken out of every string: they mean
    nothing in chat, and PostgreSQL refuses them in text (a platform would then redeliver
    the message for ever)."""
    ref = inbound.ref
    if "\x00" not in "".join(
        (
            inbound.text,
            inbound.choice_id or "",
            inbound.message_id or "",
            inbound.council_hint or "",
            ref.platform,
            ref.conversation_id,
            ref.user_id,
            *ref.extra.keys(),
            *ref.extra.values(),
        )
    ):
        return inbound  # the common case: nothing to copy
    clean_ref = ConversationRef(
        _clean(ref.platform),
        _clean(ref.conversation_id),
        _clean(ref.user_id),
        {_clean(k): _clean(v) for k, v in ref.extra.items()},
    )
    return replace(
        inbound,
        ref=clean_ref,
        text=_clean(inbound.text),
        choice_id=_maybe(inbound.choice_id),
        message_id=_maybe(inbound.message_id),
        council_hint=_maybe(inbound.council_hint),
    )


def _clean(value: str) -> str:
    return value.replace("\x00", "")


def _maybe(value: str | None) -> str | None:
    return None if value is None else _clean(value)
