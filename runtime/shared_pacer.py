"""Platform limits shared by every dispatcher process on one PostgreSQL database.

Each limit (a platform, a Teams tenant, a Slack workspace) has one `send_budget` row: the
next free send slot on a schedule spaced at the pacing rate, in seconds by the database's
clock (so the hosts' clocks need not agree). A process reserves a block of slots (a tenth
of a second's worth) with one upsert, converts them to its own monotonic clock, and hands
them to its senders one by one; when the block is used up it reserves the next. Slots
are reserved on one shared schedule, so however many processes run, every one-second
window holds no more sends than the limit, provided each process places the slots on its
own clock where they are on the database's. A reservation's round trip can take a second
on a busy host (the thread pool, the connection pool, the GIL), and a block placed that
late lands on slots another process is using: so a process keeps an estimate of the
difference between the database's clock and its own, taken from the quickest round trip
it has seen (the database read its clock somewhere inside the round trip, so the quicker
the trip the closer the estimate), and places every block by it. Processes are still
woken at slightly different moments, so the shared schedule runs at 95% of the limit
(`SHARED_SHARE`) to leave room for that jitter. A process that ends with unused slots
leaves a short gap, never an overrun.

SQLite runs one process, so it keeps the in-process pacer (`pacer_for`).
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import replace

import anyio.to_thread
from sqlalchemy import Engine, text

from bot.messages import RateLimits
from runtime.pacer import LocalPacer, Pace, Pacer

BLOCK_SECONDS = 0.1  # of a limit's slots reserved per round trip to the database
SHARED_SHARE = 0.95  # of the limit the shared schedule uses (the rest absorbs jitter)
# A sender woken this much after its slot still sends on it. The schedule's headroom
# (1 / SHARED_SHARE - 1 of a second, 53 ms) must absorb that lateness, the processes'
# clock estimates' disagreement and the moments between the check and the send: so half
# of it. With all of it (50 ms), a council's morning at 100,000 learners put 31 sends in
# one second of a 30/s Telegram bot and 51 in one of a 50/s Teams tenant.
LATE_WAKE_SECONDS = (1 / SHARED_SHARE - 1) / 2
# How fast an estimate of the clocks' difference is assumed to go stale (seconds of error
# a second): far above real clock drift, so a quicker round trip soon replaces an old one.
OFFSET_AGEING = 1e-3

# Reserve `span` seconds of the schedule: from the next free slot, or from now less the
# burst tolerance after an idle spell. Returns where the block starts and the database's
# now, both in seconds of the database's clock.
_RESERVE = text(
    """
    WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t)
    INSERT INTO send_budget AS b (bucket, next_slot)
    SELECT :bucket, clock.t + :span FROM clock
    ON CONFLICT (bucket) DO UPDATE
    SET next_slot = GREATEST(b.next_slot, (SELECT t FROM clock) - :tolerance) + :span
    RETURNING b.next_slot - :span, (SELECT t FROM clock)
    """
)


class ClockOffset:
    """The database's clock less this process's monotonic clock, estimated from round
    trips: the database read its clock between the local instants `before` and `after`,
    so the estimate is off by at most half the trip. The tightest estimate is kept, its
    error bound growing with age (`OFFSET_AGEING`) so that it is renewed now and then."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._error = float("inf")
        self._taken = 0.0

    def update(self, database_now: float, before: float, after: float) -> float:
        """Take one round trip into account; return the best estimate."""
        error = (after - before) / 2
        if error <= self._error + OFFSET_AGEING * (after - self._taken):
            self._offset, self._error, self._taken = (
                database_now - (before + after) / 2,
                error,
                after,
            )
        return self._offset


class PostgresPacer:
    """A pacer whose budgets every process on the database shares."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._slots: dict[str, collections.deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clock = ClockOffset()

    async def acquire(self, bucket: str, limits: RateLimits) -> None:
        """Wait for the next slot in `bucket`, reserving a block when none is left."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # locks belong to one event loop
            self._loop, self._locks = loop, {}
        pace = Pace.of(replace(limits, per_second=limits.per_second * SHARED_SHARE))
        while True:
            slot = await self._next_slot(bucket, pace)
            wait = slot - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            # Woken late (a busy event loop, a process the host left waiting): the slot's
            # moment has passed, and sending now would crowd the slots other processes are
            # using. Within the schedule's headroom it is kept; past it, it is given up.
            if time.monotonic() - slot <= LATE_WAKE_SECONDS:
                return

    async def _next_slot(self, bucket: str, pace: Pace) -> float:
        slots = self._slots.setdefault(bucket, collections.deque())
        # Slots that passed unused (more than the burst allowance ago) are gone: sending
        # on them late would crowd a later second.
        stale = time.monotonic() - pace.burst * pace.interval
        while slots and slots[0] < stale:
            slots.popleft()
        if not slots:
            lock = self._locks.setdefault(bucket, asyncio.Lock())
            async with lock:
                if not slots:  # another sender may have reserved while this one waited
                    slots.extend(await self._reserve(bucket, pace))
        return slots.popleft()

    def throttled(self, bucket: str) -> None:
        """A 429: drop this process's reserved slots of the bucket (the schedule is
        shared, so the pause is the slots given up)."""
        self._slots.pop(bucket, None)

    async def _reserve(self, bucket: str, pace: Pace) -> list[float]:
        count = max(1, round(BLOCK_SECONDS / pace.interval))
        params = {
            "bucket": bucket[:160],
            "span": count * pace.interval,
            "tolerance": (pace.burst - 1) * pace.interval,
        }
        before = time.monotonic()
        start, database_now = await anyio.to_thread.run_sync(self._run, params)
        first = start - self._clock.update(database_now, before, time.monotonic())
        return [first + i * pace.interval for i in range(count)]

    def _run(self, params: dict[str, object]) -> tuple[float, float]:
        with self._engine.begin() as connection:
            start, now = connection.execute(_RESERVE, params).one()
        return float(start), float(now)


def pacer_for(engine: Engine) -> Pacer:
    """The shared pacer on PostgreSQL; on SQLite (one process) the in-process one."""
    if engine.dialect.name == "postgresql":
        return PostgresPacer(engine)
    return LocalPacer()
