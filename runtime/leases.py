"""The claims one dispatcher holds, kept alive by a heartbeat while it works on them.

A claim is a short lease (`LEASE`, 20 seconds) that a live dispatcher renews every quarter
lease. A dispatcher that dies stops renewing, so its claims go back to the queue within one
lease of its last heartbeat. Sending is allowed only while the last renewal (or the claim
itself) is younger than `SHARE` of the lease, measured from before the statement ran, and
only for rows the database confirmed are still this claim's: a dispatcher that stalled
past its lease (a paused VM, a lost database) sends nothing until a renewal has told it
which rows are still its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable

import anyio.to_thread

from bot.ports import Clock

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=20)
SHARE = 0.8  # of the lease after the last renewal, beyond which nothing more is sent
BEATS_PER_LEASE = 4

# (tokens, now, lease) -> the (token, delivery id) pairs still held after renewing.
Renew = Callable[[list[str], dt.datetime, dt.timedelta], list[tuple[str, int]]]


class Leases:
    """Which claimed rows this dispatcher may still send, and the heartbeat renewing them."""

    def __init__(self, renew: Renew, clock: Clock, lease: dt.timedelta = LEASE) -> None:
        self._renew = renew
        self._clock = clock
        self.lease = lease
        self._until: dict[str, float] = {}  # token -> monotonic time sending stops
        self._rows: dict[str, set[int]] = {}
        self._task: asyncio.Task[None] | None = None

    def hold(self, token: str, ids: Iterable[int], claimed_at: float) -> None:
        """Start holding a fresh claim; `claimed_at` is the monotonic time before it ran."""
        self._rows[token] = set(ids)
        self._until[token] = claimed_at + self.lease.total_seconds() * SHARE
        if self._rows[token] and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._beat())

    def release(self, token: str) -> None:
        """The claim is finished with (every row recorded or handed back)."""
        self._rows.pop(token, None)
        self._until.pop(token, None)
        if not self._rows and self._task is not None:
            self._task.cancel()
            self._task = None

    def forget(self) -> None:
        """Drop every claim and the heartbeat (an earlier event loop's)."""
        self._rows.clear()
        self._until.clear()
        self._task = None

    def may_send(self, token: str, delivery_id: int) -> bool:
        """True while the claim is surely still this dispatcher's."""
        fresh = time.monotonic() < self._until.get(token, 0.0)
        return fresh and delivery_id in self._rows.get(token, ())

    async def _beat(self) -> None:
        interval = self.lease.total_seconds() / BEATS_PER_LEASE
        while self._rows:
            await asyncio.sleep(interval)
            await self.renew_now()

    async def renew_now(self) -> None:
        """Renew every held claim once (the heartbeat calls this)."""
        tokens = list(self._rows)
        if not tokens:
            return
        started = time.monotonic()
        try:
            held = await anyio.to_thread.run_sync(
                self._renew, tokens, self._clock.now(), self.lease
            )
        except Exception:  # the database is away: sending stops when the window closes
            log.exception("lease renewal failed")
            return
        still: dict[str, set[int]] = {token: set() for token in tokens}
        for token, delivery_id in held:
            still.setdefault(token, set()).add(delivery_id)
        for token in tokens:
            if token in self._rows:  # not released while the renewal ran
                self._rows[token] &= still[token]
                self._until[token] = started + self.lease.total_seconds() * SHARE
