"""What `bites telegram …` asks of the Bot API: register the webhook (with its secret
token) and the command menu, or remove the webhook.

Each call runs on its own event loop (the command line has none). A refusal comes back as
`TelegramRefusedError`, whose text never holds the bot token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import TelegramError

from adapters.telegram.adapter import TelegramConfig
from adapters.telegram.convert import ALLOWED_UPDATES, ENGLISH, TelegramTexts, bot_commands
from adapters.telegram.sender import build_bot


class TelegramRefusedError(Exception):
    """Telegram answered a call with an error: its kind (like BadRequest) and message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


async def configure_webhook(
    bot: Bot, url: str, secret_token: str, max_connections: int = 40
) -> None:
    """Tell Telegram where to post updates, with the secret it must send back."""
    await bot.set_webhook(
        url=url,
        secret_token=secret_token,
        allowed_updates=list(ALLOWED_UPDATES),
        max_connections=max_connections,
    )


async def configure_commands(bot: Bot, texts: TelegramTexts = ENGLISH) -> None:
    """Publish the command menu (start, next, progress, settings, help, stop)."""
    await bot.set_my_commands(bot_commands(texts))


def set_webhook(config: TelegramConfig, url: str, max_connections: int) -> None:
    """Register the webhook at `url` with the configured secret token."""
    _call(config, lambda bot: configure_webhook(bot, url, config.secret_token, max_connections))


def set_commands(config: TelegramConfig) -> None:
    """Publish the command menu."""
    _call(config, configure_commands)


def delete_webhook(config: TelegramConfig) -> None:
    """Stop Telegram posting to the webhook."""

    async def delete(bot: Bot) -> None:
        await bot.delete_webhook()

    _call(config, delete)


def _call(config: TelegramConfig, action: Callable[[Bot], Awaitable[None]]) -> None:
    """Run one Bot API action; raise Telegram's refusal without the token."""

    async def run() -> None:
        bot = build_bot(config.token, config.api_url)
        try:
            await action(bot)
        finally:
            await bot.request.shutdown()  # the bot was never initialised (no getMe)

    try:
        asyncio.run(run())
    except TelegramError as error:
        message = str(error.message).replace(config.token, "<token>")
        raise TelegramRefusedError(type(error).__name__, message) from error
