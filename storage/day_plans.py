"""Planning a local day into delivery rows, in bulk: the facts the pure planner needs
(learners, due cards, waiting campaign questions and check-ups, unanswered rounds), the
leave that has ended, and the one writer of planned deliveries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.deliveries import DeliveryKind, PlannedDelivery
from scheduler import srs
from scheduler.pacing import (
    DEFAULT_LEARNING_TIME,
    DEFAULT_NATION,
    DEFAULT_TIMEZONE,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    Pacing,
    parse_hhmm,
)
from scheduler.planner import (
    CampaignItem,
    CheckupItem,
    DueCard,
    LearnerPlan,
    PlanFunction,
    RoundRules,
    leave_shift,
)
from scheduler.srs import Memory
from storage.tables import Delivery, Learner, Organisation, PlanRun, SrsCard

INSERT_CHUNK = 5000
PLAN_PAGE = 5000
_INSERT_SQLITE = (
    "INSERT INTO delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0) "
    "ON CONFLICT (key) DO NOTHING"
)
# PostgreSQL: one statement per chunk, the columns passed as arrays (a row-by-row
# executemany costs a round trip per row even when pipelined).
_INSERT_POSTGRES = (
    "INSERT INTO delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) "
    "SELECT k, l, kd, r, p, d, d, %s, 'queued', 0 FROM unnest("
    "%s::varchar[], %s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[]"
    ") AS t(k, l, kd, r, p, d) ON CONFLICT (key) DO NOTHING"
)


@dataclass(frozen=True)
class DayPlanned:
    """What one planning run stored."""

    timezone: str
    day: dt.date
    learners: int
    deliveries: int


# The campaign questions waiting for some learners on a local date (storage.campaigns),
# and the learning-effect check-ups due (storage.effect_probes).
CampaignFacts = Callable[[Session, dt.date, list[int]], dict[int, list[CampaignItem]]]
CheckupFacts = Callable[[Session, dt.date, list[int]], dict[int, list[CheckupItem]]]


def _sqlite_stamp(at: dt.datetime) -> str:
    # The text form SQLAlchemy's SQLite DateTime stores (naive UTC, see storage.types).
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


def write_planned(session: Session, planned: Sequence[PlannedDelivery], at: dt.datetime) -> int:
    """The one writer of planned deliveries (the day's plan, a manager's nudge): a bulk
    insert through the driver, since planning writes a row per learner per message and
    SQLAlchemy's per-value processing would cost more than the database does. A key
    planned before is left alone; returns how many rows were added."""
    if not planned:
        return 0
    connection = session.connection()
    added = 0
    if connection.dialect.name != "sqlite":
        for start in range(0, len(planned), INSERT_CHUNK):
            chunk = planned[start : start + INSERT_CHUNK]
            columns = (
                [p.key for p in chunk],
                [p.learner_id for p in chunk],
                [p.kind.value for p in chunk],
                [p.ref for p in chunk],
                [p.payload for p in chunk],
                [_aware(p.due_at) for p in chunk],
            )
            result = connection.exec_driver_sql(_INSERT_POSTGRES, (_aware(at), *columns))
            added += max(result.rowcount, 0)
        return added
    created = _sqlite_stamp(at)
    rows = [
        (p.key, p.learner_id, p.kind.value, p.ref, p.payload, due, due, created)
        for p in planned
        for due in (_sqlite_stamp(p.due_at),)
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        result = connection.exec_driver_sql(_INSERT_SQLITE, rows[start : start + INSERT_CHUNK])
        added += max(result.rowcount, 0)
    return added


def _effective_timezone() -> ColumnElement[str]:
    return func.coalesce(col(Learner.timezone), col(Organisation.timezone), DEFAULT_TIMEZONE)


class DayPlanning:
    """Planning a day, mixed into `storage.deliveries.SqlDeliveries` (which owns the
    engine, the facts readers and the set of days this process knows are planned)."""

    _campaigns: CampaignFacts | None
    _checkups: CheckupFacts | None
    _planned: set[tuple[str, dt.date]]

    def _session(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def timezones(self) -> list[str]:
        """The time zones of learners who may be sent something."""
        tz = _effective_timezone()
        with self._session() as session:
            rows = session.execute(
                sql_select(tz)
                .select_from(Learner)
                .join(Organisation, col(Learner.org_id) == col(Organisation.id), isouter=True)
                .where(col(Learner.stage) == "active", col(Learner.paused).is_(False))
                .distinct()
            ).scalars()
            return sorted(str(name) for name in rows)

    def plan_day(
        self, timezone: str, day: dt.date, end_utc: dt.datetime, at: dt.datetime, plan: PlanFunction
    ) -> DayPlanned | None:
        """Plan a local day for every learner in a time zone, once: None if it was planned
        already (by this or another process)."""
        if (timezone, day) in self._planned:
            return None
        with self._session() as session:
            try:
                with session.begin_nested():
                    session.add(PlanRun(timezone=timezone, local_date=day, planned_at=at))
            except IntegrityError:
                self._planned.add((timezone, day))
                return None
            learner_count = delivery_count = 0
            after = 0
            # In pages of learners, so memory stays flat however many learners there are;
            # one transaction, so the day is planned wholly or not at all.
            while learners := self._learners(session, timezone, after, PLAN_PAGE):
                after = learners[-1].learner_id
                self._end_leave(session, learners, day)
                first = learners[0].learner_id
                cards = self._due_cards(session, timezone, end_utc, first, after)
                learners = self._with_rounds(session, learners, first, after)
                ids = [p.learner_id for p in learners]
                waiting = self._campaigns(session, day, ids) if self._campaigns else {}
                checkups = self._checkups(session, day, ids) if self._checkups else {}
                planned: list[PlannedDelivery] = []
                for learner in learners:
                    planned += plan(
                        learner,
                        day,
                        cards.get(learner.learner_id, []),
                        waiting.get(learner.learner_id, []),
                        checkups.get(learner.learner_id, []),
                    )
                self._insert(session, planned, at)
                learner_count += len(learners)
                delivery_count += len(planned)
            run = session.get(PlanRun, (timezone, day))
            assert run is not None
            run.learners, run.deliveries = learner_count, delivery_count
            session.add(run)
        self._planned.add((timezone, day))
        return DayPlanned(timezone, day, learner_count, delivery_count)

    def _learners(
        self, session: Session, timezone: str, after: int, limit: int
    ) -> list[LearnerPlan]:
        tz = _effective_timezone()
        rows = session.execute(
            sql_select(
                col(Learner.id),
                col(Learner.nation),
                col(Organisation.nation),
                col(Learner.working_days),
                col(Learner.learning_time),
                col(Organisation.work_start),
                col(Organisation.work_end),
                col(Learner.away_from),
                col(Learner.away_until),
                col(Learner.nudges_ignored),
                col(Learner.last_nudge_at),
                col(Organisation.lesson_cap),
                col(Organisation.round_size),
                col(Organisation.round_size_lesson_day),
                col(Organisation.backlog_limit),
                col(Organisation.desired_retention),
                col(Learner.module_id),
            )
            .select_from(Learner)
            .join(Organisation, col(Learner.org_id) == col(Organisation.id), isouter=True)
            .where(
                col(Learner.stage) == "active",
                col(Learner.paused).is_(False),
                tz == timezone,
                col(Learner.id) > after,
            )
            .order_by(col(Learner.id))
            .limit(limit)
        ).all()
        return [_learner_plan(timezone, row) for row in rows]

    def _with_rounds(
        self, session: Session, learners: list[LearnerPlan], first: int, last: int
    ) -> list[LearnerPlan]:
        """Add how many rounds were sent since each learner last wrote, and when the
        latest of them went (the planner's quiet rule for rounds)."""
        seen = func.coalesce(col(Learner.last_seen_at), col(Learner.created_at))
        rows = session.execute(
            sql_select(col(Delivery.learner_id), func.count(), func.max(col(Delivery.sent_at)))
            .join(Learner, col(Delivery.learner_id) == col(Learner.id))
            .where(
                col(Delivery.learner_id).between(first, last),
                col(Delivery.kind) == DeliveryKind.ROUND.value,
                col(Delivery.status) == "sent",
                col(Delivery.sent_at) > seen,
            )
            .group_by(col(Delivery.learner_id))
        ).all()
        unanswered = {r[0]: (int(r[1]), r[2]) for r in rows}
        return [
            replace(p, rounds_unanswered=n, last_round_at=_aware(at))
            if (found := unanswered.get(p.learner_id)) and (n := found[0]) and (at := found[1])
            else p
            for p in learners
        ]

    def _end_leave(self, session: Session, learners: list[LearnerPlan], day: dt.date) -> None:
        """Leave that has ended: push the learner's due dates back by its length, so the
        backlog is what was due before the leave, then forget the leave."""
        for index, learner in enumerate(learners):
            shift = leave_shift(learner.pacing, day)
            if shift is None:
                continue
            for card in session.exec(
                select(SrsCard).where(SrsCard.learner_id == learner.learner_id)
            ).all():
                card.due = card.due + shift
                session.add(card)
            row = session.get(Learner, learner.learner_id)
            assert row is not None
            row.away_from = row.away_until = None
            session.add(row)
            pacing = replace(learner.pacing, away_from=None, away_until=None)
            learners[index] = replace(learner, pacing=pacing)

    def _due_cards(
        self, session: Session, timezone: str, end_utc: dt.datetime, first: int, last: int
    ) -> dict[int, list[DueCard]]:
        tz = _effective_timezone()
        rows = session.execute(
            sql_select(
                col(SrsCard.learner_id),
                col(SrsCard.question_id),
                col(SrsCard.id),
                col(SrsCard.state),
                col(SrsCard.step),
                col(SrsCard.stability),
                col(SrsCard.difficulty),
                col(SrsCard.due),
                col(SrsCard.last_review),
            )
            .join(Learner, col(SrsCard.learner_id) == col(Learner.id))
            .join(Organisation, col(Learner.org_id) == col(Organisation.id), isouter=True)
            .where(
                col(SrsCard.learner_id).between(first, last),
                col(SrsCard.due) < end_utc,
                col(SrsCard.held_out).is_(False),  # the learning-effect measure's held-out point
                col(Learner.stage) == "active",
                col(Learner.paused).is_(False),
                tz == timezone,
            )
        ).all()
        cards: dict[int, list[DueCard]] = {}
        for learner_id, question_id, *memory in rows:
            cards.setdefault(learner_id, []).append(DueCard(question_id, Memory(*memory)))
        return cards

    def _insert(
        self, session: Session, planned: Sequence[PlannedDelivery], at: dt.datetime
    ) -> None:
        write_planned(session, planned, at)

    def add(self, planned: Sequence[PlannedDelivery], at: dt.datetime) -> None:
        """Store deliveries planned elsewhere (e.g. a manager's nudge); duplicates ignored."""
        with self._session() as session:
            write_planned(session, planned, at)


def _learner_plan(timezone: str, r: Sequence[Any]) -> LearnerPlan:
    """One row of `_learners` as the planner's facts, with the pacing defaults where the
    learner and their council leave a setting empty."""
    defaults = RoundRules()
    return LearnerPlan(
        learner_id=r[0],
        pacing=Pacing(
            timezone=timezone,
            nation=r[1] or r[2] or DEFAULT_NATION,
            working_days=tuple(r[3].split()),
            learning_time=parse_hhmm(r[4], DEFAULT_LEARNING_TIME),
            work_start=parse_hhmm(r[5], DEFAULT_WORK_START),
            work_end=parse_hhmm(r[6], DEFAULT_WORK_END),
            away_from=r[7],
            away_until=r[8],
        ),
        nudges_ignored=r[9],
        last_nudge_at=r[10],
        lesson_cap=1 if r[11] is None else r[11],
        rounds=RoundRules(
            defaults.size if r[12] is None else r[12],
            defaults.size_lesson_day if r[13] is None else r[13],
            defaults.backlog_limit if r[14] is None else r[14],
        ),
        retention=r[15] or srs.DEFAULT_RETENTION,
        in_module=r[16] is not None,
    )
