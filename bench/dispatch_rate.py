"""Benchmark: sustained dispatch, with no platform limit or against an enforced one.

    .venv/bin/python -m bench.dispatch_rate --deliveries 5000 --limit 0
    .venv/bin/python -m bench.dispatch_rate --deliveries 3000 --limit 200
    .venv/bin/python -m bench.dispatch_rate --deliveries 3000 --limit 200 --processes 3 \\
        --postgres postgresql://postgres@127.0.0.1:5432/test

A local fake platform (`bench.fake_platform`, in its own process) accepts at most `--limit`
sends in any sliding second and answers 429 with Retry-After: 1 above that (`--limit 0`:
no limit). `--processes` dispatcher processes (the real wiring) send `--deliveries` due
lesson nudges. Prints the sustained rate and its share of the limit (goal: at least 95%),
the 429s (goal: under 1% of sends), and deliveries lost or sent twice (goal: none). With
several processes on PostgreSQL the limit is shared through the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from bench.dispatch_workers import (
    WorkerPlan,
    drop_scratch,
    scratch_database,
    seed_due,
    start_workers,
)
from bench.fake_platform import Faults, Stats, serve_in_process, stats_of

TIMEOUT_SECONDS = 600


async def wait_for(url: str, expected: int, timeout: float) -> Stats:
    """Poll the fake until every delivery arrived (or time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        stats = await stats_of(url)
        if len(stats.accepted) >= expected or time.monotonic() > deadline:
            await asyncio.sleep(0.5)  # let stragglers (duplicates) show
            return await stats_of(url)
        await asyncio.sleep(0.2)


def run(deliveries: int, limit: int, processes: int, postgres: str | None) -> dict[str, float]:
    """Seed, serve the fake, dispatch everything, report."""
    fake, fake_url = serve_in_process(Faults(limit=limit))
    with tempfile.TemporaryDirectory() as folder:
        url = scratch_database(Path(folder), postgres)
        try:
            seed_due(url, deliveries)
            plan = WorkerPlan(url, fake_url, limit, 5.0, time.time())
            workers, stop = start_workers(processes, plan)
            stats = asyncio.run(wait_for(fake_url, deliveries, TIMEOUT_SECONDS))
            stop.set()
            for worker in workers:
                worker.join(30)
        finally:
            drop_scratch(url)
    fake.kill()
    sent = sum(stats.accepted.values())
    spread = (stats.last or 0) - (stats.first or 0)
    rate = (sent - 1) / spread if spread else 0.0
    return {
        "sent": sent,
        "rate_per_s": round(rate, 1),
        "share_of_limit": round(rate / limit, 3) if limit else 0.0,
        "refused_429": stats.refused_429,
        "share_429": round(stats.refused_429 / max(sent, 1), 4),
        "max_in_one_second": stats.max_in_one_second,
        "lost": deliveries - len(stats.accepted),
        "duplicates": sent - len(stats.accepted),
    }


def main() -> None:
    """Parse arguments, run, print the result and the load average."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=50, help="sends per second; 0: none")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--postgres", help="PostgreSQL URL (a scratch schema is made)")
    args = parser.parse_args()
    result = run(args.deliveries, args.limit, args.processes, args.postgres)
    print({**result, "load": os.getloadavg()[0]})


if __name__ == "__main__":
    main()
