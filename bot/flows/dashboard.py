"""`/dashboard`: a one-time sign-in link to the web dashboard, for managers and admins.

The flow is pure: it builds the link from the context's fresh secret and asks, as an
effect, for the secret's SHA-256 hash to be stored with a short expiry. The secret itself
is never stored or logged; it exists only in the reply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from bot.access import can_open_dashboard
from bot.decision import Context, Decision, say, text
from bot.state import LearnerState

SIGN_IN_PATH = "/dashboard/signin"
LINK_LIFETIME = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class StoreDashboardToken:
    """Effect: remember a sign-in link (by the hash of its secret) until it expires."""

    token_hash: str
    council_id: int
    expires_at: dt.datetime


def hash_token(secret: str) -> str:
    """The SHA-256 hex digest under which a one-time secret is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def sign_in_link(state: LearnerState, ctx: Context) -> Decision:
    """Reply with a one-time link to the dashboard, or say who the dashboard is for."""
    t = ctx.texts
    if ctx.council is None or not can_open_dashboard(ctx.actor) or not ctx.fresh_token:
        return say(state, text(t.dashboard_not_for_you))
    url = f"{t.dashboard_base_url.rstrip('/')}{SIGN_IN_PATH}?token={ctx.fresh_token}"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    effect = StoreDashboardToken(
        hash_token(ctx.fresh_token), ctx.council.id, ctx.now + LINK_LIFETIME
    )
    reply = text(t.dashboard_link.format(url=url, minutes=minutes))
    return Decision(state, (reply,), effects=(effect,))
