"""Moving a simulated clock forward while the planner and dispatcher run, as they would
in real time: for `bites chat --simulated-clock`, `bites simulate` and tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable

from app.wiring import Services
from scheduler.clock import ManualClock

STEP = dt.timedelta(minutes=15)
MAX_WAIT = dt.timedelta(days=90)  # a /wait longer than this is refused: it would take minutes
PROGRESS_EVERY = dt.timedelta(days=7)  # a long /wait reports each simulated week
_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_duration(raw: str) -> dt.timedelta | None:
    """'2d', '3h' or '30m' as a timedelta; None if it is not one."""
    match = _DURATION.match(raw.lower())
    if not match:
        return None
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def tick(services: Services) -> None:
    """One planner and dispatcher round at the clock's current time."""
    services.plan()
    asyncio.run(services.dispatch())


def advance(
    services: Services,
    clock: ManualClock,
    delta: dt.timedelta,
    step: dt.timedelta = STEP,
    progress: Callable[[dt.timedelta], None] | None = None,
) -> None:
    """Move the clock forward by `delta` in steps, ticking after each step; `progress` is
    told the time simulated so far after each `PROGRESS_EVERY` of it (if the wait is longer)."""
    start = clock.now()
    end = start + delta
    reported = dt.timedelta()
    while clock.now() < end:
        clock.advance(min(step, end - clock.now()))
        tick(services)
        done = clock.now() - start
        if progress is not None and done - reported >= PROGRESS_EVERY and clock.now() < end:
            reported = done
            progress(done)
