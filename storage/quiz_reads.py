"""Reading a learner's module records and quiz answers, alone or together with one more set
of rows in one statement (the answer path counts its statements: docs/benchmarks.md).

The combined reads are a UNION ALL with the columns lined up by meaning: status and
question id share `name`, a check-up's probe id shares `attempt`, started and answered
times share `at`; typed NULLs fill what a side does not have. The statements are built once,
with bound parameters.

A quiz answer reads both with the learner instead (`read_along`): two JSON arrays, in the
database's own JSON functions, as columns of the learner's row, so the quiz's last answer
scores the attempt without a statement of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    Table,
    bindparam,
    func,
    literal,
    null,
    union_all,
)
from sqlmodel import Session, col, select

from bot.effect import CHECKUP
from bot.state import AnswerRecord, ModuleProgress, ModuleStatus
from storage.tables import AnswerRow, EffectProbe, ModuleProgressRow
from storage.types import UTCDateTime

_PROGRESS_ROW, _ANSWER_ROW, _CHECKUP_ROW = 0, 1, 2

_PROGRESS = select(  # type: ignore[call-overload]
    literal(_PROGRESS_ROW).label("kind"),
    col(ModuleProgressRow.module_id).label("module_id"),
    col(ModuleProgressRow.status).label("name"),
    col(ModuleProgressRow.attempt).label("attempt"),
    col(ModuleProgressRow.started_at).label("at"),
    col(ModuleProgressRow.completed_at).label("completed_at"),
    col(ModuleProgressRow.score).label("score"),
    col(ModuleProgressRow.total).label("total"),
    null().cast(String).label("option_id"),
    null().cast(Boolean).label("correct"),
    null().cast(Integer).label("duration_ms"),
).where(col(ModuleProgressRow.learner_id) == bindparam("learner"))

_ANSWERS = select(  # type: ignore[call-overload]
    literal(_ANSWER_ROW).label("kind"),
    col(AnswerRow.module_id).label("module_id"),
    col(AnswerRow.question_id).label("name"),
    col(AnswerRow.attempt).label("attempt"),
    col(AnswerRow.answered_at).label("at"),
    null().cast(UTCDateTime).label("completed_at"),
    null().cast(Integer).label("score"),
    null().cast(Integer).label("total"),
    col(AnswerRow.option_id).label("option_id"),
    col(AnswerRow.correct).label("correct"),
    col(AnswerRow.duration_ms).label("duration_ms"),
).where(
    col(AnswerRow.learner_id) == bindparam("learner"),
    col(AnswerRow.module_id) == bindparam("module"),
    col(AnswerRow.attempt) == bindparam("attempt"),
)

_CHECKED = select(  # type: ignore[call-overload]
    literal(_CHECKUP_ROW),
    col(EffectProbe.module_id),
    null().cast(String),
    col(EffectProbe.id),
    col(EffectProbe.answered_at),
    null().cast(UTCDateTime),
    null().cast(Integer),
    null().cast(Integer),
    null().cast(String),
    col(EffectProbe.correct),
    null().cast(Integer),
).where(
    col(EffectProbe.learner_id) == bindparam("learner"),
    col(EffectProbe.kind) == CHECKUP,
    col(EffectProbe.answered_at).is_not(None),
)

_PROGRESS_AND_ANSWERS = union_all(_PROGRESS, _ANSWERS)
_PROGRESS_AND_CHECKUPS = union_all(_PROGRESS, _CHECKED)

# An answered check-up: probe id -> (correct, answered at).
Checked = dict[int, tuple[bool, dt.datetime]]
# The module records by module id, and one attempt's answers by question id.
Records = tuple[dict[str, ModuleProgress], dict[str, AnswerRecord]]


def progress(session: Session, learner_id: int) -> dict[str, ModuleProgress]:
    """The learner's module records by module id."""
    rows = session.execute(_PROGRESS, {"learner": learner_id})
    return {r.module_id: _module_progress(r) for r in rows}


def answers(
    session: Session, learner_id: int, module_id: str, attempt: int
) -> dict[str, AnswerRecord]:
    """The answers of one quiz attempt by question id."""
    params = {"learner": learner_id, "module": module_id, "attempt": attempt}
    return {r.name: _answer(r) for r in session.execute(_ANSWERS, params)}


def progress_and_answers(
    session: Session, learner_id: int, module_id: str, attempt: int
) -> Records:
    """The module records and one quiz attempt's answers, in one statement."""
    records: dict[str, ModuleProgress] = {}
    attempt_answers: dict[str, AnswerRecord] = {}
    params = {"learner": learner_id, "module": module_id, "attempt": attempt}
    for r in session.execute(_PROGRESS_AND_ANSWERS, params):
        if r.kind == _PROGRESS_ROW:
            records[r.module_id] = _module_progress(r)
        else:
            attempt_answers[r.name] = _answer(r)
    return records, attempt_answers


def progress_and_checkups(
    session: Session, learner_id: int
) -> tuple[dict[str, ModuleProgress], Checked]:
    """The module records and every check-up the learner has answered, in one statement."""
    records: dict[str, ModuleProgress] = {}
    checked: Checked = {}
    for r in session.execute(_PROGRESS_AND_CHECKUPS, {"learner": learner_id}):
        if r.kind == _PROGRESS_ROW:
            records[r.module_id] = _module_progress(r)
        else:
            checked[r.attempt] = (bool(r.correct), r.at)
    return records, checked


# A learner's records as the JSON arrays `read_along` puts on their row: the columns of
# one record or answer, in this order.
_RECORD_COLUMNS = ("module_id", "status", "attempt", "started_at", "completed_at", "score", "total")
_ANSWER_COLUMNS = (
    *("module_id", "question_id", "attempt", "option_id", "correct", "answered_at"),
    "duration_ms",
)


def read_along(dialect: str, learner: Table) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Two columns for the learner's read: their module records and the answers of the
    attempt their row names (`module_id`, `attempt`), each a JSON array of arrays (see
    `along_read`)."""
    records: Table = ModuleProgressRow.__table__  # type: ignore[attr-defined]
    answered: Table = AnswerRow.__table__  # type: ignore[attr-defined]
    mine = records.c.learner_id == learner.c.id
    attempt = (
        answered.c.learner_id == learner.c.id,
        answered.c.module_id == learner.c.module_id,
        answered.c.attempt == learner.c.attempt,
    )
    return (
        _json_rows(dialect, [records.c[n] for n in _RECORD_COLUMNS], mine).label("quiz_records"),
        _json_rows(dialect, [answered.c[n] for n in _ANSWER_COLUMNS], *attempt).label(
            "quiz_answers"
        ),
    )


def _json_rows(dialect: str, columns: list[Any], *where: Any) -> ColumnElement[Any]:
    """A scalar subquery: the rows as one JSON array of arrays (NULL when there are none)."""
    if dialect == "postgresql":
        rows = func.json_agg(func.json_build_array(*columns))
    else:
        rows = func.json_group_array(func.json_array(*columns))
    return select(rows).where(*where).scalar_subquery()


def along_read(records: Any, attempt_answers: Any) -> Records:
    """The module records and the attempt's answers from `read_along`'s two columns (JSON
    text from SQLite, already parsed by PostgreSQL's driver, NULL for none)."""
    progress = {}
    for module_id, status, attempt, started, completed, score, total in _rows(records):
        progress[module_id] = ModuleProgress(
            module_id,
            ModuleStatus(status),
            attempt,
            _utc(started),
            _utc(completed) if completed is not None else None,
            score,
            total,
        )
    answers = {}
    for module_id, question_id, attempt, option, correct, at, duration in _rows(attempt_answers):
        answers[question_id] = AnswerRecord(
            module_id, question_id, attempt, option, bool(correct), _utc(at), duration
        )
    return progress, answers


def _rows(value: Any) -> list[list[Any]]:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def _utc(text: str) -> dt.datetime:
    """A timestamp as the database wrote it into JSON (SQLite: naive UTC text as stored;
    PostgreSQL: ISO 8601 with the offset), UTC-aware."""
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _module_progress(r: Any) -> ModuleProgress:
    return ModuleProgress(
        r.module_id, ModuleStatus(r.name), r.attempt, r.at, r.completed_at, r.score, r.total
    )


def _answer(r: Any) -> AnswerRecord:
    return AnswerRecord(r.module_id, r.name, r.attempt, r.option_id, r.correct, r.at, r.duration_ms)
