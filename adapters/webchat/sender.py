"""Proactive sends to web chat visitors: stored in the outbox for their page to fetch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import Protocol

import anyio.to_thread

from adapters.webchat.convert import PLATFORM, to_json
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus
from bot.ports import Clock


class Outbox(Protocol):
    """Where messages wait for the page (storage implements it)."""

    def put(
        self, conversation_id: str, bodies: Sequence[dict[str, object]], at: dt.datetime
    ) -> list[int]:
        """Store messages; return their ids."""
        ...


class WebChatSender:
    """A Sender for the web chat: nothing can refuse it, so it always reports SENT."""

    platform = PLATFORM
    limits = RateLimits(per_second=1000, conversation_gap_seconds=0)

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    def limit_key(self, ref: ConversationRef) -> str:
        """One bucket: the database is the only limit."""
        return ""

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Put the messages in the visitor's outbox."""
        bodies = [to_json(message) for message in messages]
        put = partial(self._outbox.put, ref.conversation_id, bodies, self._clock.now())
        ids = await anyio.to_thread.run_sync(put)
        return SendResult(SendStatus.SENT, message_id=str(ids[-1]) if ids else None)
