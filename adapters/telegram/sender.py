"""Proactive sends to Telegram for the deliveries dispatcher (the bot's `Sender` port).

Telegram allows about 30 messages a second per bot and about one a second per chat. The
sender never waits on flood control: a 429 comes back as RETRY with Telegram's
`retry_after`, and the dispatcher reschedules the delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from adapters.telegram.adapter import DEFAULT_API_URL, NO_PREVIEW, retry_after_seconds
from adapters.telegram.convert import PLATFORM, keyboard, to_telegram_html
from adapters.telegram.transport import AiohttpRequest
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus

TELEGRAM_LIMITS = RateLimits(per_second=30, conversation_gap_seconds=1.0)

log = logging.getLogger(__name__)


def build_bot(token: str, api_url: str = DEFAULT_API_URL, transport: str = "aiohttp") -> Bot:
    """A Bot for proactive sends (no I/O until the first send)."""
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    request = AiohttpRequest() if transport == "aiohttp" else None
    return Bot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=request,
    )


class TelegramSender:
    """Sends a delivery's messages to one chat and reports how it went."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    @property
    def platform(self) -> str:
        """'telegram'."""
        return PLATFORM

    @property
    def limits(self) -> RateLimits:
        """30 messages a second for the bot; a second between messages to one chat."""
        return TELEGRAM_LIMITS

    def limit_key(self, ref: ConversationRef) -> str:
        """Telegram counts per bot, so every chat shares one bucket."""
        return PLATFORM

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Send the messages in order; stop at the first refusal and say what it means."""
        message_id: str | None = None
        for index, message in enumerate(messages):
            try:
                sent = await self._bot.send_message(
                    ref.conversation_id,
                    to_telegram_html(message.text),
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(message.choices),
                    link_preview_options=NO_PREVIEW,
                )
            except TelegramError as error:
                return result_for(error, sent=index, of=len(messages))
            message_id = str(sent.message_id)
        return SendResult(SendStatus.SENT, message_id=message_id)

    async def aclose(self) -> None:
        """Release the bot's connections."""
        # Not Bot.shutdown(): it does nothing for a bot that was never initialised (getMe),
        # and this one never needs to be.
        await self._bot.request.shutdown()


def result_for(error: TelegramError, sent: int = 0, of: int = 1) -> SendResult:
    """What a Bot API error means for a delivery."""
    detail = f"{type(error).__name__} after {sent} of {of} message(s)"
    if isinstance(error, RetryAfter):
        wait = retry_after_seconds(error)
        return SendResult(SendStatus.RETRY, retry_after=wait, detail=detail, throttled=True)
    if isinstance(error, Forbidden):  # blocked by the user, or the user is gone
        return SendResult(SendStatus.UNREACHABLE, detail=detail)
    if isinstance(error, TimedOut):
        # The request may have reached Telegram, which may have sent the message; the Bot
        # API offers no idempotency key and no way to read a chat back, so the dispatcher
        # resends it once, later (see docs/deploy.md).
        return SendResult(SendStatus.UNCERTAIN, detail=detail)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # PTB raises NetworkError for 5xx answers and refused connections.
        return SendResult(SendStatus.RETRY, detail=detail)
    # BadRequest (400), InvalidToken (401/404), ChatMigrated, Conflict: retrying won't help.
    log.warning("telegram send failed for good", extra={"error": type(error).__name__})
    return SendResult(SendStatus.FAILED, detail=detail)
