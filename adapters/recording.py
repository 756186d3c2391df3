"""A sender that records instead of sending: for `bites simulate`, `bites chat
--simulated-clock` and tests. It can be told to refuse like a busy or blocking platform."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus

UNLIMITED = RateLimits(per_second=1_000_000, conversation_gap_seconds=0)


@dataclass(frozen=True)
class Sent:
    """One proactive send as the platform would have received it."""

    at: dt.datetime
    ref: ConversationRef
    messages: tuple[Outbound, ...]


@dataclass
class RecordingSender:
    """Records sends; `refuse` may return a non-SENT result for a send (429, 403…)."""

    platform: str
    now: Callable[[], dt.datetime]
    limits: RateLimits = field(default_factory=lambda: UNLIMITED)
    refuse: Callable[[ConversationRef], SendResult | None] | None = None
    sent: list[Sent] = field(default_factory=list)
    listeners: list[Callable[[Sent], None]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def limit_key(self, ref: ConversationRef) -> str:
        """One bucket for the whole bot."""
        return ""

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Record the messages (unless told to refuse) and report them sent."""
        if self.refuse is not None and (refusal := self.refuse(ref)) is not None:
            return refusal
        record = Sent(self.now(), ref, tuple(messages))
        self.sent.append(record)
        for listener in self.listeners:
            listener(record)
        return SendResult(SendStatus.SENT, message_id=f"rec-{next(self._ids)}")
