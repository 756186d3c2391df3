"""A learner's FSRS reviews, wherever they are kept: a refresher's in `review_log`, a quiz
answer's on the answer row itself (migration 0013), so the answer path writes one table
fewer. Readers of every review use `every_review`; "I guessed" on a quiz answer finds and
re-rates its review here.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Subquery, Table, literal, select, union_all
from sqlmodel import Session, col
from sqlmodel import select as model_select

from bot.deliveries import ReviewFacts
from scheduler.srs import Memory, grade_for, memory_from_json
from storage.tables import AnswerRow, ReviewLogRow, SrsCard

_LOG: Table = ReviewLogRow.__table__  # type: ignore[attr-defined]
_ANSWER: Table = AnswerRow.__table__  # type: ignore[attr-defined]
# What a right answer said to be a guess is re-rated (see scheduler.srs).
GUESSED = int(grade_for(True, guessed=True))


@cache
def every_review() -> Subquery:
    """Every review as one selectable named `review`: `learner_id`, `question_id`,
    `rating`, `reviewed_at`, `guessed` and `source` ("quiz" or "refresher"). Built once:
    the refreshers' compose reads it for every round."""
    log, answer = _LOG.c, _ANSWER.c
    logged = select(
        log.learner_id, log.question_id, log.rating, log.reviewed_at, log.guessed, log.source
    )
    answered = select(
        answer.learner_id,
        answer.question_id,
        answer.rating,
        answer.answered_at.label("reviewed_at"),
        answer.guessed,
        literal("quiz").label("source"),
    ).where(answer.rating.is_not(None))
    return union_all(logged, answered).subquery("review")


def quiz_review_facts(session: Session, learner_id: int, question_id: str) -> ReviewFacts | None:
    """The learner's latest quiz answer's review of a question, if that was one."""
    row = session.exec(
        model_select(AnswerRow)
        .where(
            AnswerRow.learner_id == learner_id,
            AnswerRow.question_id == question_id,
            col(AnswerRow.rating).is_not(None),
        )
        .order_by(col(AnswerRow.id).desc())
    ).first()
    if row is None or row.id is None or row.rating is None:
        return None
    card = _card(session, learner_id, question_id)
    latest = card is not None and card.last_review == row.answered_at
    before = memory_from_json(row.card_before) if row.card_before else None
    return ReviewFacts(
        row.id, question_id, row.rating, row.guessed, row.answered_at, before, latest, quiz=True
    )


def mark_quiz_guessed(
    session: Session, learner_id: int, facts: ReviewFacts, memory: Memory | None
) -> SrsCard | None:
    """Mark a quiz answer's review a guess; with a memory, re-rate it Hard. Returns the
    card for the caller to store the re-rated memory on (None without a memory)."""
    row = session.get(AnswerRow, facts.review_id)
    assert row is not None and row.learner_id == learner_id
    row.guessed = True
    card = None
    if memory is not None:
        card = _card(session, learner_id, row.question_id)
        assert card is not None
        row.rating = GUESSED
    session.add(row)
    return card


def _card(session: Session, learner_id: int, question_id: str) -> SrsCard | None:
    return session.exec(
        model_select(SrsCard).where(
            SrsCard.learner_id == learner_id, SrsCard.question_id == question_id
        )
    ).first()
