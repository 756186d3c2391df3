"""The council's-morning dispatcher processes: the service's wiring on one PostgreSQL
database (claims, batch compose, the pacer shared through the database, batched records,
leases), with the senders of `bench.morning_senders`, on a clock that reads 09:00 at the
same wall-clock instant in every process.

The processes start, build everything and say they are ready; only then does the harness
fix the instant 09:00 falls on and let them go, so start-up is not counted as lateness."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

import aiohttp

from app.heap import freeze_startup_heap
from app.settings import Settings
from app.wiring import build_services
from bench.morning_senders import TimedSender, light_senders, real_senders

MIDNIGHT = dt.datetime(2026, 3, 2, 0, 5, tzinfo=dt.UTC)  # a Monday; planning runs at 00:05
NINE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 09:00 in London (GMT in March)


class MorningClock:
    """Real time, reading 09:00 at the wall-clock instant `start_wall`."""

    def __init__(self, start_wall: float | None = None) -> None:
        self.start_wall = time.time() if start_wall is None else start_wall

    def now(self) -> dt.datetime:
        """The simulated now."""
        return NINE + dt.timedelta(seconds=time.time() - self.start_wall)


@dataclass(frozen=True)
class _Signals:
    ready: Any  # a queue: each process puts its pid once built
    done: Any  # a queue: each process puts the CPU seconds it used from 09:00 on, and
    # the (platform, limit, wall-clock instant) of every message its senders set off
    go: Any  # an event: 09:00 has been fixed
    start_wall: Any  # a shared double: the wall-clock instant of 09:00
    stop: Any  # an event: the morning is over


def _work(url: str, fake_url: str, senders: str, signals: _Signals) -> None:
    async def main() -> None:
        clock = MorningClock()
        services = build_services(
            Settings(database_url=url, scheduler=False, webchat=False), clock=clock
        )
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=128))
        made = light_senders(fake_url, session) if senders == "light" else real_senders(fake_url)
        sent: list[tuple[str, str, float]] = []
        services.senders.update({name: TimedSender(s, sent) for name, s in made.items()})
        freeze_startup_heap()  # as `bites serve` does once its services are built
        signals.ready.put(multiprocessing.current_process().pid)
        signals.go.wait()  # nothing runs on this loop yet
        clock.start_wall = signals.start_wall.value
        cpu = time.process_time()
        while not signals.stop.is_set():
            if not await services.dispatcher.drain():
                await asyncio.sleep(0.1)  # what is left waits for its retry time
        for sender in made.values():
            close = getattr(sender, "aclose", None)
            if close is not None:
                await close()
        await session.close()
        services.engine.dispose()
        signals.done.put((time.process_time() - cpu, sent))

    asyncio.run(main())


class Workers:
    """The running dispatcher processes."""

    def __init__(self, processes: Sequence[BaseProcess], signals: _Signals) -> None:
        self._processes = processes
        self._signals = signals

    def go(self) -> float:
        """Wait until every process is ready, then make it 09:00 now; return that instant."""
        for _ in self._processes:
            self._signals.ready.get(timeout=300)
        self._signals.start_wall.value = time.time()
        self._signals.go.set()
        return float(self._signals.start_wall.value)

    def stop(self) -> tuple[float, list[tuple[str, str, float]]]:
        """End the processes and wait for them; return the CPU seconds they used from
        09:00 on, all together, and every message their senders set off (see `_Signals`)."""
        self._signals.stop.set()
        cpu, sent = 0.0, list[tuple[str, str, float]]()
        for _ in self._processes:
            used, instants = self._signals.done.get(timeout=120)
            cpu, sent = cpu + used, sent + instants
        for process in self._processes:
            process.join(60)
            if process.is_alive():
                process.kill()
                process.join()
        return cpu, sent


def start_workers(count: int, url: str, fake_url: str, senders: str) -> Workers:
    """Start `count` dispatcher processes (they wait for `Workers.go`)."""
    context = multiprocessing.get_context("spawn")
    signals = _Signals(
        context.Queue(), context.Queue(), context.Event(), context.Value("d", 0.0), context.Event()
    )
    processes = [
        context.Process(target=_work, args=(url, fake_url, senders, signals)) for _ in range(count)
    ]
    for process in processes:
        process.start()
    return Workers(processes, signals)
