"""Work started after Slack's acknowledgement: run in the background, in order per key.

A listener acknowledges at once (Slack allows 3 seconds) and hands the work here; work for
one key (an officer) runs one piece at a time, in the order started. `drain()` waits for
everything started: tests use it instead of sleeping, and a shutdown finishes with it.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.to_thread

log = logging.getLogger(__name__)


class BackgroundWork:
    """Background tasks, ordered per key by a lock held while each runs."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def spawn(self, key: str, work: Coroutine[Any, Any, None]) -> None:
        """Run work after the acknowledgement, in order with other work for `key`."""

        async def guarded() -> None:
            lock = self._turns.get(key)
            if lock is None:
                lock = self._turns[key] = asyncio.Lock()
            async with lock:
                try:
                    await work
                except Exception:  # one failed turn must not stop the channel
                    log.exception("slack work failed", extra={"key": key})

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every started piece of work has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Run a synchronous (database-bound) call in a worker thread."""
    return await anyio.to_thread.run_sync(function, *args)
