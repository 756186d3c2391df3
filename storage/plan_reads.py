"""The facts a day's plan reads in bulk: a page of learners with their pacing, and their due
FSRS cards. The queries are SQLAlchemy Core on the session's connection: the ORM's per-row
machinery would cost more than the queries do (docs/benchmarks.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, String, func, type_coerce
from sqlalchemy import select as sql_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from scheduler import srs
from scheduler.pacing import (
    DEFAULT_TIMEZONE,
    Pacing,
    learner_pacing,
)
from scheduler.planner import DueCard, LearnerPlan, RoundRules
from scheduler.srs import Memory
from storage.tables import Council, Learner, SrsCard

_DEFAULT_ROUNDS = RoundRules()


def effective_timezone() -> ColumnElement[str]:
    """A learner's time zone: their own, else their council's, else Europe/London."""
    return func.coalesce(col(Learner.timezone), col(Council.timezone), DEFAULT_TIMEZONE)


class SharedSettings:
    """Learners who share settings share one `Pacing` and one `RoundRules` value during a
    planning run: the values are built once, and the pacing rules' caches (keyed by
    `Pacing`) find them by identity instead of comparing them field by field."""

    def __init__(self) -> None:
        self._pacing: dict[tuple[Any, ...], Pacing] = {}
        self._rounds: dict[tuple[Any, ...], RoundRules] = {}

    def pacing(self, timezone: str, r: Sequence[Any]) -> Pacing:
        """The pacing of a row of `learner_page` (columns 1 to 8)."""
        key = (timezone, r[1] or r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        found = self._pacing.get(key)
        if found is None:
            found = self._pacing[key] = learner_pacing(
                timezone=timezone,
                nation=r[1] or r[2],
                working_days=r[3],
                learning_time=r[4],
                work_start=r[5],
                work_end=r[6],
                away_from=r[7],
                away_until=r[8],
            )
        return found

    def rounds(self, size: int | None, lesson_day: int | None, limit: int | None) -> RoundRules:
        """A council's round settings, with the defaults where it sets none."""
        key = (size, lesson_day, limit)
        found = self._rounds.get(key)
        if found is None:
            found = self._rounds[key] = RoundRules(
                _DEFAULT_ROUNDS.size if size is None else size,
                _DEFAULT_ROUNDS.size_lesson_day if lesson_day is None else lesson_day,
                _DEFAULT_ROUNDS.backlog_limit if limit is None else limit,
            )
        return found


def learner_page(
    connection: Connection, timezone: str, ids: tuple[int, int], shared: SharedSettings
) -> list[LearnerPlan]:
    """The active, unpaused learners of a time zone with ids in a range (both ends
    included), in id order, as the planner's facts (pacing defaults where learner and
    council set none)."""
    # Pages are id ranges, not "the next N learners": PostgreSQL misjudges how many
    # learners the time zone test keeps and read every learner above the page for each page.
    utc = _utc_reader(connection)
    rows: Sequence[Sequence[Any]] = connection.execute(
        sql_select(
            col(Learner.id),
            col(Learner.nation),
            col(Council.nation),
            col(Learner.working_days),
            col(Learner.learning_time),
            col(Council.work_start),
            col(Council.work_end),
            col(Learner.away_from),
            col(Learner.away_until),
            col(Learner.nudges_ignored),
            _raw(col(Learner.last_nudge_at)),
            col(Council.lesson_cap),
            col(Council.round_size),
            col(Council.round_size_lesson_day),
            col(Council.backlog_limit),
            col(Council.desired_retention),
            col(Learner.module_id),
        )
        .select_from(Learner)
        .join(Council, col(Learner.council_id) == col(Council.id), isouter=True)
        .where(
            col(Learner.stage) == "active",
            col(Learner.paused).is_(False),
            effective_timezone() == timezone,
            col(Learner.id).between(*ids),
        )
        .order_by(col(Learner.id))
    ).all()
    return [
        LearnerPlan(
            learner_id=r[0],
            pacing=shared.pacing(timezone, r),
            nudges_ignored=r[9],
            last_nudge_at=utc(r[10]),
            lesson_cap=1 if r[11] is None else r[11],
            rounds=shared.rounds(r[12], r[13], r[14]),
            retention=r[15] or srs.DEFAULT_RETENTION,
            in_module=r[16] is not None,
        )
        for r in rows
    ]


def due_cards(
    connection: Connection, learner_ids: Sequence[int], end_utc: dt.datetime
) -> dict[int, list[DueCard]]:
    """The cards of these learners (ids ascending) due before `end_utc`, held-out points
    aside (the learning-effect measure never sends them as refreshers)."""
    if not learner_ids:
        return {}
    # The page's id range, not its learners joined again: on PostgreSQL that join read
    # every learner for every page. Ids in the range outside the page are dropped below.
    rows: Sequence[Sequence[Any]] = connection.execute(
        sql_select(
            col(SrsCard.learner_id),
            col(SrsCard.question_id),
            col(SrsCard.id),
            col(SrsCard.state),
            col(SrsCard.step),
            col(SrsCard.stability),
            col(SrsCard.difficulty),
            _raw(col(SrsCard.due)),
            _raw(col(SrsCard.last_review)),
        ).where(
            col(SrsCard.learner_id).between(learner_ids[0], learner_ids[-1]),
            col(SrsCard.due) < end_utc,
            col(SrsCard.held_out).is_(False),
        )
    ).all()
    wanted = set(learner_ids)
    utc = _utc_reader(connection)
    cards: dict[int, list[DueCard]] = {}
    for r in rows:
        if r[0] in wanted:
            due = utc(r[7])
            assert due is not None
            memory = Memory(r[2], r[3], r[4], r[5], r[6], due, utc(r[8]))
            cards.setdefault(r[0], []).append(DueCard(r[1], memory))
    return cards


# Timestamps are read raw and made UTC-aware here: `storage.types.UTCDateTime` does the
# same value by value through three layers of calls, which costs more than the query.
def _raw(column: Any) -> ColumnElement[Any]:
    return type_coerce(column, String())


def _utc_reader(connection: Connection) -> Callable[[Any], dt.datetime | None]:
    return _from_sqlite_text if connection.dialect.name == "sqlite" else _from_driver


def _from_sqlite_text(value: str | None) -> dt.datetime | None:
    # The text form SQLAlchemy's SQLite DateTime stores: naive UTC. Parsed with its offset
    # appended, which gives `dt.UTC` and costs a fifth of parsing and then `replace`.
    return None if value is None else _parse(value + "+00:00")


_parse = dt.datetime.fromisoformat


def _from_driver(value: dt.datetime | None) -> dt.datetime | None:
    # psycopg returns timestamptz aware, in the session's time zone.
    if value is None or value.tzinfo is dt.UTC:
        return value
    return value.astimezone(dt.UTC)
