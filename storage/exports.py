"""CSV exports of a council's learning records: progress, standing, answers, probes.

Every export is scoped to one council (`council_id`), and optionally to some of its teams (a
manager's); the people come from `storage.export_people`. The xAPI statements of the same
records are built in `storage.xapi`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.access import Actor
from bot.people import standings
from lessons.model import Curriculum
from storage.csv_cells import csv_line
from storage.export_people import people_of
from storage.tables import AnswerRow, EffectProbe, ModuleProgressRow
from storage.team_facts import council_today, load_team_facts

PROGRESS_COLUMNS = (
    "learner",
    "name",
    "team",
    "module",
    "title",
    "status",
    "attempt",
    "started",
    "completed",
    "score",
    "out_of",
)
STANDING_COLUMNS = ("learner", "name", "team", "standing", "working_days", "modules_done")
ANSWER_COLUMNS = (
    "learner",
    "name",
    "team",
    "module",
    "question",
    "attempt",
    "option",
    "correct",
    "answered",
    "seconds",
)

PROBE_COLUMNS = (
    "learner",
    "name",
    "team",
    "module",
    "kind",
    "point",
    "days",
    "question",
    "variant",
    "due",
    "answered",
    "correct",
    "guessed",
)


def progress_csv(
    engine: Engine,
    council_id: int,
    curriculum: Curriculum | None = None,
    team_ids: Collection[int] | None = None,
) -> Iterator[str]:
    """Module progress of a council's learners as CSV lines (header first)."""
    with Session(engine) as session:
        people = people_of(session, council_id, team_ids)
        rows = session.exec(
            select(ModuleProgressRow)
            .where(col(ModuleProgressRow.learner_id).in_(list(people)))
            .order_by(col(ModuleProgressRow.learner_id), col(ModuleProgressRow.id))
        ).all()
    yield csv_line(PROGRESS_COLUMNS)
    for row in rows:
        person = people[row.learner_id]
        module = curriculum.module(row.module_id) if curriculum else None
        yield csv_line(
            (
                row.learner_id,
                person.name,
                person.team,
                row.module_id,
                module.title if module else "",
                row.status,
                row.attempt,
                _stamp(row.started_at),
                _stamp(row.completed_at),
                row.score,
                row.total,
            )
        )


def standing_csv(
    engine: Engine, council_id: int, curriculum: Curriculum, now: dt.datetime
) -> Iterator[str]:
    """Where each of a council's people stands today, as CSV lines (header first): on
    track, behind, stuck, away or not joined, with the working days behind it. The rule
    and the people are those of `/team` and the dashboard (`bot.people`)."""
    with Session(engine) as session:
        today = council_today(session, council_id, now)
        facts = load_team_facts(session, Actor.command_line(council_id), today)
    yield csv_line(STANDING_COLUMNS)
    for ranked in standings(facts, now, len(curriculum.modules)):
        member = ranked.member
        yield csv_line(
            (
                member.learner_id,
                member.name,
                member.team_name,
                ranked.standing.value,
                ranked.days,
                member.completed,
            )
        )


def answers_csv(
    engine: Engine, council_id: int, team_ids: Collection[int] | None = None
) -> Iterator[str]:
    """Every quiz answer of a council's learners as CSV lines (header first)."""
    with Session(engine) as session:
        people = people_of(session, council_id, team_ids)
        rows = session.exec(
            select(AnswerRow)
            .where(col(AnswerRow.learner_id).in_(list(people)))
            .order_by(col(AnswerRow.learner_id), col(AnswerRow.answered_at), col(AnswerRow.id))
        ).all()
    yield csv_line(ANSWER_COLUMNS)
    for row in rows:
        person = people[row.learner_id]
        seconds = None if row.duration_ms is None else f"{row.duration_ms / 1000:.1f}"
        yield csv_line(
            (
                row.learner_id,
                person.name,
                person.team,
                row.module_id,
                row.question_id,
                row.attempt,
                row.option_id,
                "yes" if row.correct else "no",
                _stamp(row.answered_at),
                seconds,
            )
        )


def probes_csv(
    engine: Engine, council_id: int, team_ids: Collection[int] | None = None
) -> Iterator[str]:
    """Every learning-effect probe of a council's learners (pre-tests and check-ups, answered
    or not) as CSV lines (header first); the cells go through `storage.csv_cells`."""
    with Session(engine) as session:
        people = people_of(session, council_id, team_ids)
        rows = session.exec(
            select(EffectProbe)
            .where(col(EffectProbe.learner_id).in_(list(people)))
            .order_by(col(EffectProbe.learner_id), col(EffectProbe.id))
        ).all()
    yield csv_line(PROBE_COLUMNS)
    for row in rows:
        person = people[row.learner_id]
        yield csv_line(
            (
                row.learner_id,
                person.name,
                person.team,
                row.module_id,
                row.kind,
                row.point,
                row.day,
                row.question_id,
                row.variant_id,
                row.due_on.isoformat() if row.due_on else "",
                _stamp(row.answered_at),
                "" if row.correct is None else "yes" if row.correct else "no",
                "yes" if row.guessed else "no",
            )
        )


def _stamp(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else ""
