"""A chat workspace's installation of the app (Slack's OAuth installs), as stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkspaceInstallation:
    """One workspace's installation. `bot_token` is sealed by the adapter (encrypted):
    storage never holds, or sees, the plain token."""

    team_id: str
    bot_id: str
    bot_user_id: str
    bot_token: str
    installed_at: dt.datetime
    enterprise_id: str | None = None
    team_name: str | None = None
    app_id: str | None = None
    bot_scopes: str = ""  # comma-separated, as Slack lists them
    installer_user_id: str | None = None
