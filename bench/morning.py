"""Benchmark: a council's morning. Learners are seeded and planned on PostgreSQL, then
dispatcher processes send the morning's lesson nudges to local fakes of Telegram, Teams
and Slack that enforce the platforms' limits.

    .venv/bin/python -m bench.morning --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.morning --postgres URL --learners 20000 --senders light

Every learner's learning time is 09:00 on a Monday (the worst morning: every nudge due at
once); the mix of platforms is in `bench.morning_mix`. The day is planned at 00:05 by the
real planner; the `--processes` dispatchers (the real wiring, limits shared through
PostgreSQL) start at 09:00 and the run ends when the fakes have every nudge. It prints
the wall time from 09:00 to the last nudge accepted against the physical limit the
platforms' rates set (ratio: goal at least 90%), the lateness of sends (p50, p95, max,
and the p95 if every limit sent at exactly its rate), and per platform the 429s and the
busiest second (sends that arrived in any one second of one limit), lost and duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from app.settings import Settings
from app.wiring import build_services
from bench.dispatch_workers import drop_scratch, scratch_database
from bench.morning_mix import Send, identity_for, limit_key
from bench.morning_report import MorningReport, report
from bench.morning_workers import MIDNIGHT, NINE, MorningClock, start_workers
from bench.platform_fakes import (
    Limits,
    PlatformStats,
    accepted_count,
    serve_in_process,
    stats_of,
)
from bench.seed import seed_learners
from scheduler.planner import plan_day

# The morning: every delivery due by 09:00, with where it goes (rounds come at 10:00).
MORNING_SENDS = """
SELECT i.platform, i.conversation_id, i.extra, d.due_at
FROM delivery d JOIN identity i ON i.learner_id = d.learner_id
WHERE d.status = 'queued' AND d.due_at <= :nine
"""


@dataclass(frozen=True)
class Morning:
    """The benchmark's knobs."""

    learners: int = 100_000
    processes: int = 3
    senders: str = "real"  # or "light" (see bench.morning_senders)
    cards_each: int = 3
    limits: Limits = field(default_factory=Limits)
    deadline_s: float = 1800.0  # under an hour: the 10:00 rounds must not come due


def prepare(url: str, config: Morning, fake_url: str) -> tuple[float, float, list[Send]]:
    """Migrate, seed and plan the day; return the seconds seeding and planning took and
    the morning's sends."""
    services = build_services(
        Settings(database_url=url, scheduler=False, webchat=False), clock=MorningClock()
    )
    started = time.perf_counter()
    seed_learners(
        services.engine,
        config.learners,
        config.cards_each,
        MIDNIGHT,
        times=("09:00",),
        identity=identity_for(fake_url),
    )
    seeded = time.perf_counter()
    day, end = MIDNIGHT.date(), MIDNIGHT + dt.timedelta(days=1)
    planned = services.deliveries.plan_day("Europe/London", day, end, MIDNIGHT, plan_day)
    plan_s = time.perf_counter() - seeded
    assert planned is not None and planned.learners == config.learners
    services.engine.dispose()
    return seeded - started, plan_s, morning_sends(url)


def morning_sends(url: str) -> list[Send]:
    """The deliveries due by 09:00, each with its platform, limit and conversation."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        rows = connection.execute(text(MORNING_SENDS), {"nine": NINE}).all()
    engine.dispose()
    return [
        Send(p, limit_key(p, c, json.loads(e)), c, (due - NINE).total_seconds())
        for p, c, e, due in rows
    ]


async def wait_for(fake_url: str, sends: list[Send], deadline: float) -> dict[str, PlatformStats]:
    """Poll the fakes until every send arrived (or time is up), then a moment more so
    late duplicates show."""
    # Conversations are distinct across platforms, and only the morning's are sent to.
    while await accepted_count(fake_url) < len(sends) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    return await stats_of(fake_url)


def run(config: Morning, postgres: str) -> MorningReport:
    """Run one morning and report it."""
    fake, fake_url = serve_in_process(config.limits)
    with tempfile.TemporaryDirectory() as folder:
        url = scratch_database(Path(folder), postgres)
        try:
            seed_s, plan_s, sends = prepare(url, config, fake_url)
            workers = start_workers(config.processes, url, fake_url, config.senders)
            start_wall = workers.go()
            deadline = time.monotonic() + config.deadline_s
            stats = asyncio.run(wait_for(fake_url, sends, deadline))
            dispatch_cpu_s, sent = workers.stop()
        finally:
            drop_scratch(url)
    fake.kill()
    timings = {"seed_s": seed_s, "plan_s": plan_s, "dispatch_cpu_s": dispatch_cpu_s}
    return report(config.learners, config.limits, sends, (stats, sent), start_wall, timings)


def main() -> None:
    """Parse arguments, run once, print the report and the load average."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", required=True, help="PostgreSQL URL (scratch schema)")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--senders", choices=("real", "light"), default="real")
    args = parser.parse_args()
    config = Morning(learners=args.learners, processes=args.processes, senders=args.senders)
    load = os.getloadavg()[0]
    result = run(config, args.postgres)
    loads = {"load_at_start": load, "load_at_end": os.getloadavg()[0]}
    print(json.dumps({**asdict(result), "limits_kept": result.limits_kept, **loads}))


if __name__ == "__main__":
    main()
