"""Does Telegram accept a bot token? (getMe, before `bites serve` starts the channel)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.error import InvalidToken, TelegramError

from adapters.telegram.sender import build_bot


@dataclass(frozen=True)
class TokenCheck:
    """The answer: accepted, refused, or out of reach (with the error's name)."""

    refused: bool = False
    unreachable: str | None = None


async def check_token(token: str, api_url: str) -> TokenCheck:
    """Ask the Bot API who the bot is."""
    bot = build_bot(token, api_url)
    try:
        await bot.initialize()  # getMe
    except InvalidToken:
        return TokenCheck(refused=True)
    except TelegramError as error:
        return TokenCheck(unreachable=type(error).__name__)
    finally:
        await bot.shutdown()
    return TokenCheck()
