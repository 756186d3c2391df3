"""A round's opening says why today is a refresher day, in plain words, and a round stops
at the day's minutes (pure: no database)."""

from __future__ import annotations

import datetime as dt

from bot.day_budget import round_has_time
from bot.decision import Context
from bot.deliveries import RoundInfo
from bot.flows.refresher import opening
from bot.state import ModuleProgress, ModuleStatus
from bot.texts import ENGLISH
from lessons.loader import load_curriculum
from lessons.model import Curriculum

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

    # Nothing answered yet: the round always asks its first question.
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
