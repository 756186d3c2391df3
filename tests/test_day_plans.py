"""Planning a day in bulk on SQLite and PostgreSQL: pages of learners, rows streamed to the
database while a page is planned, and a key planned before left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from app.wiring import Services
from lessons.model import Curriculum
from runtime.clock import ManualClock
from scheduler.planner import CheckupItem, RoundPlan, plan_day
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


@pytest.fixture
def paged(db_url: str, demo_curriculum: Curriculum, monkeypatch: pytest.MonkeyPatch) -> Services:
    """Services planning in pages of `PAGE` learners."""
    monkeypatch.setattr(day_plans, "PLAN_PAGE", PAGE)
    return make_services(db_url, ManualClock(MONDAY), demo_curriculum)


def plan_monday(services: Services) -> DayPlanned | None:
    end = MONDAY + dt.timedelta(days=1)
    return services.deliveries.plan_day("Europe/London", MONDAY.date(), end, MONDAY, plan_day)


def test_a_leave_that_ended_moves_the_learners_cards_before_they_are_planned(
    paged: Services,
) -> None:
    # On PostgreSQL the page is read ahead on another connection, before the move: the
    # moved cards must be read again in the planning transaction.
    services = paged
    with Session(services.engine) as session, session.begin():
        ids = add_learners(session)
        back = session.get(Learner, ids[PAGE + 2])  # second page, with a due card
        assert back is not None
        back.away_from, back.away_until = dt.date(2026, 2, 23), dt.date(2026, 2, 27)
        session.add(back)

    planned = plan_monday(services)

    rounds = LEARNERS // 2 - 1  # the card due an hour ago is now due in five days
    assert planned == DayPlanned("Europe/London", MONDAY.date(), LEARNERS, LEARNERS + rounds)
    with Session(services.engine) as session:
        keys = set(session.exec(select(Delivery.key)).all())
        card = session.exec(select(SrsCard).where(SrsCard.learner_id == ids[PAGE + 2])).one()
        row = session.get(Learner, ids[PAGE + 2])
    assert f"lesson:{ids[PAGE + 2]}:2026-03-02" in keys
    assert f"round:{ids[PAGE + 2]}:2026-03-02" not in keys
    assert f"round:{ids[PAGE]}:2026-03-02" in keys
    assert card.due == MONDAY + dt.timedelta(days=5) - dt.timedelta(hours=1)
    assert row is not None and (row.away_from, row.away_until) == (None, None)


def test_a_failed_read_plans_nothing_and_the_day_can_be_planned_again(
    paged: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = paged
    with Session(services.engine) as session, session.begin():
        ids = add_learners(session)
    deliveries = services.deliveries
    checkups = deliveries._checkups
    assert checkups is not None

    def fail_on_the_second_page(
        session: Session, day: dt.date, learner_ids: list[int]
    ) -> dict[int, list[CheckupItem]]:
        if learner_ids[0] > ids[0]:
            raise RuntimeError("the database went away")
        return checkups(session, day, learner_ids)

    monkeypatch.setattr(deliveries, "_checkups", fail_on_the_second_page)
    with pytest.raises(RuntimeError, match="the database went away"):
        plan_monday(services)
    with Session(services.engine) as session:
        assert session.exec(select(Delivery)).all() == []

    monkeypatch.setattr(deliveries, "_checkups", checkups)
    planned = plan_monday(services)
    assert planned == DayPlanned("Europe/London", MONDAY.date(), LEARNERS, LEARNERS * 3 // 2)
