"""`bites telegram …`: register the webhook and the command menu with Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import cli_settings
from app.settings import Settings

if TYPE_CHECKING:
    from telegram import Bot

    from adapters.telegram.adapter import TelegramConfig

telegram_app = typer.Typer(
    rich_markup_mode=None,
    help="The Telegram channel: webhook and command menu.",
    no_args_is_help=True,
)


def _config() -> tuple[Settings, TelegramConfig]:
    from app.wiring import telegram_config

    settings = cli_settings()
    config = telegram_config(settings)
    if config is None:
        typer.echo(
            "CB_TELEGRAM_TOKEN is not set: put the token BotFather gave you there.", err=True
        )
        raise typer.Exit(2)
    return settings, config


def _call(config: TelegramConfig, action: Callable[[Bot], Awaitable[None]]) -> None:
    """Run one Bot API action; report Telegram's refusal without the token."""
    from telegram.error import TelegramError

    from adapters.telegram.sender import build_bot

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
        typer.echo(f"Telegram refused: {type(error).__name__}: {message}", err=True)
        raise typer.Exit(1) from error


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[
        str | None,
        typer.Option(help="The webhook URL (default: CB_PUBLIC_URL + /telegram/webhook)."),
    ] = None,
) -> None:
    """Tell Telegram to post updates to this service, with the secret token."""
    from adapters.telegram.adapter import WEBHOOK_PATH, configure_webhook

    settings, config = _config()
    if not config.secret_token:
        typer.echo("CB_TELEGRAM_SECRET_TOKEN is not set: the webhook needs it.", err=True)
        raise typer.Exit(2)
    if url is None and not settings.public_url:
        typer.echo("Give --url or set CB_PUBLIC_URL (the service's https address).", err=True)
        raise typer.Exit(2)
    target = url or f"{str(settings.public_url).rstrip('/')}{WEBHOOK_PATH}"
    if not target.startswith("https://"):
        typer.echo(f"Telegram only posts to https:// addresses, not {target}.", err=True)
        raise typer.Exit(2)
    max_connections = settings.telegram_max_connections
    _call(config, lambda bot: configure_webhook(bot, target, config.secret_token, max_connections))
    typer.echo(f"Telegram will post updates to {target}.")


@telegram_app.command("set-commands")
def set_commands() -> None:
    """Publish the command menu: start, next, progress, settings, help, stop."""
    from adapters.telegram.adapter import configure_commands

    _settings, config = _config()
    _call(config, configure_commands)
    typer.echo("Command menu set: /start /next /progress /settings /help /stop.")


@telegram_app.command("delete-webhook")
def delete_webhook() -> None:
    """Stop Telegram posting to the webhook (polling also does this when it starts)."""
    _settings, config = _config()

    async def delete(bot: Bot) -> None:
        await bot.delete_webhook()

    _call(config, delete)
    typer.echo("Webhook removed.")
