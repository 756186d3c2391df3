"""Planning a day in bulk on SQLite and PostgreSQL: pages of learners, rows streamed to the
database while a page is planned, and a key planned before left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from lessons.model import Curriculum
from runtime.clock import ManualClock
from scheduler.planner import RoundPlan, plan_day
from storage import day_plans
from storage.day_plans import DayPlanned
from storage.plan_writes import COPY_AT_LEAST
from storage.tables import Council, Delivery, Learner, SrsCard
from tests.support.chat import make_services

MONDAY = dt.datetime(2026, 3, 2, 0, 5, tzinfo=dt.UTC)  # GMT: local time is UTC
LEARNERS = 450
PAGE = 300  # two pages, each large enough to be streamed on PostgreSQL


def utc(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.UTC)


def add_learners(session: Session) -> list[int]:
    """Learners of the demo council at 12:30; every other one with a due refresher."""
    council = session.exec(select(Council).where(Council.code == "demo")).one()
    learners = [
        Learner(
            council_id=council.id,
            stage="active",
            awaiting="nothing",
            learning_time="12:30",
            working_days="mon tue wed thu fri",
            created_at=MONDAY,
            updated_at=MONDAY,
        )
        for _ in range(LEARNERS)
    ]
    session.add_all(learners)
    session.flush()
    ids = [learner.id or 0 for learner in learners]
    for learner_id in ids[::2]:
        session.add(
            SrsCard(
                learner_id=learner_id,
                question_id="m1-q2",
                state=2,
                stability=5.0,
                difficulty=5.0,
                due=MONDAY - dt.timedelta(hours=1),
                last_review=MONDAY - dt.timedelta(days=3),
            )
        )
    return ids


def test_a_day_planned_in_pages_gives_each_learner_a_lesson_and_a_round_and_keeps_a_planned_key(
    db_url: str, demo_curriculum: Curriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert PAGE >= COPY_AT_LEAST
    monkeypatch.setattr(day_plans, "PLAN_PAGE", PAGE)
    services = make_services(db_url, ManualClock(MONDAY), demo_curriculum)
    with Session(services.engine) as session, session.begin():
        ids = add_learners(session)
        # The lesson of a learner of the first page (streamed on PostgreSQL) was planned
        # already, say under another time zone.
        kept = ids[100]
        session.add(
            Delivery(
                key=f"lesson:{kept}:2026-03-02",
                learner_id=kept,
                kind="lesson",
                due_at=utc(9),
                next_attempt_at=utc(9),
                created_at=MONDAY,
            )
        )

    end = MONDAY + dt.timedelta(days=1)
    planned = services.deliveries.plan_day("Europe/London", MONDAY.date(), end, MONDAY, plan_day)

    rounds = LEARNERS // 2
    assert planned == DayPlanned("Europe/London", MONDAY.date(), LEARNERS, LEARNERS + rounds)
    with Session(services.engine) as session:
        rows = {row.key: row for row in session.exec(select(Delivery)).all()}
    assert len(rows) == LEARNERS + rounds
    payload = RoundPlan(("m1-q2",), backlog=1).to_json()
    for learner_id in ids:
        lesson = rows[f"lesson:{learner_id}:2026-03-02"]
        assert (lesson.learner_id, lesson.kind, lesson.status) == (learner_id, "lesson", "queued")
        assert lesson.due_at == (utc(9) if learner_id == kept else utc(12, 30))
        assert lesson.next_attempt_at == lesson.due_at
        round_ = rows.get(f"round:{learner_id}:2026-03-02")
        if learner_id in ids[::2]:
            assert round_ is not None
            assert (round_.kind, round_.due_at, round_.payload) == ("round", utc(13, 30), payload)
            assert (round_.created_at, round_.attempts) == (MONDAY, 0)
        else:
            assert round_ is None
    again = services.deliveries.plan_day("Europe/London", MONDAY.date(), end, MONDAY, plan_day)
    assert again is None
