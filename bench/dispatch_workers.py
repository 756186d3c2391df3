"""Shared set-up for the dispatch benchmarks: a scratch database with due deliveries, and
dispatcher processes (the real wiring: claims, batch compose, pacer, recorder, leases)
sending to the fake platform of `bench.fake_platform`."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.heap import freeze_startup_heap
from app.settings import Settings
from app.wiring import build_services
from bench.fake_platform import FakeSender
from bench.seed import seed_learners
from bot.deliveries import DeliveryKind, PlannedDelivery

MONDAY_0930 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


class SharedClock:
    """Real time, starting on a Monday morning at one wall-clock instant for every process
    (leases compare times written by different processes)."""

    def __init__(self, start_wall: float) -> None:
        self._start_wall = start_wall

    def now(self) -> dt.datetime:
        """The simulated now."""
        return MONDAY_0930 + dt.timedelta(seconds=time.time() - self._start_wall)


def scratch_database(folder: Path, postgres: str | None) -> str:
    """A fresh SQLite file, or a fresh schema on the given PostgreSQL server."""
    if postgres is None:
        return f"sqlite:///{folder / 'bench.db'}"
    schema = "cb_bench_" + secrets.token_hex(4)
    engine = create_engine(postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def drop_scratch(url: str) -> None:
    """Drop a scratch PostgreSQL schema (SQLite files go with their folder)."""
    parsed = make_url(url)
    options = str(parsed.query.get("options", ""))
    if not url.startswith("postgresql") or "search_path=" not in options:
        return
    schema = options.split("search_path=", 1)[1]
    base = parsed.difference_update_query(["options"]).render_as_string(hide_password=False)
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def seed_due(url: str, deliveries: int) -> None:
    """Migrate, then add `deliveries` learners on the bench platform with a lesson due."""
    services = build_services(
        Settings(database_url=url, scheduler=False, webchat=False), clock=SharedClock(0)
    )
    seed_learners(services.engine, deliveries, 0, MONDAY_0930)
    services.deliveries.add(
        [
            PlannedDelivery(f"lesson:{i}", i, DeliveryKind.LESSON, MONDAY_0930)
            for i in range(1, deliveries + 1)
        ],
        MONDAY_0930,
    )
    services.engine.dispose()


@dataclass(frozen=True)
class WorkerPlan:
    """What one dispatcher process does: the database, the fake and its limit, the
    client's read timeout, and the wall-clock instant the shared clock starts at."""

    url: str
    fake_url: str
    limit: int
    timeout: float
    start_wall: float
    lease: dt.timedelta = dt.timedelta(seconds=20)
    journal: str | None = None  # a folder: each process appends its claims to <pid>.claims


def _journal_claims(leases: Any, folder: str) -> None:
    """Append "+token" when the process starts holding a claim with rows and "-token" when
    it lets go, to <folder>/<pid>.claims, one write(2) each, so the harness knows exactly
    which claims a process held when it was killed (nothing is buffered in the process)."""
    fd = os.open(
        os.path.join(folder, f"{os.getpid()}.claims"), os.O_WRONLY | os.O_CREAT | os.O_APPEND
    )
    hold, release = leases.hold, leases.release

    def journalled_hold(token: str, ids: Any, claimed_at: float) -> None:
        ids = list(ids)
        if ids:
            os.write(fd, f"+{token}\n".encode())
        hold(token, ids, claimed_at)

    def journalled_release(token: str) -> None:
        release(token)
        os.write(fd, f"-{token}\n".encode())

    leases.hold, leases.release = journalled_hold, journalled_release


def held_claims(folder: str, pid: int) -> set[str]:
    """The claim tokens process `pid` held at its last journal line."""
    held: set[str] = set()
    path = Path(folder) / f"{pid}.claims"
    for line in path.read_text().splitlines() if path.exists() else ():
        (held.add if line.startswith("+") else held.discard)(line[1:])
    return held


def _work(plan: WorkerPlan, stop: Any) -> None:
    async def main() -> None:
        services = build_services(
            Settings(database_url=plan.url, scheduler=False, webchat=False),
            clock=SharedClock(plan.start_wall),
        )
        sender = FakeSender(plan.fake_url, plan.limit, plan.timeout)
        services.senders["bench"] = sender
        freeze_startup_heap()  # as `bites serve` does once its services are built
        services.dispatcher.leases.lease = plan.lease
        if plan.journal is not None:
            _journal_claims(services.dispatcher.leases, plan.journal)
        while not stop.is_set():
            if not await services.dispatcher.drain():
                await asyncio.sleep(0.1)  # what is left waits for its retry time
        await sender.aclose()

    asyncio.run(main())


def start_workers(count: int, plan: WorkerPlan) -> tuple[list[multiprocessing.Process], Any]:
    """Start `count` dispatcher processes; set the returned event to stop them."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [context.Process(target=_work, args=(plan, stop)) for _ in range(count)]
    for worker in workers:
        worker.start()
    return workers, stop
