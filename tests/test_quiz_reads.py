"""A quiz answer reads the learner's module records and the current attempt's answers with
the learner (as JSON arrays in the learner's row): what it reads equals the records read on
their own, timestamps and all, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.messages import ConversationRef
from bot.ports import ReadAlong
from storage import learner_rows, quiz_reads
from storage.store import SqlStore
from storage.tables import AnswerRow, Learner, ModuleProgressRow
from tests.support.statement_count import Counter

ANN = ConversationRef("telegram", "1", "ann", {})
AT = dt.datetime(2026, 3, 2, 9, 0, 12, 500000, tzinfo=dt.UTC)
ALONG = ReadAlong(card_question="t2-q1")


def learner_in_a_retake(store: SqlStore) -> int:
    """Ann: module one done, module two on its second attempt with two answers so far."""
    with store.transaction() as tx:
        ann = tx.learner_for(ANN, AT).learner_id
    with Session(store.engine) as session:
        learner = session.get(Learner, ann)
        assert learner is not None
        learner.module_id, learner.attempt = "t2", 2
        done = AT + dt.timedelta(minutes=9, microseconds=1)
        session.add_all(
            [
                learner,
                ModuleProgressRow(
                    learner_id=ann,
                    module_id="t1",
                    status="completed",
                    attempt=1,
                    started_at=AT,
                    completed_at=done,
                    score=3,
                    total=4,
                ),
                ModuleProgressRow(
                    learner_id=ann, module_id="t2", status="in_progress", attempt=2, started_at=AT
                ),
                answer(ann, "t1", "t1-q1", 1, True),  # another module: not read
                answer(ann, "t2", "t2-q1", 1, False),  # the first attempt: not read
                answer(ann, "t2", "t2-q1", 2, True, 4200),
                answer(ann, "t2", "t2-q2", 2, False),
            ]
        )
        session.commit()
    return ann


def answer(
    learner: int, module: str, question: str, attempt: int, correct: bool, ms: int | None = None
) -> AnswerRow:
    return AnswerRow(
        learner_id=learner,
        module_id=module,
        question_id=question,
        attempt=attempt,
        option_id="b",
        correct=correct,
        answered_at=AT + dt.timedelta(seconds=attempt, microseconds=7),
        duration_ms=ms,
    )


def test_a_quiz_answer_reads_the_records_with_the_learner(store: SqlStore) -> None:
    ann = learner_in_a_retake(store)
    with Session(store.engine) as session:
        apart = quiz_reads.progress_and_answers(session, ann, "t2", 2)
    assert sorted(apart[0]) == ["t1", "t2"] and sorted(apart[1]) == ["t2-q1", "t2-q2"]
    assert apart[0]["t1"].completed_at == AT + dt.timedelta(minutes=9, microseconds=1)
    assert apart[1]["t2-q1"].duration_ms == 4200
    counter = Counter(store)
    with store.transaction() as tx:
        state = tx.learner_for(ANN, AT, ALONG)
        read = counter.count
        assert tx.progress_and_answers(ann, state.module_id or "", state.attempt) == apart
        assert counter.count == read  # nothing read again


def test_other_attempts_are_read_on_their_own(store: SqlStore) -> None:
    ann = learner_in_a_retake(store)
    counter = Counter(store)
    with store.transaction() as tx:
        tx.learner_for(ANN, AT, ALONG)
        read = counter.count
        records, answers = tx.progress_and_answers(ann, "t2", 1)
        assert counter.count == read + 1
    assert [a.correct for a in answers.values()] == [False] and sorted(records) == ["t1", "t2"]


def test_a_learner_with_no_records_reads_none(store: SqlStore) -> None:
    with store.transaction() as tx:
        tx.learner_for(ANN, AT)
    with Session(store.engine) as session:
        loaded = learner_rows.load(session, ANN, ALONG)
        assert loaded is not None and loaded.quiz == ({}, {})
        without = learner_rows.load(session, ANN, ReadAlong())
        assert without is not None and without.quiz is None  # not asked for
