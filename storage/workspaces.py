"""Installed chat workspaces and one-time OAuth states (`bot.ports.WorkspaceInstallations`,
`bot.ports.OAuthStates`) on the `slack_installation` and `slack_oauth_state` tables.

Tokens arrive sealed by the adapter (see adapters/slack/installations.py) and are stored as
they come: nothing here can read them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from bot.workspaces import WorkspaceInstallation
from storage.tables import SlackInstallation, SlackOAuthState

TEAM_NAME_CHARS = 120  # the columns' widths: longer values from a workspace are cut
SCOPES_CHARS = 1000


class SqlWorkspaces:
    """Workspace installations (one row per workspace) and OAuth states, in SQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save_installation(self, installation: WorkspaceInstallation) -> None:
        """Insert the workspace's installation, or replace the one it had."""
        with Session(self._engine) as session, session.begin():
            row = session.exec(
                select(SlackInstallation).where(SlackInstallation.team_id == installation.team_id)
            ).first() or SlackInstallation(
                team_id=installation.team_id,
                bot_id="",
                bot_user_id="",
                bot_token="",
                installed_at=installation.installed_at,
            )
            row.enterprise_id = installation.enterprise_id
            row.team_name = (installation.team_name or "")[:TEAM_NAME_CHARS] or None
            row.app_id = installation.app_id
            row.bot_id = installation.bot_id
            row.bot_user_id = installation.bot_user_id
            row.bot_token = installation.bot_token
            row.bot_scopes = installation.bot_scopes[:SCOPES_CHARS]
            row.installer_user_id = installation.installer_user_id
            row.installed_at = installation.installed_at
            session.add(row)

    def installation(self, team_id: str) -> WorkspaceInstallation | None:
        """The workspace's installation, if it has one."""
        with Session(self._engine) as session:
            row = session.exec(
                select(SlackInstallation).where(SlackInstallation.team_id == team_id)
            ).first()
            return _installation(row) if row else None

    def delete_installation(self, team_id: str) -> bool:
        """Forget the workspace's installation; False if there was none."""
        with Session(self._engine) as session, session.begin():
            result = session.exec(
                delete(SlackInstallation).where(col(SlackInstallation.team_id) == team_id)
            )
            return bool(result.rowcount)

    def installations(self) -> list[WorkspaceInstallation]:
        """Every installation, oldest first."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(SlackInstallation).order_by(col(SlackInstallation.installed_at))
            ).all()
            return [_installation(row) for row in rows]

    def add_state(self, state: str, expires_at: dt.datetime, now: dt.datetime) -> None:
        """Keep a new state until `expires_at`; states expired at `now` are swept."""
        with Session(self._engine) as session, session.begin():
            session.exec(delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) <= now))
            session.add(SlackOAuthState(state=state, expires_at=expires_at))

    def spend_state(self, state: str, now: dt.datetime) -> bool:
        """True once for a state that was added and has not expired at `now`."""
        with Session(self._engine) as session, session.begin():
            result = session.exec(
                delete(SlackOAuthState).where(
                    col(SlackOAuthState.state) == state, col(SlackOAuthState.expires_at) > now
                )
            )
            return bool(result.rowcount)


def _installation(row: SlackInstallation) -> WorkspaceInstallation:
    return WorkspaceInstallation(
        team_id=row.team_id,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_token=row.bot_token,
        installed_at=row.installed_at,
        enterprise_id=row.enterprise_id,
        team_name=row.team_name,
        app_id=row.app_id,
        bot_scopes=row.bot_scopes,
        installer_user_id=row.installer_user_id,
    )
