"""The SQL store: implements the bot's Store and Transaction ports with SQLModel."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import Engine, delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.council_pacing import PACING_FIELDS
from bot.deliveries import AnswerReview
from bot.effects import FlowEffect
from bot.messages import ConversationRef
from bot.ports import NOTHING_ALONG, ReadAlong
from bot.state import (
    AnswerRecord,
    Awaiting,
    CouncilInfo,
    LearnerState,
    ModuleProgress,
    Stage,
)
from scheduler.pacing import DEFAULT_WORKING_DAYS
from scheduler.srs import Memory, memory_to_json
from storage import learner_rows, quiz_reads
from storage.capability import AssessmentReads
from storage.council_cache import CouncilCache
from storage.delivery_reads import DeliveryReads
from storage.gdpr import PersonalDataReads
from storage.learner_rows import RoundRow
from storage.people import PeopleReads
from storage.tables import (
    AnswerRow,
    Council,
    Identity,
    Learner,
    ModuleProgressRow,
    ProcessedInbound,
)


class SqlStore:
    """Opens SQL transactions; one per inbound message."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._councils = CouncilCache()  # councils by id, see storage/council_cache.py

    @property
    def engine(self) -> Engine:
        """The engine behind the store."""
        return self._engine

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """A unit of work that commits on success and rolls back on any error."""
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield SqlTransaction(session, self._councils)

    def join_code_of(self, code: str) -> str | None:
        """The join code stored for a council."""
        with self.transaction() as tx:
            row = tx.session.exec(select(Council).where(Council.code == code)).first()
            return row.join_code if row else None

    def ensure_council(self, code: str, name: str, join_code: str, at: dt.datetime) -> CouncilInfo:
        """Create a council if its code is new; return it either way."""
        with self.transaction() as tx:
            row = tx.session.exec(select(Council).where(Council.code == code)).first()
            if row is None:
                row = Council(code=code, name=name, join_code=join_code, created_at=at)
                tx.session.add(row)
                tx.session.flush()
            assert row.id is not None
            return _to_council(row)

    def set_council_pacing(self, code: str, **values: object) -> CouncilInfo | None:
        """Change a council's pacing settings (time zone, nation, working hours, desired
        retention, daily caps); None if there is no council with that code."""
        allowed = set(PACING_FIELDS)
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not pacing settings: {', '.join(sorted(unknown))}")
        with self.transaction() as tx:
            row = tx.session.exec(select(Council).where(Council.code == code)).first()
            if row is None:
                return None
            for name, value in values.items():
                setattr(row, name, value)
            tx.session.add(row)
            tx.session.flush()
            return _to_council(row)

    def council_code_for(self, platform: str, tenant: str) -> str | None:
        """The council code registered for a Teams tenant or a Slack workspace, if any."""
        column = getattr(Council, _TENANT_FIELDS[platform])
        with self.transaction() as tx:
            row = tx.session.exec(select(Council).where(column == tenant)).first()
            return row.code if row else None

    def register_tenant(self, code: str, platform: str, tenant: str | None) -> bool:
        """Link (or with None unlink) a council to a Teams tenant or Slack workspace;
        False if there is no council with that code."""
        with self.transaction() as tx:
            row = tx.session.exec(select(Council).where(Council.code == code)).first()
            if row is None:
                return False
            setattr(row, _TENANT_FIELDS[platform], tenant)
            tx.session.add(row)
            return True

    def prune_processed_inbound(self, older_than: dt.datetime) -> int:
        """Forget platform message ids received before a time; return how many."""
        with self.transaction() as tx:
            result = tx.session.exec(
                delete(ProcessedInbound).where(col(ProcessedInbound.received_at) < older_than)
            )
            return int(result.rowcount or 0)


_TENANT_FIELDS = {"teams": "teams_tenant_id", "slack": "slack_team_id"}


class SqlTransaction(DeliveryReads, PeopleReads, AssessmentReads, PersonalDataReads):
    """The reads and writes of one inbound message, inside one database transaction."""

    def __init__(self, session: Session, councils: CouncilCache | None = None) -> None:
        self.session = session
        self._councils = councils or CouncilCache(ttl=0)
        self._loaded: dict[int, LearnerState] = {}  # learners as read, before this message
        self._cards: dict[tuple[int, str], Memory | None] = {}  # cards read with them
        self._rounds: dict[int, RoundRow | None] = {}  # rounds read with them, by id
        self._checked: dict[int, quiz_reads.Checked] = {}  # answered check-ups, too
        # A quiz answer's module records and attempt answers, read with the learner.
        self._quiz: dict[int, tuple[str | None, int, quiz_reads.Records]] = {}
        self._effects_applied = False

    def learner(self, learner_id: int) -> LearnerState | None:
        """A learner's state, read only."""
        row = self.session.get(Learner, learner_id)
        return _to_state(row) if row else None

    def claim_inbound(self, platform: str, message_id: str, at: dt.datetime) -> bool:
        """Record a message id; False if it was handled before."""
        return learner_rows.claim_inbound(self.session, platform, message_id, at)

    def learner_for(
        self, ref: ConversationRef, at: dt.datetime, along: ReadAlong = NOTHING_ALONG
    ) -> LearnerState:
        """The learner for a platform identity, created on first contact, locked for
        update; what `along` names (a card, a round) is read in the same query."""
        loaded = learner_rows.load(self.session, ref, along)
        if loaded is None:
            try:
                with self.session.begin_nested():
                    state = self._create_learner(ref, at)
                self._loaded[state.learner_id] = state
                if along.card_question is not None:
                    self._cards[(state.learner_id, along.card_question)] = None
                if along.round_id is not None:
                    self._rounds[along.round_id] = None  # a new learner has no rounds
                return state
            except IntegrityError:
                # Two first messages at once: the other transaction created this learner
                # and has committed (PostgreSQL waited for it), so read theirs.
                loaded = learner_rows.load(self.session, ref, along)
                assert loaded is not None
        state = loaded.state
        if loaded.identity_stale:
            learner_rows.touch_identity(self.session, loaded.identity_id, ref, at)
        self._loaded[state.learner_id] = state
        if along.card_question is not None:
            self._cards[(state.learner_id, along.card_question)] = loaded.card
        if loaded.quiz is not None:
            self._quiz[state.learner_id] = (state.module_id, state.attempt, loaded.quiz)
        if along.round_id is not None:
            self._rounds[along.round_id] = loaded.round
            question = (
                loaded.round.question(along.round_item)
                if loaded.round is not None and along.round_item is not None
                else None
            )
            if question is not None:
                self._cards[(state.learner_id, question)] = loaded.round_card
        # Writing to us proves the learner can be reached: saved with the state.
        return replace(state, last_seen_at=at, nudges_ignored=0)

    def _create_learner(self, ref: ConversationRef, at: dt.datetime) -> LearnerState:
        learner = Learner(
            stage=Stage.NEW.value,
            awaiting=Awaiting.NOTHING.value,
            working_days=" ".join(DEFAULT_WORKING_DAYS),
            last_seen_at=at,
            created_at=at,
            updated_at=at,
        )
        self.session.add(learner)
        self.session.flush()
        assert learner.id is not None
        self.session.add(
            Identity(
                learner_id=learner.id,
                platform=ref.platform,
                user_id=ref.user_id,
                conversation_id=ref.conversation_id,
                extra=json.dumps(ref.extra, sort_keys=True),
                last_seen_at=at,
                created_at=at,
            )
        )
        self.session.flush()  # a simultaneous first message fails here (see learner_for)
        return _to_state(learner)

    def save_learner(self, state: LearnerState, at: dt.datetime) -> None:
        """Write the learner's state back: one UPDATE of the columns that changed since
        `learner_for` read it (all of the state's columns after an effect, which may have
        written the row itself, so that the state wins as it always did)."""
        self.session.flush()  # an effect's pending ORM writes go first
        stored = self._loaded.get(state.learner_id)
        learner_rows.save(self.session, stored, state, at, every_column=self._effects_applied)

    def apply(self, learner_id: int, effect: FlowEffect, at: dt.datetime) -> None:
        """Carry out one of a flow's effects (see `DeliveryReads.apply`)."""
        self._effects_applied = True
        super().apply(learner_id, effect, at)

    def council(self, council_id: int) -> CouncilInfo | None:
        """A council by id, from the process's cache when fresh (see storage/council_cache.py)."""
        known, council = self._councils.get(council_id)
        if known:
            return council
        generation = self._councils.generation()
        row = self.session.get(Council, council_id)
        council = _to_council(row) if row else None
        self._councils.put(council_id, council, generation)
        return council

    def council_by_join_code(self, join_code: str) -> CouncilInfo | None:
        """A council by join code, ignoring case."""
        row = self.session.exec(
            select(Council).where(func.lower(Council.join_code) == join_code.strip().lower())
        ).first()
        return _to_council(row) if row else None

    def progress(self, learner_id: int) -> dict[str, ModuleProgress]:
        """The learner's module records."""
        return quiz_reads.progress(self.session, learner_id)

    def save_progress(self, learner_id: int, progress: ModuleProgress) -> None:
        """Insert or update one module record (one statement)."""
        table = ModuleProgressRow.__table__  # type: ignore[attr-defined]
        values = {
            "status": progress.status.value,
            "attempt": progress.attempt,
            "started_at": progress.started_at,
            "completed_at": progress.completed_at,
            "score": progress.score,
            "total": progress.total,
        }
        statement = learner_rows.insert_for(self.session, table).values(
            learner_id=learner_id, module_id=progress.module_id, **values
        )
        self.session.execute(
            statement.on_conflict_do_update(index_elements=["learner_id", "module_id"], set_=values)
        )

    def answers(self, learner_id: int, module_id: str, attempt: int) -> dict[str, AnswerRecord]:
        """The answers of one quiz attempt."""
        return quiz_reads.answers(self.session, learner_id, module_id, attempt)

    def progress_and_answers(
        self, learner_id: int, module_id: str, attempt: int
    ) -> tuple[dict[str, ModuleProgress], dict[str, AnswerRecord]]:
        """The module records and one quiz attempt's answers (a quiz's last answer reads
        both to score the attempt): as read with the learner, else in one statement."""
        module, read_attempt, records = self._quiz.pop(learner_id, (None, 0, None))
        if records is not None and (module, read_attempt) == (module_id, attempt):
            return records
        return quiz_reads.progress_and_answers(self.session, learner_id, module_id, attempt)

    def progress_for_round(self, learner_id: int) -> dict[str, ModuleProgress]:
        """The module records, read in one statement with the learner's answered
        check-ups, which `round` then takes from here instead of reading them."""
        records, self._checked[learner_id] = quiz_reads.progress_and_checkups(
            self.session, learner_id
        )
        return records

    def answered_questions(self, learner_id: int) -> frozenset[str]:
        """Every question id the learner has answered."""
        rows = self.session.exec(
            select(AnswerRow.question_id).where(AnswerRow.learner_id == learner_id).distinct()
        ).all()
        return frozenset(rows)

    def record_answer(
        self, learner_id: int, answer: AnswerRecord, review: AnswerReview | None = None
    ) -> bool:
        """Append an answer, with the FSRS review it is on a refresher question (0013);
        False if that question was answered in that attempt already."""
        table = AnswerRow.__table__  # type: ignore[attr-defined]
        statement = (
            learner_rows.insert_for(self.session, table)
            .values(
                learner_id=learner_id,
                module_id=answer.module_id,
                question_id=answer.question_id,
                attempt=answer.attempt,
                option_id=answer.option_id,
                correct=answer.correct,
                answered_at=answer.answered_at,
                duration_ms=answer.duration_ms,
                rating=review.rating if review else None,
                guessed=False,
                card_before=memory_to_json(review.card_before) if review else None,
            )
            .on_conflict_do_nothing(index_elements=["learner_id", "question_id", "attempt"])
            .returning(table.c.id)
        )
        return self.session.execute(statement).first() is not None


def _to_council(row: Council) -> CouncilInfo:
    assert row.id is not None
    return CouncilInfo(
        row.id,
        row.code,
        row.name,
        row.timezone,
        row.nation,
        row.work_start,
        row.work_end,
        row.desired_retention,
        row.lesson_cap,
        row.round_size,
        row.round_size_lesson_day,
        row.backlog_limit,
        row.recall_scale,
    )


def _to_state(row: Learner) -> LearnerState:
    assert row.id is not None
    return LearnerState(
        learner_id=row.id,
        council_id=row.council_id,
        stage=Stage(row.stage),
        awaiting=Awaiting(row.awaiting),
        paused=row.paused,
        learning_time=row.learning_time,
        working_days=tuple(row.working_days.split()),
        module_id=row.module_id,
        cursor=row.cursor,
        attempt=row.attempt,
        pending_question=row.pending_question,
        question_shown_at=row.question_shown_at,
        timezone=row.timezone,
        nation=row.nation,
        away_from=row.away_from,
        away_until=row.away_until,
        last_seen_at=row.last_seen_at,
        nudges_ignored=row.nudges_ignored,
        last_nudge_at=row.last_nudge_at,
        lesson_active_at=row.lesson_active_at,
    )
