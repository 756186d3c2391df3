"""The chat channels' settings, checked before `bites serve` starts.

A wrong Slack, Teams or Telegram setting would otherwise surface as a traceback from deep
inside an SDK, or not at all until the first message fails. Each problem here is one line
naming the environment variable to fix. `channel_problems` reads the settings only;
`refused_credentials` then asks Telegram and Slack whether they accept the tokens.
"""

from __future__ import annotations

import logging
import re

from app.settings import Settings

log = logging.getLogger(__name__)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TELEGRAM_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")  # BotFather's <bot id>:<secret>
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts


def channel_problems(settings: Settings) -> list[str]:
    """Every problem with the channels' settings, one line each (empty: all fine)."""
    return _slack(settings) + _teams(settings) + _telegram(settings)


def _slack(settings: Settings) -> list[str]:
    if settings.slack_signing_secret is None:
        return []
    # Imported here: the Slack SDKs load only when the channel is configured.
    from adapters.slack.config import SlackConfigError, slack_config
    from adapters.slack.installations import TokenCipher

    try:
        config = slack_config(settings)
        if config is not None and config.multi_workspace:
            TokenCipher(config.token_keys)  # each key must be a Fernet key
    except SlackConfigError as error:
        return [str(error)]
    return []


def _teams(settings: Settings) -> list[str]:
    if settings.teams_dev_bypass or not settings.teams_app_id:
        return []
    problems = []
    if not _GUID.match(settings.teams_app_id):
        problems.append(
            "CB_TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID like "
            "00000000-0000-0000-0000-000000000000"
        )
    password = settings.teams_app_password
    if password is None or not password.get_secret_value():
        problems.append(
            "CB_TEAMS_APP_PASSWORD is missing: set the client secret of the bot's app "
            "registration (or CB_TEAMS_DEV_BYPASS=true on a development machine)"
        )
    if settings.teams_tenant_id and not _GUID.match(settings.teams_tenant_id):
        problems.append("CB_TEAMS_TENANT_ID must be the Entra tenant id, a GUID")
    return problems


def _telegram(settings: Settings) -> list[str]:
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    if not token:
        return []
    problems = []
    if not _TELEGRAM_TOKEN.match(token):
        problems.append("CB_TELEGRAM_TOKEN must be the token BotFather gave, like 123456789:AAE...")
    secret = settings.telegram_secret_token
    secret_value = secret.get_secret_value() if secret else ""
    if not settings.telegram_polling and not secret_value:
        problems.append(
            "CB_TELEGRAM_SECRET_TOKEN is missing: the webhook needs one (1-256 of A-Z a-z 0-9 "
            "_ -), or run with --telegram-polling"
        )
    elif secret_value and not _TELEGRAM_SECRET.match(secret_value):
        problems.append(
            "CB_TELEGRAM_SECRET_TOKEN may hold only A-Z a-z 0-9 _ and -, up to 256 characters"
        )
    return problems


async def refused_credentials(settings: Settings) -> list[str]:
    """Ask Telegram (getMe) and Slack (auth.test, for a one-workspace bot token) whether
    they accept the configured tokens: one line per refusal. Telegram out of reach is a
    problem too (the channel cannot start without getMe); Slack out of reach is only
    logged, since nothing is asked of it before the first message."""
    problems = []
    if settings.telegram_token is not None and settings.telegram_token.get_secret_value():
        problems += await _telegram_accepts(settings)
    if settings.slack_signing_secret is not None and settings.slack_bot_token is not None:
        problems += await _slack_accepts(settings)
    return problems


async def _telegram_accepts(settings: Settings) -> list[str]:
    from adapters.telegram.credentials import check_token

    assert settings.telegram_token is not None
    api_url = settings.telegram_api_url.rstrip("/")
    checked = await check_token(settings.telegram_token.get_secret_value(), api_url)
    if checked.refused:
        return [
            "CB_TELEGRAM_TOKEN was refused by Telegram: copy the token BotFather gave again "
            "(BotFather's /token command shows it)"
        ]
    if checked.unreachable:
        return [
            f"could not reach the Telegram Bot API at {api_url} ({checked.unreachable}): "
            "check the network, or CB_TELEGRAM_API_URL"
        ]
    return []


async def _slack_accepts(settings: Settings) -> list[str]:
    from adapters.slack.credentials import check_token

    assert settings.slack_bot_token is not None
    checked = await check_token(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    if checked.refused:
        return [
            f"CB_SLACK_BOT_TOKEN was refused by Slack ({checked.refused}): copy the Bot User "
            "OAuth Token from your Slack app's OAuth & Permissions page again"
        ]
    if checked.unreachable:  # out of reach: the channel can still start
        log.warning("slack not reachable at start", extra={"error": checked.unreachable})
    return []
