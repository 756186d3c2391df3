"""`bites telegram …`: register the webhook and the command menu with Telegram (the Bot
API calls themselves are in adapters/telegram/registration.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import cli_settings
from app.settings import Settings

if TYPE_CHECKING:
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


def _call(action: Callable[[], None]) -> None:
    """Run one Bot API call; report Telegram's refusal (which never holds the token)."""
    from adapters.telegram.registration import TelegramRefusedError

    try:
        action()
    except TelegramRefusedError as error:
        typer.echo(f"Telegram refused: {error}", err=True)
        raise typer.Exit(1) from error


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[
        str | None,
        typer.Option(help="The webhook URL (default: CB_PUBLIC_URL + /telegram/webhook)."),
    ] = None,
) -> None:
    """Tell Telegram to post updates to this service, with the secret token."""
    from adapters.telegram.adapter import WEBHOOK_PATH
    from adapters.telegram.registration import set_webhook as register

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
    _call(lambda: register(config, target, max_connections))
    typer.echo(f"Telegram will post updates to {target}.")


@telegram_app.command("set-commands")
def set_commands() -> None:
    """Publish the command menu: start, next, progress, settings, help, stop."""
    from adapters.telegram.registration import set_commands as register

    _settings, config = _config()
    _call(lambda: register(config))
    typer.echo("Command menu set: /start /next /progress /settings /help /stop.")


@telegram_app.command("delete-webhook")
def delete_webhook() -> None:
    """Stop Telegram posting to the webhook (polling also does this when it starts)."""
    from adapters.telegram.registration import delete_webhook as unregister

    _settings, config = _config()
    _call(lambda: unregister(config))
    typer.echo("Webhook removed.")
