"""Builds the Slack channel and sender from the service's settings and parts.

The composition root (app/) calls these functions with the data ports (`SlackData`,
implemented in storage); they return None when Slack is not configured (no
CB_SLACK_SIGNING_SECRET) and raise SlackConfigError when it is configured wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from adapters.slack.adapter import SlackChannel
from adapters.slack.clients import web_client
from adapters.slack.config import SlackConfig, SlackSettings, slack_config
from adapters.slack.convert import PLATFORM
from adapters.slack.deps import SlackDeps
from adapters.slack.installations import InstallationStore, OAuthStateStore, TokenCipher
from adapters.slack.sender import SlackSender, TokenLookup
from bot.home import HomeSummary, read_home
from bot.ports import Clock, HomeFactsReader, OAuthStates, Tenants, WorkspaceInstallations
from bot.service import BotService


@dataclass(frozen=True)
class SlackData:
    """The ports the Slack channel reaches data through: the council each workspace is
    linked to, officers' App Home facts, installed workspaces and OAuth states."""

    tenants: Tenants
    home: HomeFactsReader
    workspaces: WorkspaceInstallations
    states: OAuthStates


def installation_store(
    config: SlackConfig, workspaces: WorkspaceInstallations, clock: Clock
) -> InstallationStore:
    """The workspace installations, their tokens sealed with the configured keys."""
    return InstallationStore(workspaces, TokenCipher(config.token_keys), clock)


def build_slack_channel(
    settings: SlackSettings, bot: BotService, data: SlackData, clock: Clock
) -> SlackChannel | None:
    """The Slack channel (bolt app and routes), or None if Slack is not configured."""
    config = slack_config(settings)
    if config is None:
        return None

    def council_for_team(team_id: str) -> str | None:
        return data.tenants.council_code_for(PLATFORM, team_id) if team_id else None

    def home_for(user_id: str) -> HomeSummary:
        return read_home(data.home, bot.curriculum, PLATFORM, user_id, clock.now())

    deps = SlackDeps(bot.handle, clock, council_for_team, home_for)
    if not config.multi_workspace:
        return SlackChannel(config, deps)
    installations = installation_store(config, data.workspaces, clock)
    return SlackChannel(config, deps, installations, OAuthStateStore(data.states, clock))


def build_slack_sender(
    settings: SlackSettings, workspaces: WorkspaceInstallations, clock: Clock
) -> SlackSender | None:
    """The proactive Slack sender, or None if Slack is not configured."""
    config = slack_config(settings)
    if config is None:
        return None
    tokens: TokenLookup
    if config.multi_workspace:
        installations = installation_store(config, workspaces, clock)

        async def tokens(team_id: str) -> str | None:
            return await anyio.to_thread.run_sync(installations.bot_token, team_id)
    else:
        single = config.bot_token

        async def tokens(team_id: str) -> str | None:
            return single

    return SlackSender(tokens, lambda token: web_client(config, token, patient=False))
