"""The in-process ticker: APScheduler runs periodic jobs; what is due lives in tables.

APScheduler is used only as a metronome (one AsyncIOScheduler per process, memory job
store), so running several processes never runs a job's *work* twice: each job's work is
made safe to repeat by the tables it reads and writes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A periodic piece of work every `seconds`: a coroutine function runs on the event
    loop, a plain function in a worker thread (so database work never blocks the loop)."""

    id: str
    seconds: float
    run: Callable[[], object]


class Ticker:
    """Starts and stops the periodic jobs of this process."""

    def __init__(self, jobs: list[Job]) -> None:
        self._jobs = jobs
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        """Start ticking; call from inside the running event loop."""
        # A tick that finds the previous run of its job still busy is skipped by design
        # (max_instances=1); APScheduler would log each skip as a warning.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        scheduler = AsyncIOScheduler(timezone="UTC")
        for job in self._jobs:
            scheduler.add_job(
                _run_job,
                "interval",
                seconds=job.seconds,
                id=job.id,
                args=[job],
                max_instances=1,
                coalesce=True,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("ticker started", extra={"jobs": [job.id for job in self._jobs]})

    def shutdown(self) -> None:
        """Stop ticking; jobs in progress finish."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    @property
    def running(self) -> bool:
        """True between start and shutdown."""
        return self._scheduler is not None


async def _run_job(job: Job) -> None:
    try:
        if inspect.iscoroutinefunction(job.run):
            await job.run()
        else:
            await anyio.to_thread.run_sync(job.run)
    except Exception:
        # A failing job must not stop the ticker; the next tick tries again.
        log.exception("job failed", extra={"job": job.id})
