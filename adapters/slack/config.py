"""The Slack channel's configuration, read from the service settings and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import SecretStr

DEFAULT_API_URL = "https://slack.com/api/"


class SlackSettings(Protocol):
    """The settings fields this channel reads (app.settings.Settings has them)."""

    @property
    def slack_signing_secret(self) -> SecretStr | None: ...
    @property
    def slack_client_id(self) -> str | None: ...
    @property
    def slack_client_secret(self) -> SecretStr | None: ...
    @property
    def slack_token_key(self) -> SecretStr | None: ...
    @property
    def slack_bot_token(self) -> SecretStr | None: ...
    @property
    def slack_app_token(self) -> SecretStr | None: ...
    @property
    def slack_api_url(self) -> str: ...
    @property
    def public_url(self) -> str | None: ...


class SlackConfigError(ValueError):
    """The Slack settings are incomplete or contradictory; the message names the variables."""


@dataclass(frozen=True)
class SlackConfig:
    """A checked Slack configuration: either OAuth (client id, secret and token keys) for
    many workspaces, or one workspace's bot token. Secrets never appear in its repr."""

    signing_secret: str
    client_id: str | None = None
    client_secret: str | None = None
    token_keys: tuple[str, ...] = ()
    bot_token: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    public_url: str | None = None

    def __repr__(self) -> str:
        mode = "oauth" if self.multi_workspace else "single-workspace"
        return f"SlackConfig(mode={mode}, api_url={self.api_url!r})"

    @property
    def multi_workspace(self) -> bool:
        """True when workspaces install the app over OAuth (tokens in our database)."""
        return self.client_id is not None


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


def slack_config(settings: SlackSettings) -> SlackConfig | None:
    """The Slack configuration, or None when Slack is not configured (no signing secret).

    Raises SlackConfigError naming the variables when the settings do not add up."""
    signing_secret = _secret(settings.slack_signing_secret)
    if signing_secret is None:
        return None
    client_id = settings.slack_client_id or None
    client_secret = _secret(settings.slack_client_secret)
    bot_token = _secret(settings.slack_bot_token)
    keys = tuple(k.strip() for k in (_secret(settings.slack_token_key) or "").split(",") if k)
    if client_id and bot_token:
        raise SlackConfigError(
            "set either CB_SLACK_BOT_TOKEN (one workspace) or CB_SLACK_CLIENT_ID and "
            "CB_SLACK_CLIENT_SECRET (OAuth installs), not both"
        )
    if client_id and not (client_secret and keys):
        raise SlackConfigError(
            "OAuth installs need CB_SLACK_CLIENT_SECRET and CB_SLACK_TOKEN_KEY "
            "(make a key with `bites slack token-key`)"
        )
    if not client_id and not bot_token:
        raise SlackConfigError(
            "CB_SLACK_SIGNING_SECRET is set: also set CB_SLACK_BOT_TOKEN (one workspace) or "
            "CB_SLACK_CLIENT_ID, CB_SLACK_CLIENT_SECRET and CB_SLACK_TOKEN_KEY (OAuth installs)"
        )
    if bot_token and not bot_token.startswith("xoxb-"):
        raise SlackConfigError(
            "CB_SLACK_BOT_TOKEN must be the app's Bot User OAuth Token, which starts with xoxb-"
        )
    app_token = _secret(settings.slack_app_token)
    if app_token and not app_token.startswith("xapp-"):
        raise SlackConfigError(
            "CB_SLACK_APP_TOKEN must be an app-level token (for Socket Mode), which starts "
            "with xapp-"
        )
    api_url = (
        settings.slack_api_url
        if settings.slack_api_url.endswith("/")
        else (settings.slack_api_url + "/")
    )
    return SlackConfig(
        signing_secret=signing_secret,
        client_id=client_id,
        client_secret=client_secret,
        token_keys=keys,
        bot_token=bot_token,
        app_token=app_token,
        api_url=api_url,
        public_url=settings.public_url,
    )
