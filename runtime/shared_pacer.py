"""Platform limits shared by every dispatcher process on one PostgreSQL database.

Each limit (a platform, a Teams tenant, a Slack workspace) has one `send_budget` row: the
next free send slot on a schedule spaced at the pacing rate, in seconds by the database's
clock (so the hosts' clocks need not agree). A process reserves a block of slots (a tenth
of a second's worth) with one upsert, converts them to its own monotonic clock, and hands
them to its senders one by one; when the block is used up it reserves the next. Slots
are reserved on one shared schedule, so however many processes run, every one-second
window holds no more sends than the limit. Each process turns the database's times into
its own a round trip late, and processes are woken at slightly different moments, so the
shared schedule runs at 95% of the limit (`SHARED_SHARE`) to leave room for that jitter.
A process that ends with unused slots leaves a short gap, never an overrun.

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

# Reserve `span` seconds of the schedule: from the next free slot, or from now less the
# burst tolerance after an idle spell. Returns where the block starts, relative to the
# database's now (negative: the block started in the burst allowance).
_RESERVE = text(
    """
    WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t)
    INSERT INTO send_budget AS b (bucket, next_slot)
    SELECT :bucket, clock.t + :span FROM clock
    ON CONFLICT (bucket) DO UPDATE
    SET next_slot = GREATEST(b.next_slot, (SELECT t FROM clock) - :tolerance) + :span
    RETURNING b.next_slot - :span - (SELECT t FROM clock)
    """
)


class PostgresPacer:
    """A pacer whose budgets every process on the database shares."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._slots: dict[str, collections.deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def acquire(self, bucket: str, limits: RateLimits) -> None:
        """Wait for the next slot in `bucket`, reserving a block when none is left."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # locks belong to one event loop
            self._loop, self._locks = loop, {}
        slots = self._slots.setdefault(bucket, collections.deque())
        pace = Pace.of(replace(limits, per_second=limits.per_second * SHARED_SHARE))
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
        wait = slots.popleft() - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

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
        offset = await anyio.to_thread.run_sync(self._run, params)
        # The database's "now" was read during the statement; taking local now after it
        # returned places the block a round trip later at most, never earlier.
        first = time.monotonic() + offset
        return [first + i * pace.interval for i in range(count)]

    def _run(self, params: dict[str, object]) -> float:
        with self._engine.begin() as connection:
            return float(connection.execute(_RESERVE, params).scalar_one())


def pacer_for(engine: Engine) -> Pacer:
    """The shared pacer on PostgreSQL; on SQLite (one process) the in-process one."""
    if engine.dialect.name == "postgresql":
        return PostgresPacer(engine)
    return LocalPacer()
