"""A workspace leaving: when the app is uninstalled or its bot token revoked, the
workspace's installation and token are forgotten, so deliveries there stop."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack.installations import InstallationStore

log = logging.getLogger(__name__)


class Uninstalls:
    """The listeners for `app_uninstalled` and `tokens_revoked`."""

    def __init__(self, installations: InstallationStore | None) -> None:
        self._installations = installations

    def register(self, app: AsyncApp) -> None:
        """Attach the listeners to the bolt app."""
        app.event("app_uninstalled")(self.on_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)

    async def on_uninstalled(self, body: dict[str, Any]) -> None:
        """The app was uninstalled from a workspace."""
        await self._forget_workspace(str(body.get("team_id", "")))

    async def on_tokens_revoked(self, body: dict[str, Any]) -> None:
        """Tokens were revoked: we hold only bot tokens, so a revoked bot token is the
        whole installation."""
        tokens = (body.get("event") or {}).get("tokens") or {}
        if tokens.get("bot"):
            await self._forget_workspace(str(body.get("team_id", "")))

    async def _forget_workspace(self, team_id: str) -> None:
        if self._installations is None:
            log.warning("slack app uninstalled; update CB_SLACK_BOT_TOKEN", extra={"team": team_id})
            return
        await self._installations.async_delete_all(enterprise_id=None, team_id=team_id)
