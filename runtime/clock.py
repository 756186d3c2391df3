"""Clocks: the system clock, and a settable one for tests and simulations."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """The real time, UTC."""

    def now(self) -> dt.datetime:
        """The current instant, UTC-aware."""
        return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock that only moves when told to; refuses naive datetimes."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """The clock's current instant."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by `delta` and return the new instant."""
        if delta < dt.timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        return self._now
