"""A round's opening says why today is a refresher day, in plain words, and a round stops
at the day's minutes (pure: no database)."""

from __future__ import annotations

import datetime as dt

from bot.day_budget import (
    PRETEST_MINUTES,
    day_has_room,
    learner_pace,
    module_minutes,
    round_has_time,
)
from bot.decision import Context
from bot.deliveries import RoundInfo
from bot.flows.refresher import opening
from bot.state import ModuleProgress, ModuleStatus
from bot.texts import ENGLISH
from lessons.loader import load_curriculum
from lessons.model import Curriculum, Module

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CTX = Context(Curriculum(()), ENGLISH, NOW)


def _intro(**held: object) -> str:
    info = RoundInfo(1, ("gone-q1", "gone-q2"), NOW, {}, **held)  # type: ignore[arg-type]
    (message,) = opening(info, CTX)
    return message.text


def test_a_round_says_why_the_next_module_waits() -> None:
    intro = ENGLISH.round_intro.format(count=2, questions="questions", minutes=1)
    assert _intro() == intro
    assert _intro(backlog=41, lesson_held=True, backlog_limit=40) == (
        intro + "\n\nYou have 41 refreshers waiting, more than your council's limit of 40, so "
        "today is a refresher day: your next module comes when fewer are waiting. Send /next "
        "to start it anyway."
    )
    assert _intro(backlog=5, lesson_held=True, backlog_limit=40) == (
        intro + "\n\nSome of your refreshers have waited more than 2 days, so today is a "
        "refresher day: your next module comes once you have caught up. Send /next to start "
        "it anyway."
    )


def test_a_round_stops_when_the_day_reaches_its_minutes() -> None:
    def info(minutes_ago: float, answered: int) -> RoundInfo:
        began = NOW - dt.timedelta(minutes=minutes_ago)
        return RoundInfo(
            1,
            ("a", "b", "c", "d"),
            NOW,
            dict.fromkeys(range(answered), True),
            0,
            False,
            0,
            {},
            began,
        )

    # Nothing answered yet, on a day with room: the round asks its first question.
    assert round_has_time(RoundInfo(1, ("a",), NOW, {}), CTX)
    # Two answers in 2 minutes: 2.5 spent (the first counted at half a minute), 1.25 a question.
    assert round_has_time(info(2, 2), CTX)
    # Two answers in 15 minutes: one more at that pace (7.75) would pass 20.
    assert not round_has_time(info(15, 2), CTX)
    # With today's module counted (its stated minutes), the same two minutes may be the end.
    curriculum = load_curriculum()
    module = curriculum.modules[0]
    done = ModuleProgress(module.id, ModuleStatus.COMPLETED, 1, NOW, NOW - dt.timedelta(hours=1))
    today = Context(curriculum, ENGLISH, NOW, progress={module.id: done})
    spent = module.minutes + 2.5 + 1.25
    assert round_has_time(info(2, 2), today) is (spent <= 20)
    assert not round_has_time(info(20 - module.minutes, 2), today)


def test_a_round_before_the_days_lesson_leaves_time_for_it() -> None:
    began = NOW - dt.timedelta(minutes=2)
    two = RoundInfo(1, ("a", "b", "c"), NOW, {0: True, 1: True}, first_answer_at=began)
    # 2.5 minutes spent and 1.25 more: room beside a 12-minute lesson, not beside 17.
    assert round_has_time(two, CTX, lesson_to_come=12)
    assert not round_has_time(two, CTX, lesson_to_come=17)


def _today_with(count: int) -> Context:
    """A day on which the learner finished the first `count` modules, each as stated."""
    curriculum = load_curriculum()
    progress = {}
    end = NOW
    for module in curriculum.modules[:count]:
        start = end - dt.timedelta(minutes=module.minutes)
        progress[module.id] = ModuleProgress(module.id, ModuleStatus.COMPLETED, 1, start, end)
        end = start
    return Context(curriculum, ENGLISH, NOW, progress=progress)


def test_a_day_already_full_gets_no_round() -> None:
    modules = load_curriculum().modules
    assert modules[0].minutes + 0.5 <= 20 < modules[0].minutes + modules[1].minutes
    opening_item = RoundInfo(1, ("a", "b"), NOW, {})
    assert day_has_room(CTX)
    assert day_has_room(_today_with(1))
    assert round_has_time(opening_item, _today_with(1))
    assert not day_has_room(_today_with(2))
    assert not round_has_time(opening_item, _today_with(2))


def test_the_first_answer_counts_before_its_time_is_known() -> None:
    # One answer, its time not yet recorded: counted at half a minute, like the next one.
    first = RoundInfo(1, ("a", "b"), NOW, {0: True})
    assert round_has_time(first, CTX, lesson_to_come=19)
    assert not round_has_time(first, CTX, lesson_to_come=19.5)


def test_a_learners_pace_comes_from_modules_taken_in_one_go() -> None:
    curriculum = load_curriculum()
    first, second, third = curriculum.modules[:3]

    def finished(module: Module, minutes: float, day: int) -> ModuleProgress:
        end = NOW - dt.timedelta(days=day)
        start = end - dt.timedelta(minutes=minutes)
        return ModuleProgress(module.id, ModuleStatus.COMPLETED, 1, start, end)

    assert learner_pace(CTX) == 1.0
    progress = {
        first.id: finished(first, first.minutes * 1.5, 3),  # slower than stated
        second.id: finished(second, second.minutes * 0.5, 2),  # faster: counted as stated
        third.id: finished(third, third.minutes * 5, 1),  # left and finished later
    }
    ctx = Context(curriculum, ENGLISH, NOW, progress=progress)
    assert learner_pace(ctx) == 1.25
    upcoming = curriculum.modules[3]
    assert module_minutes(upcoming, ctx) == upcoming.minutes * 1.25 + PRETEST_MINUTES
    assert PRETEST_MINUTES == 2 * 20 / 60
