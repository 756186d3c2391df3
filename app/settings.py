"""Settings from the environment (or a .env file), each with a clear error if wrong."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/contract-bites.db"


class Settings(BaseSettings):
    """Contract Bites settings. Environment variables start with CB_, except DATABASE_URL."""

    model_config = SettingsConfigDict(env_prefix="CB_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "CB_DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///path or postgresql://user@host/db",
    )
    host: str = Field(default="127.0.0.1", description="address the web service listens on")
    port: int = Field(default=8080, ge=1, le=65535, description="port the web service listens on")
    content_packs: list[Path] = Field(
        default_factory=list,
        description="extra content pack folders loaded after the built-in curriculum",
    )
    demo_council: bool = Field(default=True, description="create the demo council on start")
    webchat: bool = Field(default=True, description="serve the local web chat at /chat")
    scheduler: bool = Field(default=True, description="run the scheduler ticks in-process")
    plan_seconds: float = Field(
        default=300, gt=0, description="how often the planner looks for a new local day"
    )
    dispatch_seconds: float = Field(
        default=5, gt=0, description="how often the dispatcher sends what is due"
    )
    metrics: bool = Field(default=True, description="serve Prometheus metrics at /metrics")
    dashboard: bool = Field(
        default=True, description="serve the managers' and admins' web dashboard at /dashboard"
    )
    dashboard_packs_dir: Path = Field(
        default=Path("var/packs"),
        description="where the dashboard keeps uploaded and enabled local content packs",
    )
    public_url: str | None = Field(
        default=None,
        description="the service's public https address, e.g. https://bites.example.gov.uk",
    )
    teams_app_id: str | None = Field(
        default=None,
        description="Microsoft Teams: the bot's Microsoft App ID (a GUID); enables /api/messages",
    )
    teams_app_password: SecretStr | None = Field(
        default=None, description="Microsoft Teams: the bot's client secret (never logged)"
    )
    teams_tenant_id: str | None = Field(
        default=None, description="Microsoft Teams: the Entra tenant id of a single-tenant bot"
    )
    teams_cloud: Literal["public", "gcc", "gcch", "dod", "china"] = Field(
        default="public", description="Microsoft Teams: the cloud (public, gcc, gcch, dod, china)"
    )
    teams_dev_bypass: bool = Field(
        default=False,
        description="Microsoft Teams, development only: accept activities without a token",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        description="Slack: the app's signing secret; enables /slack/events (never logged)",
    )
    slack_client_id: str | None = Field(
        default=None, description="Slack: the app's client id, for multi-workspace OAuth installs"
    )
    slack_client_secret: SecretStr | None = Field(
        default=None, description="Slack: the app's client secret (never logged)"
    )
    slack_token_key: SecretStr | None = Field(
        default=None,
        description="Slack: Fernet key(s), comma-separated, newest first, that encrypt stored "
        "bot tokens; required with OAuth installs (`bites slack token-key` makes one)",
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, description="Slack: a single workspace's xoxb- bot token, instead of OAuth"
    )
    slack_app_token: SecretStr | None = Field(
        default=None, description="Slack: an xapp- app-level token, for Socket Mode"
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", description="Slack: the Web API base URL"
    )
    telegram_token: SecretStr | None = Field(
        default=None,
        description="Telegram: the bot token from BotFather; enables the channel (never logged)",
    )
    telegram_secret_token: SecretStr | None = Field(
        default=None,
        description="Telegram: the webhook's secret token (1-256 of A-Z a-z 0-9 _ -); "
        "required for the webhook, sent by Telegram in X-Telegram-Bot-Api-Secret-Token",
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org", description="Telegram: the Bot API base URL"
    )
    telegram_polling: bool = Field(
        default=False, description="Telegram: long polling instead of the webhook (local use)"
    )
    telegram_concurrency: int = Field(
        default=32, ge=1, le=512, description="Telegram: updates processed at once (per process)"
    )
    telegram_max_connections: int = Field(
        default=40, ge=1, le=100, description="Telegram: webhook connections Telegram may open"
    )
    telegram_bot_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Telegram: updates handled by the bot at once (default: 1 on SQLite, "
        "which takes one writer at a time, 8 on PostgreSQL)",
    )
    telegram_transport: Literal["aiohttp", "httpx"] = Field(
        default="aiohttp", description="Telegram: HTTP client for Bot API calls"
    )
    # Exports (issue 8): a council's Learning Record Store for xAPI statements.
    lrs_endpoint: str | None = Field(
        default=None,
        description="xAPI: the LRS endpoint (statements are POSTed to <endpoint>/statements)",
    )
    lrs_username: str | None = Field(default=None, description="xAPI: the LRS basic-auth key")
    lrs_password: SecretStr | None = Field(
        default=None, description="xAPI: the LRS basic-auth secret (never logged)"
    )
    xapi_actor_email: bool = Field(
        default=False,
        description="xAPI: name learners by email (mbox) where known, not by a pseudonym",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="reverse proxies (addresses or networks, comma-separated) whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed: the client's address for the "
        "abuse limits, and https for the Secure cookie flag",
    )
    new_chats_per_hour: int = Field(
        default=20, ge=1, description="new web chats one address may start in an hour"
    )
    sign_ins_per_10_minutes: int = Field(
        default=10, ge=1, description="dashboard sign-in attempts one address may make in 10 min"
    )
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        proxy_list(value)
        return value

    @model_validator(mode="after")
    def _dev_bypass_only_on_loopback(self) -> Settings:
        # Without token checks anyone who reaches /api/messages can make the bot post (with
        # its token, if credentials are set) to a serviceUrl of their choosing.
        if self.teams_dev_bypass and (
            not is_loopback(self.host) or self.teams_app_id or self.teams_app_password
        ):
            raise ValueError(
                "CB_TEAMS_DEV_BYPASS is for development only: it needs CB_HOST on loopback "
                f"(127.0.0.1, ::1 or localhost; got {self.host!r}) and no CB_TEAMS_APP_ID or "
                "CB_TEAMS_APP_PASSWORD"
            )
        return self


def proxy_list(raw: str) -> list[str]:
    """The trusted proxies as a list; ValueError naming an entry that is not an address
    or a network (or `*`, every address: only when nothing else can reach the service)."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ValueError(f"{entry!r} is not an IP address or network") from error
    return entries


def is_loopback(host: str) -> bool:
    """Whether the service listening on `host` can be reached from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError naming each bad variable and what it should be."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            if not problem["loc"]:  # a rule across settings: its message names them
                lines.append(str(problem["msg"]).removeprefix("Value error, "))
                continue
            field = str(problem["loc"][0])
            variable = "DATABASE_URL" if field == "database_url" else f"CB_{field.upper()}"
            # Never echo a database URL: it may carry a password.
            shown = "" if field == "database_url" else f" (got {problem.get('input')!r})"
            lines.append(f"{variable}: {problem['msg']}{shown}")
        raise SettingsError("bad setting(s):\n" + "\n".join(lines)) from error
