"""Sending in answer to an officer: one exchange with the bot, then the Web API calls.

The bot decides (in a worker thread: it does database I/O); then the pressed question is
locked so it cannot be answered twice, the replies are posted into the DM in order, and
after an answer the App Home is refreshed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import in_thread
from adapters.slack.convert import locked_message, message_payload
from adapters.slack.deps import Handler
from adapters.slack.home import AppHome
from adapters.slack.texts import SlackTexts
from bot.messages import Inbound, Outbound

log = logging.getLogger(__name__)


class Replies:
    """Runs the bot's turn for an inbound and posts what it says."""

    def __init__(self, handle: Handler, home: AppHome, texts: SlackTexts) -> None:
        self._handle = handle
        self._home = home
        self._texts = texts

    async def turn(
        self, client: AsyncWebClient, inbound: Inbound, pressed: Mapping[str, Any] | None = None
    ) -> None:
        """One exchange: the bot decides, then the pressed question is locked, the replies
        posted, and the App Home refreshed."""
        replies: list[Outbound] = await in_thread(self._handle, inbound)
        answered = False
        for reply in replies:
            if reply.answers_question and pressed is not None and not answered:
                await self._lock_question(client, pressed)
            answered = answered or reply.answers_question is not None
            await client.chat_postMessage(
                channel=inbound.ref.conversation_id,
                **message_payload(reply, self._texts.choose_button),
            )
        if answered:
            await self._home.publish(client, inbound.ref.user_id)

    async def _lock_question(self, client: AsyncWebClient, pressed: Mapping[str, Any]) -> None:
        locked = locked_message(pressed, self._texts.your_answer)
        if locked is None:
            return
        try:
            await client.chat_update(
                channel=locked.channel, ts=locked.ts, text=locked.text, blocks=list(locked.blocks)
            )
        except SlackApiError as error:  # e.g. the message was deleted: the feedback still goes
            log.warning("slack question not locked", extra={"error": error.response.get("error")})


async def open_dm(client: AsyncWebClient, user: str) -> str:
    """The id of the app's DM with the user (opened if new)."""
    response = await client.conversations_open(users=user)
    return str((response.get("channel") or {}).get("id", ""))
