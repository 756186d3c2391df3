"""Moving a simulated clock forward while the planner and dispatcher run, as they would
in real time: for `bites chat --simulated-clock`, `bites simulate` and tests.

The clock jumps from event to event instead of ticking at a fixed step. Nothing
proactive happens between two events: every proactive message is a delivery row (sent
when its `next_attempt_at` comes, or when a lost lease runs out), and planning runs when
a local day begins in a time zone with learners. So ticking at each of those moments does
exactly what ticking every minute would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from app.wiring import Services
from runtime.clock import ManualClock
from scheduler.pacing import zone
from storage.tables import Delivery

STEP = dt.timedelta(minutes=15)  # the real ticker's plan interval, for callers that step
MAX_WAIT = dt.timedelta(days=90)  # a /wait longer than this is refused: it would take minutes
PROGRESS_EVERY = dt.timedelta(days=7)  # a long /wait reports each simulated week
_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_AT_LEAST = dt.timedelta(seconds=1)  # a jump never stands still


def parse_duration(raw: str) -> dt.timedelta | None:
    """'2d', '3h' or '30m' as a timedelta; None if it is not one."""
    match = _DURATION.match(raw.lower())
    if not match:
        return None
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def plan(services: Services) -> None:
    """Plan the day of every time zone whose day has begun (campaign questions and
    check-ups join the day's rounds)."""
    services.plan()


def dispatch(services: Services, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Send everything due now; on `loop` when given (a long run keeps one loop).

    One lane, no parked batches: a simulated send takes no time, so overlapping batches
    gains nothing, and with one lane the batches are the same from run to run (lanes, and
    a lane's parked batches, race for rows)."""
    drain = services.dispatcher.drain(lanes=1, park=False)
    if loop is None:
        asyncio.run(drain)
    else:
        loop.run_until_complete(drain)


def tick(services: Services) -> None:
    """One planner and dispatcher round at the clock's current time."""
    plan(services)
    dispatch(services)


def next_delivery_at(engine: Engine) -> dt.datetime | None:
    """When the dispatcher next has something to do: the earliest queued delivery's next
    attempt, or the earliest lease to run out on a delivery being sent."""
    with Session(engine) as session:
        queued = session.execute(
            sql_select(func.min(col(Delivery.next_attempt_at))).where(
                col(Delivery.status) == "queued"
            )
        ).scalar_one()
        leased = session.execute(
            sql_select(func.min(col(Delivery.lease_until))).where(col(Delivery.status) == "sending")
        ).scalar_one()
    times = [t for t in (queued, leased) if t is not None]
    return min(times) if times else None


class DeliveryWatch:
    """The next delivery time, read again only after the delivery table was written to
    (a cheap check on each statement instead of a query after each learner action)."""

    _WRITES = ("INSERT INTO delivery ", "UPDATE delivery ", "DELETE FROM delivery ")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._changed = True
        self._next: dt.datetime | None = None
        event.listen(engine, "before_cursor_execute", self._saw)

    def next_at(self) -> dt.datetime | None:
        """When the dispatcher next has something to do (see `next_delivery_at`)."""
        if self._changed:
            self._changed = False
            self._next = next_delivery_at(self._engine)
        return self._next

    def close(self) -> None:
        """Stop watching."""
        event.remove(self._engine, "before_cursor_execute", self._saw)

    def _saw(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not self._changed and statement.lstrip().startswith(self._WRITES):
            self._changed = True


def next_day_start(services: Services, now: dt.datetime) -> dt.datetime | None:
    """The next local midnight, after `now`, of any time zone with learners to plan for."""
    starts = []
    for name in services.deliveries.timezones():
        tz = zone(name)
        tomorrow = now.astimezone(tz).date() + dt.timedelta(days=1)
        starts.append(dt.datetime.combine(tomorrow, dt.time(0), tz).astimezone(dt.UTC))
    return min(starts) if starts else None


def next_event(services: Services, now: dt.datetime) -> dt.datetime | None:
    """The next moment the planner or dispatcher has work, strictly after `now`."""
    times = [t for t in (next_delivery_at(services.engine), next_day_start(services, now)) if t]
    return max(min(times), now + _AT_LEAST) if times else None


def advance(
    services: Services,
    clock: ManualClock,
    delta: dt.timedelta,
    step: dt.timedelta | None = None,
    progress: Callable[[dt.timedelta], None] | None = None,
) -> None:
    """Tick now (a day not yet planned is planned), then move the clock forward by
    `delta`, ticking at every event on the way and at the end. `step`, when given, is the
    longest jump (ticks at least that often); `progress` is told the time simulated so far
    after each `PROGRESS_EVERY` of it (if the wait is longer)."""
    start = clock.now()
    end = start + delta
    reported = dt.timedelta()
    tick(services)
    while clock.now() < end:
        now = clock.now()
        target = next_event(services, now) or end
        if step is not None:
            target = min(target, now + step)
        if progress is not None:  # report at each whole week, not at the next event
            target = min(target, start + reported + PROGRESS_EVERY)
        clock.advance(min(target, end) - now)
        tick(services)
        done = clock.now() - start
        if progress is not None and done - reported >= PROGRESS_EVERY and clock.now() < end:
            reported = done
            progress(done)
