"""Storage and migrations, each test on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

import storage.council_tables
import storage.tables  # noqa: F401
from bot.messages import ConversationRef
from bot.state import AnswerRecord, ModuleProgress, ModuleStatus, Stage
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, is_current, upgrade
from storage.store import SqlStore
from storage.tables import AnswerRow, Council, ProcessedInbound
from tests.support.chat import ChatUser, make_services

REF = ConversationRef("test", "conv-1", "user-1", {"tenant": "t1"})
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_migrations_create_exactly_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert is_current(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert set(inspect(engine).get_table_names()) >= {
        "council",
        "learner",
        "identity",
        "module_progress",
        "answer",
        "processed_inbound",
        "alembic_version",
    }
    upgrade(engine)  # running again is harmless
    assert is_current(engine)


def test_migrations_downgrade_to_empty(empty_db_url: str) -> None:
    from alembic import command

    from storage.migrate import _config

    engine = make_engine(empty_db_url)
    upgrade(engine)
    command.downgrade(_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_learner_created_once_and_state_round_trips(store: SqlStore) -> None:
    council = store.ensure_council("demo", "Demo Council", "demo", AT)
    assert store.ensure_council("demo", "Other name", "x", AT) == council
    with store.transaction() as tx:
        state = tx.learner_for(REF, AT)
        assert state.stage is Stage.NEW
        moved = state.__class__(
            **{
                **state.__dict__,
                "council_id": council.id,
                "stage": Stage.ACTIVE,
                "question_shown_at": AT,
                "working_days": ("mon", "wed"),
            }
        )
        tx.save_learner(moved, AT)
    with store.transaction() as tx:
        again = tx.learner_for(REF, AT + dt.timedelta(hours=1))
    # Writing again is what marks the learner as seen.
    assert again == replace(moved, last_seen_at=AT + dt.timedelta(hours=1))
    assert again.question_shown_at is not None and again.question_shown_at.tzinfo is dt.UTC


def test_datetimes_are_stored_as_utc(store: SqlStore) -> None:
    london_summer = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with store.transaction() as tx:
        learner = tx.learner_for(REF, AT)
        tx.record_answer(
            learner.learner_id,
            AnswerRecord("m", "q", 1, "a", True, london_summer, 1500),
        )
    with store.transaction() as tx:
        stored = tx.answers(learner.learner_id, "m", 1)["q"]
    assert stored.answered_at == dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    assert stored.answered_at.tzinfo is dt.UTC


def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.transaction() as tx:
        tx.learner_for(REF, dt.datetime(2026, 3, 2, 9, 0))


def test_an_answer_is_recorded_once_per_attempt(store: SqlStore) -> None:
    with store.transaction() as tx:
        learner = tx.learner_for(REF, AT)
        first = AnswerRecord("m", "q", 1, "a", True, AT, 100)
        assert tx.record_answer(learner.learner_id, first) is True
        assert tx.record_answer(learner.learner_id, first) is False
        assert tx.record_answer(learner.learner_id, AnswerRecord("m", "q", 2, "b", False, AT, 9))
    with store.transaction() as tx:
        assert tx.answered_questions(learner.learner_id) == frozenset({"q"})
        assert set(tx.answers(learner.learner_id, "m", 1)) == {"q"}


def test_progress_upserts(store: SqlStore) -> None:
    with store.transaction() as tx:
        learner = tx.learner_for(REF, AT)
        tx.save_progress(learner.learner_id, ModuleProgress("m", ModuleStatus.IN_PROGRESS, 1, AT))
    with store.transaction() as tx:
        done = ModuleProgress("m", ModuleStatus.COMPLETED, 1, AT, AT, 3, 4)
        tx.save_progress(learner.learner_id, done)
    with store.transaction() as tx:
        assert tx.progress(learner.learner_id) == {"m": done}


def test_inbound_ids_are_claimed_once_and_pruned(store: SqlStore) -> None:
    with store.transaction() as tx:
        assert tx.claim_inbound("test", "m-1", AT) is True
        assert tx.claim_inbound("test", "m-1", AT) is False
        assert tx.claim_inbound("other", "m-1", AT) is True
    with store.transaction() as tx:
        assert tx.claim_inbound("test", "m-2", AT + dt.timedelta(days=8)) is True
    assert store.prune_processed_inbound(AT + dt.timedelta(days=1)) == 2
    with Session(store.engine) as session:
        assert [r.message_id for r in session.exec(select(ProcessedInbound))] == ["m-2"]


def test_a_failed_transaction_leaves_nothing(store: SqlStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        learner = tx.learner_for(REF, AT)
        tx.record_answer(learner.learner_id, AnswerRecord("m", "q", 1, "a", True, AT, 1))
        raise RuntimeError("crash before commit")
    with Session(store.engine) as session:
        assert session.exec(select(AnswerRow)).all() == []


def test_concurrent_presses_of_one_answer_record_it_once(
    db_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    """Two platform deliveries of the same answer racing in two threads: one answer."""
    user = ChatUser(make_services(db_url, clock, demo_curriculum), clock)
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    user.press("Start my first bite")
    for _ in range(3):
        user.press("Continue")
    payload = user.payload_of("Running the contract after award")
    barrier = threading.Barrier(4)
    results: list[int] = []

    def press() -> None:
        barrier.wait()
        results.append(len(user.press_payload(payload)))

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(user.services.engine) as session:
        answers = session.exec(select(AnswerRow)).all()
    assert len(answers) == 1
    assert sorted(results) == [1, 1, 1, 1]  # one feedback, three "already answered"


def test_a_council_changed_in_this_process_is_read_anew(store: SqlStore) -> None:
    """Councils are cached in process (storage/council_cache.py); any write to one clears it."""
    council = store.ensure_council("demo", "Demo Council", "demo", AT)
    with store.transaction() as tx:
        assert tx.council(council.id) == council
    assert store.set_council_pacing("demo", timezone="Europe/Dublin") is not None
    with store.transaction() as tx:
        assert tx.council(council.id) == replace(council, timezone="Europe/Dublin")
    with Session(store.engine) as session, session.begin():
        row = session.exec(select(Council).where(Council.code == "demo")).one()
        row.name = "Renamed Council"
        session.add(row)
    with store.transaction() as tx:
        assert tx.council(council.id) == replace(
            council, name="Renamed Council", timezone="Europe/Dublin"
        )
