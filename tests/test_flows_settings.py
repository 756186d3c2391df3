"""Settings as transcripts, without a database: the learning time (inside the council's
working day or moved into it), the working days, leave, and /stop with what still works."""

from __future__ import annotations

import pytest

from bot.flows.onboarding import TIME_CHOICES
from bot.texts import ENGLISH as T
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.memory_store import MemoryStore
from tests.support.transcript import Officer, Reply, bot, officer, press, verify_dialog

BORSET = "Borsetshire County Council"
DAY_PRESETS = ("Monday to Friday", "Monday to Thursday", "Tuesday to Friday")
CHANGE = (T.change_time_button, T.change_days_button)
ASK_TIME = bot(T.ask_time, *TIME_CHOICES)
JOINED = [bot(T.welcome), bot(T.joined.format(council=BORSET)), ASK_TIME]
WEEKDAYS = T.days_weekdays


@pytest.fixture
def ann(clock: ManualClock, demo_curriculum: Curriculum) -> Officer:
    """An officer of a council whose working day is 09:00 to 17:00."""
    store = MemoryStore()
    store.add_council("borsetshire", BORSET, "BORS-26", work_start="09:00", work_end="17:00")
    return officer(demo_curriculum, clock, store)


def settings(time: str, days: str, *more: str) -> Reply:
    lines = [T.settings.format(council=BORSET, time=time, days=days), *more]
    return bot("\n".join(lines), *CHANGE)


def test_a_time_outside_the_working_day_is_moved_into_it(ann: Officer) -> None:
    onboarded = T.onboarded.format(time="08:00", days=WEEKDAYS)
    early = T.time_before_work.format(start="09:00", actual="09:00")
    late = T.time_after_work.format(end="17:00", actual="16:45")  # in time to take it
    moved = T.settings_time_moved.format(time="08:00", actual="09:00")
    verify_dialog(
        ann,
        [
            ("/start BORS-26", JOINED),
            ("8am", [bot(f"{onboarded} {early}", T.first_bite_button)]),
            ("/settings", [settings(moved, WEEKDAYS)]),
            (press(T.change_time_button), [ASK_TIME]),
            ("half past six", [bot(T.bad_time, *TIME_CHOICES)]),
            ("18:30", [bot(f"{T.time_saved.format(time='18:30')} {late}")]),
            (press(T.change_time_button), [ASK_TIME]),
            (press("12:30"), [bot(T.time_saved.format(time="12:30"))]),
            (press("16:00"), [bot(T.stale_button)]),  # saved: the older buttons are out of date
            ("/settings", [settings("12:30", WEEKDAYS)]),
        ],
    )
    assert ann.state.learning_time == "12:30"


def test_working_days_by_button_or_typed(ann: Officer) -> None:
    ann.say("/start BORS-26")
    ann.press("12:30")
    verify_dialog(
        ann,
        [
            ("/settings", [settings("12:30", WEEKDAYS)]),
            (press(T.change_days_button), [bot(T.ask_days, *DAY_PRESETS)]),
            ("someday", [bot(T.bad_days, *DAY_PRESETS)]),
            ("mon, wed and fri", [bot(T.days_saved.format(days="Monday, Wednesday and Friday"))]),
            (press("Tuesday to Friday"), [bot(T.stale_button)]),  # not asked any more
            ("/settings", [settings("12:30", "Monday, Wednesday and Friday")]),
            (press(T.change_days_button), [bot(T.ask_days, *DAY_PRESETS)]),
            (press("Monday to Thursday"), [bot(T.days_saved.format(days="Monday to Thursday"))]),
        ],
    )
    assert ann.state.working_days == ("mon", "tue", "wed", "thu")


def test_leave_shows_in_settings_until_it_is_ended(ann: Officer) -> None:
    ann.say("/start BORS-26")
    ann.press("12:30")
    on_leave = settings("12:30", WEEKDAYS, T.settings_leave.format(date="13 March 2026"))
    verify_dialog(
        ann,
        [
            ("/pause 13 March", [bot(T.paused_until.format(date="13 March 2026"))]),
            ("/settings", [bot(on_leave.text, *on_leave.buttons, T.end_leave_button)]),
            (press(T.end_leave_button), [bot(T.back_from_leave, T.continue_button)]),
            ("/settings", [settings("12:30", WEEKDAYS)]),
        ],
    )
    assert (ann.state.away_from, ann.state.away_until) == (None, None)


def test_after_stop_only_what_sends_nothing_unasked_works(ann: Officer) -> None:
    ann.say("/start BORS-26")
    ann.press("12:30")
    paused = bot(T.paused_reply, T.resume_button)
    verify_dialog(
        ann,
        [
            ("/stop", [bot(T.stopped)]),
            ("/next", [paused]),
            ("hello", [paused]),
            ("/settings", [settings("12:30", WEEKDAYS, T.settings_paused)]),
            (press(T.change_time_button), [paused]),
            (press(T.resume_button), [bot(T.resumed, T.continue_button)]),
            (press(T.change_time_button), [ASK_TIME]),
        ],
    )
    assert ann.state.paused is False
