"""When a learner's daily bite really comes: a learning time outside the council's working
hours is moved inside them by the pacing rules (scheduler.pacing.lesson_time), and the
learner is told so when they choose it and in /settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.decision import Context
from bot.flows.proactive import pacing_of
from bot.state import WEEKDAYS, LearnerState
from scheduler.pacing import lesson_time


def bite_time(state: LearnerState, chosen: str, ctx: Context) -> str:
    """When a daily bite set for `chosen` really comes ('HH:MM', local): the pacing rules
    move a time outside the council's working hours inside them."""
    if ctx.council is None:
        return chosen
    unbound = replace(state, learning_time=chosen, away_from=None, away_until=None)
    pacing = replace(pacing_of(unbound, ctx.council), working_days=WEEKDAYS)
    for offset in range(14):  # past any run of bank holidays
        at = lesson_time(pacing, ctx.local_today + dt.timedelta(days=offset))
        if at is not None:
            return at.astimezone(pacing.zone).strftime("%H:%M")
    return chosen


def bite_time_note(state: LearnerState, chosen: str, ctx: Context) -> str | None:
    """A sentence saying when a bite set outside working hours really comes, or None."""
    actual = bite_time(state, chosen, ctx)
    if actual == chosen or ctx.council is None:
        return None
    t = ctx.texts
    if chosen < actual:
        return t.time_before_work.format(start=ctx.council.work_start, actual=actual)
    return t.time_after_work.format(end=ctx.council.work_end, actual=actual)
