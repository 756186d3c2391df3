"""An officer's day in minutes: micro-learning is a bite a day, not a binge. Pure.

The one definition of "today's minutes" (`scheduler.pacing.DAILY_MINUTES` is the budget):
modules completed or begun in the last `TODAY_WINDOW` count their stated minutes (or the
time the learner took), and a refresher round counts the time since its first answer, at
the learner's own pace. Modules are offered one after another, and a round goes on
question after question, only while the day stays within the budget (`/next` and the
next round still carry on).
"""

from __future__ import annotations

import datetime as dt

from bot.decision import Context
from bot.deliveries import RoundInfo
from bot.flows.pretest import PRETEST_ITEMS
from bot.state import ModuleProgress, ModuleStatus
from lessons.limits import SECONDS_PER_QUESTION
from lessons.model import Module
from scheduler.pacing import DAILY_MINUTES, TODAY_WINDOW

# A round question with its feedback: what the round's "about N min" assumes, and the pace
# a round is counted at until the learner's own is known.
ROUND_QUESTION_SECONDS = 30
QUESTION_MINUTES = ROUND_QUESTION_SECONDS / 60
# The pre-test before a module: its questions are not in the module's stated minutes.
PRETEST_MINUTES = PRETEST_ITEMS * SECONDS_PER_QUESTION / 60
PACE_MODULES = 5  # the learner's pace is read over their last five modules


def lesson_minutes_today(ctx: Context, leaving_out: str | None = None) -> float:
    """The minutes of today's modules (less `leaving_out`): those completed in the last
    `TODAY_WINDOW`, at their stated minutes or the time the learner took if longer (up to
    twice the stated, as a long gap is not reading), and one begun in it and not yet
    finished, at its stated minutes (the learner will come back to it)."""
    since = ctx.now - TODAY_WINDOW
    total = 0.0
    for record in ctx.progress.values():
        module = ctx.curriculum.module(record.module_id)
        if module is None or record.module_id == leaving_out or not _today(record, since):
            continue
        end = record.completed_at
        total += module.minutes if end is None else minutes_taken(module, record, end)
    return total


def minutes_taken(module: Module, record: ModuleProgress, end: dt.datetime) -> float:
    """A module's minutes as the learner took them (started to `end`): at least the stated
    minutes, at most twice them (a long gap is not reading)."""
    taken = (end - record.started_at).total_seconds() / 60
    return float(max(module.minutes, min(taken, 2 * module.minutes)))


def _today(record: ModuleProgress, since: dt.datetime) -> bool:
    if record.status is ModuleStatus.COMPLETED:
        return record.completed_at is not None and record.completed_at >= since
    return record.status is ModuleStatus.IN_PROGRESS and record.started_at >= since


def round_has_time(info: RoundInfo, ctx: Context, lesson_to_come: float = 0.0) -> bool:
    """May the round ask one more question today? Only if the day's lessons (those taken,
    or else `lesson_to_come`: the minutes of today's lesson not yet begun), the round so
    far and one more question at the learner's pace stay within `DAILY_MINUTES`. Asked
    before the round's first question too: a day already full gets no round."""
    answered = len(info.answered)
    spent, pace = answered * QUESTION_MINUTES, QUESTION_MINUTES
    if info.first_answer_at is not None and answered:
        elapsed = max(0.0, (ctx.now - info.first_answer_at).total_seconds() / 60)
        # The first answer's own time is not measured: count it at the default pace.
        spent = elapsed + QUESTION_MINUTES
        pace = max(QUESTION_MINUTES, spent / answered)
    lessons = lesson_minutes_today(ctx) or lesson_to_come
    return lessons + spent + pace <= DAILY_MINUTES


def day_has_room(ctx: Context) -> bool:
    """Is there room today for a refresher round to begin? Not when today's modules
    already take the whole `DAILY_MINUTES`, with one question more."""
    return lesson_minutes_today(ctx) + QUESTION_MINUTES <= DAILY_MINUTES


def learner_pace(ctx: Context) -> float:
    """How much longer than stated this learner takes over a module: the mean ratio of
    the minutes they took to the stated minutes over their last `PACE_MODULES` modules
    finished in one go (a module left and finished another day says nothing about
    reading speed), never below 1 (a module is never counted shorter than stated)."""
    ratios = []
    finished = sorted(
        (r.completed_at, r.started_at, r.module_id)
        for r in ctx.progress.values()
        if r.completed_at is not None
    )
    for completed_at, started_at, module_id in finished:
        module = ctx.curriculum.module(module_id)
        if module is None or not module.minutes:
            continue
        taken = (completed_at - started_at).total_seconds() / 60
        if taken <= 2 * module.minutes:
            ratios.append(max(1.0, taken / module.minutes))
    recent = ratios[-PACE_MODULES:]
    return sum(recent) / len(recent) if recent else 1.0


def module_minutes(module: Module, ctx: Context, pace: float = 1.0) -> float:
    """The minutes a module not yet begun will take this learner today: its stated
    minutes at their pace (or at `pace`, the pace of the module they have just taken, if
    slower), and the pre-test's questions before it."""
    return module.minutes * max(pace, learner_pace(ctx)) + PRETEST_MINUTES
