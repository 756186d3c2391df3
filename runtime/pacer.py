"""Keeping to a platform's send limit inside one process: a token bucket that keeps its
budget across late wake-ups.

Each send reserves the next free slot on a schedule spaced at the pacing rate (GCRA, the
"virtual scheduling" form of a token bucket) and sleeps until it. Slots are reserved on
the schedule, not from the time a sleeper happens to wake, so an event loop that wakes a
sender late does not lose the slot for good: the next sends follow on at once until the
schedule is caught up. Up to `burst` sends may go together after an idle spell.

The bucket is sized so that no one-second window holds more than the limit: `burst` slots
plus a rate of `limit - burst + 1` a second (all of a 50/s limit, 98% of 500/s). Catching
up after a late wake-up could still crowd one second, so a window guard also holds each
send until the sends this process made in the last second (plus a little slack for the
network's jitter) are fewer than the limit: platforms count in sliding windows.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from dataclasses import dataclass
from typing import Protocol

from bot.messages import RateLimits

BURST_SECONDS = 0.02  # of the limit's budget that may go at once after an idle spell
WINDOW_SECONDS = 1.03  # the guard's window: a platform's second, plus jitter on the way
# After a 429 the bucket pauses this long: the platform's window is full, and sending on
# would only collect more 429s. Short, because the refused delivery itself waits for its
# Retry-After in the queue, not here.
THROTTLED_PAUSE = 0.05


@dataclass(frozen=True)
class Pace:
    """A limit turned into a schedule: seconds between slots, and the burst allowed."""

    interval: float
    burst: int

    @classmethod
    def of(cls, limits: RateLimits) -> Pace:
        """The pace that keeps every one-second window at or under `limits.per_second`."""
        limit = limits.per_second
        burst = max(1, math.floor(limit * BURST_SECONDS))
        return cls(interval=1 / max(limit - burst + 1, 1e-9), burst=burst)


class Pacer(Protocol):
    """Hands out send slots for a bucket (a platform, tenant or workspace)."""

    async def acquire(self, bucket: str, limits: RateLimits) -> None:
        """Wait for the next slot in `bucket`."""
        ...

    def throttled(self, bucket: str) -> None:
        """The platform answered 429 in `bucket`: pause it briefly."""
        ...


class LocalPacer:
    """A pacer for one process (SQLite, or a single process on PostgreSQL)."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}  # bucket -> the next free slot (monotonic)
        self._guards: dict[str, WindowGuard] = {}

    def reserve(self, bucket: str, pace: Pace, count: int = 1) -> float:
        """Reserve `count` slots; return the monotonic time of the first."""
        now = time.monotonic()
        # After an idle spell the schedule may lag now by at most the burst.
        first = max(self._next.get(bucket, now), now - (pace.burst - 1) * pace.interval)
        self._next[bucket] = first + count * pace.interval
        return first

    async def acquire(self, bucket: str, limits: RateLimits) -> None:
        """Wait for the next slot in `bucket`."""
        wait = self.reserve(bucket, Pace.of(limits)) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        guard = self._guards.setdefault(bucket, WindowGuard())
        await guard.admit(limits.per_second)

    def throttled(self, bucket: str) -> None:
        """Push the bucket's schedule `THROTTLED_PAUSE` past now."""
        resume = time.monotonic() + THROTTLED_PAUSE
        self._next[bucket] = max(self._next.get(bucket, resume), resume)


class WindowGuard:
    """Holds a send until fewer than `limit` sends went in the last `WINDOW_SECONDS`."""

    def __init__(self) -> None:
        self._sent: collections.deque[float] = collections.deque()

    async def admit(self, limit: float) -> None:
        """Wait (if need be) and count one send."""
        cap = max(1, math.floor(limit))
        while True:
            now = time.monotonic()
            while self._sent and now - self._sent[0] >= WINDOW_SECONDS:
                self._sent.popleft()
            if len(self._sent) < cap:
                self._sent.append(now)
                return
            await asyncio.sleep(self._sent[0] + WINDOW_SECONDS - now)
