"""slack-bolt's AsyncApp for the channel: one workspace with a bot token, or many with
OAuth installs (our installation and state stores), and the pages an install ends on.

Bolt verifies each request's signature and timestamp (401 otherwise) and authorizes it
with the workspace's token before any listener runs.
"""

from __future__ import annotations

from html import escape as html_escape

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.state_utils import OAuthStateUtils

from adapters.slack.clients import bolt_logger, web_client
from adapters.slack.config import SlackConfig
from adapters.slack.installations import InstallationStore, OAuthStateStore
from adapters.slack.texts import SlackTexts

BOT_SCOPES = ("chat:write", "commands", "im:history", "im:write")


def build_app(
    config: SlackConfig,
    installations: InstallationStore | None,
    states: OAuthStateStore | None,
    texts: SlackTexts,
) -> AsyncApp:
    """The bolt app: with the configured bot token, or (multi-workspace) with OAuth."""
    if not config.multi_workspace:
        return AsyncApp(
            name="contract-bites",
            signing_secret=config.signing_secret,
            client=web_client(config, config.bot_token, patient=True),
            process_before_response=True,
            logger=bolt_logger(),
        )
    assert installations is not None and states is not None
    oauth = AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=f"{config.public_url.rstrip('/')}/slack/oauth_redirect"
        if config.public_url
        else None,
        install_page_rendering_enabled=False,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        callback_options=install_pages(texts),
        logger=bolt_logger(),
    )
    return AsyncApp(
        name="contract-bites",
        signing_secret=config.signing_secret,
        client=web_client(config, patient=True),
        oauth_settings=oauth,
        installation_store_bot_only=True,
        process_before_response=True,
        logger=bolt_logger(),
    )


def install_pages(texts: SlackTexts) -> AsyncCallbackOptions:
    """The pages an OAuth install ends on: done (naming the workspace) or failed."""

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        team = args.installation.team_name or args.installation.team_id or ""
        return _page(200, texts.install_done.format(team=team), args.settings.state_utils)

    async def failed(args: AsyncFailureArgs) -> BoltResponse:
        body = texts.install_failed.format(reason=args.reason)
        return _page(args.suggested_status_code, body, args.settings.state_utils)

    return AsyncCallbackOptions(success=installed, failure=failed)


def _page(status: int, message: str, state_utils: OAuthStateUtils) -> BoltResponse:
    html = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Contract Bites</title>'
        f"<body><p>{html_escape(message)}</p></body></html>"
    )
    return BoltResponse(
        status=status,
        body=html,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": [state_utils.build_set_cookie_for_deletion()],
        },
    )
