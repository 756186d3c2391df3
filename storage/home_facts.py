"""The App Home's facts about an officer (`bot.ports.HomeFactsReader`): read-only queries.

What the facts mean (the streak, the next module) is decided in `bot.home`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.home import HomeFacts
from storage.pacing_rows import pacing_of_row
from storage.store import SqlTransaction
from storage.tables import AnswerRow, Council, Identity, Learner, ReviewLogRow, SrsCard


class SqlHomeFacts:
    """Reads an officer's App Home facts by their platform identity."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def home_facts(
        self, platform: str, user_id: str, now: dt.datetime, since: dt.datetime
    ) -> HomeFacts | None:
        """The learner's facts, or None if the bot has not met them (nothing is created)."""
        with Session(self._engine) as session:
            identity = session.exec(
                select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
            ).first()
            learner = session.get(Learner, identity.learner_id) if identity else None
            if learner is None or learner.id is None:
                return None
            council = session.get(Council, learner.council_id) if learner.council_id else None
            return HomeFacts(
                pacing=pacing_of_row(session, learner),
                council_code=council.code if council else None,
                council_name=council.name if council else None,
                module_id=learner.module_id,
                progress=SqlTransaction(session).progress(learner.id),
                answered_at=_answered_at(session, learner.id, since),
                refreshers_due=_due(session, learner.id, now),
            )


def _answered_at(session: Session, learner_id: int, since: dt.datetime) -> tuple[dt.datetime, ...]:
    """When the learner answered a quiz question or a refresher, since a time."""
    quiz = session.exec(
        select(AnswerRow.answered_at).where(
            AnswerRow.learner_id == learner_id, col(AnswerRow.answered_at) >= since
        )
    ).all()
    refreshers = session.exec(
        select(ReviewLogRow.reviewed_at).where(
            ReviewLogRow.learner_id == learner_id, col(ReviewLogRow.reviewed_at) >= since
        )
    ).all()
    return (*quiz, *refreshers)


def _due(session: Session, learner_id: int, now: dt.datetime) -> int:
    """How many of the learner's refresher cards are due."""
    count = session.exec(
        select(func.count())
        .select_from(SrsCard)
        .where(SrsCard.learner_id == learner_id, col(SrsCard.due) <= now)
    ).one()
    return int(count)
