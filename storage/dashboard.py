"""Storage for the dashboard's sign-in links: the handler of the `/dashboard` effect."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.flows.dashboard import StoreDashboardToken
from storage.council_tables import DashboardToken


def store_dashboard_token(
    session: Session, learner_id: int, effect: StoreDashboardToken, at: dt.datetime
) -> None:
    """Insert the hash of a one-time sign-in secret with its expiry."""
    session.add(
        DashboardToken(
            token_hash=effect.token_hash,
            learner_id=learner_id,
            council_id=effect.council_id,
            expires_at=effect.expires_at,
            created_at=at,
        )
    )
