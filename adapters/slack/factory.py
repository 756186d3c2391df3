"""Builds the Slack channel and sender from the service's settings and parts.

The composition root (app/) calls these two functions; they return None when Slack is not
configured (no CB_SLACK_SIGNING_SECRET) and raise SlackConfigError when it is configured
wrongly.
"""

from __future__ import annotations

import anyio.to_thread

from adapters.slack.adapter import SlackChannel, SlackDeps, web_client
from adapters.slack.config import SlackConfig, SlackSettings, slack_config
from adapters.slack.convert import PLATFORM
from adapters.slack.home import HomeSummary, read_home
from adapters.slack.installations import SqlInstallationStore, SqlOAuthStateStore, TokenCipher
from adapters.slack.sender import SlackSender, TokenLookup
from bot.ports import Clock
from bot.service import BotService
from storage.store import SqlStore


def installation_store(config: SlackConfig, store: SqlStore, clock: Clock) -> SqlInstallationStore:
    """The workspace installations on the service's database."""
    return SqlInstallationStore(store.engine, TokenCipher(config.token_keys), clock)


def build_slack_channel(
    settings: SlackSettings, bot: BotService, store: SqlStore, clock: Clock
) -> SlackChannel | None:
    """The Slack channel (bolt app and routes), or None if Slack is not configured."""
    config = slack_config(settings)
    if config is None:
        return None

    def org_for_team(team_id: str) -> str | None:
        return store.org_code_for(PLATFORM, team_id) if team_id else None

    def home_for(user_id: str) -> HomeSummary:
        return read_home(store, bot.curriculum, PLATFORM, user_id, clock.now())

    deps = SlackDeps(bot.handle, clock, org_for_team, home_for)
    if not config.multi_workspace:
        return SlackChannel(config, deps)
    installations = installation_store(config, store, clock)
    return SlackChannel(config, deps, installations, SqlOAuthStateStore(store.engine, clock))


def build_slack_sender(
    settings: SlackSettings, store: SqlStore, clock: Clock
) -> SlackSender | None:
    """The proactive Slack sender, or None if Slack is not configured."""
    config = slack_config(settings)
    if config is None:
        return None
    tokens: TokenLookup
    if config.multi_workspace:
        installations = installation_store(config, store, clock)

        async def tokens(team_id: str) -> str | None:
            return await anyio.to_thread.run_sync(installations.bot_token, team_id)
    else:
        single = config.bot_token

        async def tokens(team_id: str) -> str | None:
            return single

    return SlackSender(tokens, lambda token: web_client(config, token, patient=False))
