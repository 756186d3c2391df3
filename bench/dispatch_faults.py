"""The dispatch fault suite: several dispatcher processes on PostgreSQL against a fake
platform with 429 storms, 503s and slow accepted sends, one of them killed with SIGKILL
mid-batch.

    .venv/bin/python -m bench.dispatch_faults \\
        --postgres postgresql://postgres@127.0.0.1:5432/test --deliveries 3000

Prints sent, expected, lost, duplicates (on slow-accepted sends and others), stuck,
uncertain, failed because of 429s, and how long the killed process's claims took to come
back. Targets: 0 lost, 0 failed because of 429s, duplicates at most one per slow-accepted
send (and, from the kill, at most one per send in flight or not yet recorded when it
died), every claim of the dead process back within 60 seconds. A short run of the same
suite is in tests/test_dispatch_faults.py.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.dispatch_workers import (
    WorkerPlan,
    drop_scratch,
    held_claims,
    scratch_database,
    seed_due,
    start_workers,
)
from bench.fake_platform import Faults, Stats, serve_in_process, stats_of


@dataclass(frozen=True)
class FaultRun:
    """The suite's knobs."""

    deliveries: int = 3000
    processes: int = 4
    limit: int = 200
    kill_at: float = 0.3  # share of deliveries accepted when one process is killed
    lease: dt.timedelta = dt.timedelta(seconds=20)
    timeout: float = 0.5  # the client's read timeout
    faults: Faults = field(
        default_factory=lambda: Faults(
            server_errors=0.03, slow=0.02, slow_seconds=1.0, storm_every=4.0, storm_seconds=0.7
        )
    )
    deadline: float = 300.0


@dataclass
class FaultReport:
    """What the suite measured."""

    sent: int
    expected: int
    lost: int
    duplicates: int
    duplicates_on_slow: int
    duplicates_other: int
    most_copies: int
    slow_accepted: int
    stuck: int
    uncertain: int
    failed_by_429: int
    refused_429: int
    dead_claims: int
    dead_claims_back_s: float


def _engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _sending(url: str, tokens: set[str] | None = None) -> set[tuple[int, str]]:
    """Rows being sent, as (id, claim token); only those of `tokens` when given."""
    engine = create_engine(_engine_url(url))
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, claimed_by FROM delivery WHERE status = 'sending'")
        ).all()
    engine.dispose()
    pairs = {(int(r[0]), str(r[1])) for r in rows}
    return pairs if tokens is None else {(i, t) for i, t in pairs if t in tokens}


def _kill_holding(url: str, pid: int, journal: str, deadline: float) -> set[tuple[int, str]]:
    """SIGKILL process `pid` at a moment it holds claimed rows, and return those rows.

    The process is frozen (SIGSTOP) while its claim journal and the database are read, so
    what it held cannot change in between; if it held nothing, it runs on a little and the
    harness tries again."""
    while True:
        os.kill(pid, signal.SIGSTOP)
        held = _sending(url, held_claims(journal, pid))
        if held or time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # mid-batch, as a crash would
            return held
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)


def _totals(url: str) -> tuple[int, int, int]:
    """(rows not ended, uncertain sends, rows failed because of a 429)."""
    engine = create_engine(_engine_url(url))
    with engine.connect() as connection:
        stuck, uncertain, by_429 = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE status IN ('queued', 'sending')), "
                "coalesce(sum(uncertain), 0), "
                "count(*) FILTER (WHERE status = 'failed' AND last_error LIKE '429%') "
                "FROM delivery"
            )
        ).one()
    engine.dispose()
    return int(stuck), int(uncertain), int(by_429)


async def _until_accepted(fake_url: str, count: int, deadline: float) -> Stats:
    while True:
        stats = await stats_of(fake_url)
        if len(stats.accepted) >= count or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.2)


def _await_return(url: str, orphans: set[tuple[int, str]], killed: float, deadline: float) -> float:
    """Seconds from the kill until no row of the dead process is still held by it."""
    while orphans & _sending(url) and time.monotonic() < deadline:
        time.sleep(0.5)
    return time.monotonic() - killed


def run(config: FaultRun, postgres: str) -> FaultReport:
    """Run the suite once and report."""
    fake, fake_url = serve_in_process(config.faults)
    with tempfile.TemporaryDirectory() as folder:
        url = scratch_database(Path(folder), postgres)
        try:
            seed_due(url, config.deliveries)
            plan = WorkerPlan(
                url, fake_url, config.limit, config.timeout, time.time(), config.lease, folder
            )
            workers, stop = start_workers(config.processes, plan)
            deadline = time.monotonic() + config.deadline
            kill_count = int(config.deliveries * config.kill_at)
            asyncio.run(_until_accepted(fake_url, kill_count, deadline))
            orphans = _kill_holding(url, workers[0].pid or 0, folder, deadline)
            killed = time.monotonic()
            back_s = _await_return(url, orphans, killed, deadline)
            stats = asyncio.run(_until_accepted(fake_url, config.deliveries, deadline))
            time.sleep(config.lease.total_seconds() * 1.3)  # let uncertain resends land
            stats = asyncio.run(stats_of(fake_url))
            stop.set()
            for worker in workers[1:]:
                worker.join(30)
            stuck, uncertain, by_429 = _totals(url)
        finally:
            drop_scratch(url)
    fake.kill()
    return _report(config, stats, len(orphans), back_s, (stuck, uncertain, by_429))


def _report(
    config: FaultRun,
    stats: Stats,
    dead_claims: int,
    back_s: float,
    totals: tuple[int, int, int],
) -> FaultReport:
    slow = set(stats.slow)
    extra = {to: n - 1 for to, n in stats.accepted.items() if n > 1}
    on_slow = sum(n for to, n in extra.items() if to in slow)
    return FaultReport(
        sent=sum(stats.accepted.values()),
        expected=config.deliveries,
        lost=config.deliveries - len(stats.accepted),
        duplicates=sum(extra.values()),
        duplicates_on_slow=on_slow,
        duplicates_other=sum(extra.values()) - on_slow,
        most_copies=max(stats.accepted.values(), default=0),
        slow_accepted=len(slow),
        stuck=totals[0],
        uncertain=totals[1],
        failed_by_429=totals[2],
        refused_429=stats.refused_429,
        dead_claims=dead_claims,
        dead_claims_back_s=round(back_s, 1),
    )


def main() -> None:
    """Parse arguments, run once, print the report and the load average."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", required=True, help="PostgreSQL URL (scratch schema)")
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--limit", type=int, default=200)
    args = parser.parse_args()
    config = FaultRun(deliveries=args.deliveries, processes=args.processes, limit=args.limit)
    report = run(config, args.postgres)
    print({**asdict(report), "load": os.getloadavg()[0]})


if __name__ == "__main__":
    main()
