"""A round's opening says why today is a refresher day, in plain words (pure: no
database)."""

from __future__ import annotations

import datetime as dt

from bot.decision import Context
from bot.deliveries import RoundInfo
from bot.flows.refresher import opening
from bot.texts import ENGLISH
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
