"""Dashboard sign-in and sessions: one-time links, session cookies and CSRF tokens.

A sign-in link's secret is stored only as its SHA-256 hash (see `bot.flows.dashboard`);
using it marks it used in one conditional UPDATE, so two presses of the same link sign in
once. A session id is likewise stored only as a hash, with an expiry and a per-session CSRF
secret that every POST form must echo in a hidden field.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col

from bot.access import Actor, can_open_dashboard
from bot.flows.dashboard import hash_token
from bot.ports import Clock
from storage.council_tables import DashboardSession, DashboardToken
from storage.grants import actor_of
from storage.tables import Council, Learner

COOKIE = "cb_dashboard"
SESSION_LIFETIME = dt.timedelta(hours=8)


class LinkStatus(Enum):
    """What a sign-in link is, as far as the person holding it is concerned."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: who, in which council, with which grants, for this session."""

    actor: Actor
    council_code: str
    council_name: str
    name: str
    csrf: str
    session_hash: str


@dataclass(frozen=True)
class SignIn:
    """The outcome of using a link: its status and, when valid, the new session's id."""

    status: LinkStatus
    session_id: str | None = None


class Sessions:
    """Signs people in by link, finds their session from its cookie, and signs them out."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def link_status(self, secret: str) -> LinkStatus:
        """Whether a link can still be used, without using it."""
        with Session(self._engine) as session:
            row = session.get(DashboardToken, hash_token(secret))
            return _status(row, self._clock.now())

    def sign_in(self, secret: str) -> SignIn:
        """Use a one-time link: on success, start a session and return its id."""
        now = self._clock.now()
        token_hash = hash_token(secret)
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            used = session.execute(
                update(DashboardToken)
                .where(
                    col(DashboardToken.token_hash) == token_hash,
                    col(DashboardToken.used_at).is_(None),
                    col(DashboardToken.expires_at) > now,
                )
                .values(used_at=now)
            )
            row = session.get(DashboardToken, token_hash)
            if getattr(used, "rowcount", 0) != 1 or row is None:
                return SignIn(_status(row, now) if row else LinkStatus.UNKNOWN)
            if not can_open_dashboard(actor_of(session, row.learner_id, row.council_id)):
                return SignIn(LinkStatus.UNKNOWN)  # the role was withdrawn meanwhile
            session_id = secrets.token_urlsafe(32)
            session.add(
                DashboardSession(
                    id_hash=hash_token(session_id),
                    learner_id=row.learner_id,
                    council_id=row.council_id,
                    csrf=secrets.token_urlsafe(32),
                    expires_at=now + SESSION_LIFETIME,
                    created_at=now,
                )
            )
            return SignIn(LinkStatus.VALID, session_id)

    def viewer(self, session_id: str | None) -> Viewer | None:
        """The person behind a session cookie, with their grants as stored now (a
        withdrawn role stops working at once); None if signed out or expired."""
        if not session_id:
            return None
        id_hash = hash_token(session_id)
        with Session(self._engine) as session:
            row = session.get(DashboardSession, id_hash)
            if row is None or row.expires_at <= self._clock.now():
                return None
            council = session.get(Council, row.council_id)
            learner = session.get(Learner, row.learner_id)
            if council is None or learner is None or learner.council_id != row.council_id:
                return None
            actor = actor_of(session, row.learner_id, row.council_id)
            if not can_open_dashboard(actor):
                return None
            name = learner.display_name or f"Learner {learner.id}"
            return Viewer(actor, council.code, council.name, name, row.csrf, id_hash)

    def sign_out(self, viewer: Viewer) -> None:
        """End a session (and forget expired ones while at it)."""
        now = self._clock.now()
        with Session(self._engine) as session, session.begin():
            session.execute(
                delete(DashboardSession).where(
                    (col(DashboardSession.id_hash) == viewer.session_hash)
                    | (col(DashboardSession.expires_at) <= now)
                )
            )


def csrf_ok(viewer: Viewer, submitted: str | None) -> bool:
    """Whether a form carried this session's CSRF token (compared in constant time)."""
    return submitted is not None and hmac.compare_digest(viewer.csrf, submitted)


def _status(row: DashboardToken | None, now: dt.datetime) -> LinkStatus:
    if row is None:
        return LinkStatus.UNKNOWN
    if row.used_at is not None:
        return LinkStatus.USED
    if row.expires_at <= now:
        return LinkStatus.EXPIRED
    return LinkStatus.VALID
