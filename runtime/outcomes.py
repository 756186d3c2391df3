"""What became of a claimed delivery, and the recorder that writes outcomes in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import anyio.to_thread

from bot.deliveries import Outcome

log = logging.getLogger(__name__)
WRITE_ATTEMPTS = 3


Write = Callable[[list[Outcome]], object]


class Recorder:
    """Collects outcomes and writes them in batches: one transaction for up to `size`
    outcomes, at the latest `delay` seconds after the first of them was added.

    Writing sends one by one cost a transaction (and, on SQLite, the write lock) per send;
    in batches the database stays off the dispatcher's critical path. The price is a wider
    window for a crash between a platform accepting a send and its record (see
    docs/deploy.md): those are sent again after the lease.
    """

    def __init__(self, write: Write, size: int = 200, delay: float = 0.05) -> None:
        self._write = write
        self._size = size
        self._delay = delay
        self._pending: list[Outcome] = []
        self._timer: asyncio.Task[None] | None = None
        self._writing: set[asyncio.Task[None]] = set()

    def add(self, outcome: Outcome) -> None:
        """Queue an outcome for writing."""
        self._pending.append(outcome)
        if len(self._pending) >= self._size:
            self._start_write()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(self._write_later())

    async def flush(self) -> None:
        """Write everything added so far, and wait until it is written."""
        self._start_write()
        while self._writing:
            await asyncio.gather(*self._writing)

    async def _write_later(self) -> None:
        await asyncio.sleep(self._delay)
        self._timer = None
        self._start_write()

    def _start_write(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._write_batch(batch))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _write_batch(self, batch: list[Outcome]) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                await anyio.to_thread.run_sync(self._write, batch)
                return
            except Exception:  # a database blip: try again while the leases still hold
                log.exception("recording outcomes failed", extra={"attempt": attempt + 1})
                await asyncio.sleep(0.5 * (attempt + 1))
        # Not written: the rows go back to the queue when their leases end, and sends
        # among them are repeated (the crash window of docs/deploy.md).
