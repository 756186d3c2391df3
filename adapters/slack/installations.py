"""Slack workspace installations and OAuth states for slack-bolt, kept in the project's own
database behind the ports `bot.ports.WorkspaceInstallations` and `bot.ports.OAuthStates`
(implemented in storage/workspaces.py).

Bot tokens are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
CB_SLACK_TOKEN_KEY, so a copy of the database or a backup alone does not let anyone post
as the app; the first key encrypts, every key decrypts (rotate by putting a new key
first). Tokens are never logged: log lines name the workspace only.

Only workspace installs with a bot token are supported (no user tokens, no org-wide
Enterprise Grid installs, no token rotation); the manifest asks for exactly that.
"""

from __future__ import annotations

import binascii
import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack.config import SlackConfigError
from bot.ports import Clock, OAuthStates, WorkspaceInstallations
from bot.workspaces import WorkspaceInstallation

log = logging.getLogger(__name__)
STATE_LIFETIME = dt.timedelta(minutes=10)


class TokenCipher:
    """Encrypts and decrypts bot tokens with the configured Fernet keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SlackConfigError("CB_SLACK_TOKEN_KEY: set at least one key")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, binascii.Error, UnicodeEncodeError) as error:
            raise SlackConfigError(
                "CB_SLACK_TOKEN_KEY: each key must be a Fernet key "
                "(32 url-safe base64 bytes; `bites slack token-key` makes one)"
            ) from error

    @staticmethod
    def new_key() -> str:
        """A fresh random key, for CB_SLACK_TOKEN_KEY."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, token: str) -> str:
        """The token as stored."""
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str | None:
        """The token, or None if no configured key opens it (a lost or removed key)."""
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return None


@dataclass(frozen=True)
class WorkspaceInfo:
    """An installed workspace, without its token (for listings)."""

    team_id: str
    team_name: str | None
    installed_at: dt.datetime


class InstallationStore(AsyncInstallationStore):
    """slack-bolt's installation store: one installation per workspace, its token sealed
    with the configured keys before it reaches the database."""

    def __init__(
        self, installations: WorkspaceInstallations, cipher: TokenCipher, clock: Clock
    ) -> None:
        self._installations = installations
        self._cipher = cipher
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        """The logger bolt may use for this store."""
        return log

    # ---- synchronous core (database I/O; call from a thread in async code) ----------

    def save(self, installation: Installation) -> None:
        """Insert or replace the workspace's installation."""
        if installation.team_id is None or installation.is_enterprise_install:
            raise BoltError("org-wide (Enterprise Grid) installs are not supported")
        if not (installation.bot_token and installation.bot_id and installation.bot_user_id):
            raise BoltError("the installation has no bot token")
        self._installations.save_installation(
            WorkspaceInstallation(
                team_id=installation.team_id,
                bot_id=installation.bot_id,
                bot_user_id=installation.bot_user_id,
                bot_token=self._cipher.encrypt(installation.bot_token),
                installed_at=self._clock.now(),
                enterprise_id=installation.enterprise_id,
                team_name=installation.team_name,
                app_id=installation.app_id,
                bot_scopes=",".join(installation.bot_scopes or []),
                installer_user_id=installation.user_id,
            )
        )
        log.info("slack workspace installed", extra={"team": installation.team_id})

    def _stored(self, team_id: str | None) -> WorkspaceInstallation | None:
        return self._installations.installation(team_id) if team_id else None

    def bot_token(self, team_id: str | None) -> str | None:
        """The workspace's bot token, or None if it is not installed (or cannot be read)."""
        stored = self._stored(team_id)
        if stored is None:
            return None
        token = self._cipher.decrypt(stored.bot_token)
        if token is None:
            log.warning("slack token unreadable with the configured keys", extra={"team": team_id})
        return token

    def delete(self, team_id: str | None) -> bool:
        """Forget a workspace's installation and token; False if there was none."""
        if not team_id:
            return False
        deleted = self._installations.delete_installation(team_id)
        log.info("slack workspace tokens deleted", extra={"team": team_id, "found": deleted})
        return deleted

    def workspaces(self) -> list[WorkspaceInfo]:
        """Every installed workspace, oldest first."""
        return [
            WorkspaceInfo(w.team_id, w.team_name, w.installed_at)
            for w in self._installations.installations()
        ]

    def _bot(self, team_id: str | None) -> Bot | None:
        stored = self._stored(team_id)
        token = self._cipher.decrypt(stored.bot_token) if stored is not None else None
        if stored is None or token is None:
            return None
        return Bot(
            app_id=stored.app_id,
            enterprise_id=stored.enterprise_id,
            team_id=stored.team_id,
            team_name=stored.team_name,
            bot_token=token,
            bot_id=stored.bot_id,
            bot_user_id=stored.bot_user_id,
            bot_scopes=stored.bot_scopes,
            installed_at=stored.installed_at.timestamp(),
        )

    # ---- slack-bolt's asynchronous interface ----------------------------------------

    async def async_save(self, installation: Installation) -> None:
        """Store an installation that has just completed OAuth."""
        await anyio.to_thread.run_sync(self.save, installation)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The workspace's bot, for bolt's authorization of each request."""
        return await anyio.to_thread.run_sync(self._bot, team_id)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The workspace's installation (bot token only; there are no user tokens)."""
        bot = await anyio.to_thread.run_sync(self._bot, team_id)
        if bot is None or user_id is not None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id="",
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot token."""
        await anyio.to_thread.run_sync(self.delete, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the workspace's installation (a user's: nothing is stored for users)."""
        if user_id is None:
            await anyio.to_thread.run_sync(self.delete, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything about the workspace."""
        await anyio.to_thread.run_sync(self.delete, team_id)


class OAuthStateStore(AsyncOAuthStateStore):
    """One-time OAuth `state` values, kept where every replica sees them, so any replica
    can finish an install."""

    def __init__(self, states: OAuthStates, clock: Clock) -> None:
        self._states = states
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        """The logger bolt may use for this store."""
        return log

    def issue(self) -> str:
        """A new state, valid for ten minutes; expired ones are swept at the same time."""
        state = secrets.token_urlsafe(32)
        now = self._clock.now()
        self._states.add_state(state, now + STATE_LIFETIME, now)
        return state

    def consume(self, state: str) -> bool:
        """True once for a state that was issued and has not expired."""
        return self._states.spend_state(state, self._clock.now())

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """bolt: issue a state for /slack/install."""
        return await anyio.to_thread.run_sync(self.issue)

    async def async_consume(self, state: str) -> bool:
        """bolt: check and spend the state on /slack/oauth_redirect."""
        return await anyio.to_thread.run_sync(self.consume, state or "")
