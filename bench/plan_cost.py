"""Benchmark: planning one day for many learners, against a bare SELECT of the same rows.

    .venv/bin/python -m bench.plan_cost --learners 100000 [--postgres URL]

For each database it seeds N active learners with 3 FSRS cards each, then times
(a) a bare SELECT of the learner rows and cards the planner reads, fetched with the same
driver, and (b) the real planning run for one local day (read, plan, insert deliveries,
record the run). It prints both and their ratio (goal: at most 3x). Results are in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.settings import Settings
from app.wiring import build_services
from bench.seed import seed_learners
from runtime.clock import ManualClock
from scheduler.planner import plan_day

MONDAY = dt.datetime(2026, 3, 2, 0, 5, tzinfo=dt.UTC)
BARE = """
SELECT l.id, l.nation, o.nation, l.working_days, l.learning_time, o.work_start, o.work_end,
       l.away_from, l.away_until, l.nudges_ignored, l.last_nudge_at, o.lesson_cap,
       o.round_size, o.round_size_lesson_day, o.backlog_limit, o.desired_retention
FROM learner l LEFT JOIN organisation o ON l.org_id = o.id
WHERE l.stage = 'active' AND NOT l.paused
  AND coalesce(l.timezone, o.timezone, 'Europe/London') = 'Europe/London'
"""
BARE_CARDS = """
SELECT c.* FROM srs_card c JOIN learner l ON c.learner_id = l.id
LEFT JOIN organisation o ON l.org_id = o.id
WHERE c.due < :end AND l.stage = 'active' AND NOT l.paused
  AND coalesce(l.timezone, o.timezone, 'Europe/London') = 'Europe/London'
"""


def measure(url: str, learners: int, repeats: int) -> dict[str, float]:
    """Seed, then time bare reads and planning runs; medians in seconds."""
    clock = ManualClock(MONDAY)
    services = build_services(
        Settings(database_url=url, scheduler=False, webchat=False), clock=clock
    )
    seed_learners(services.engine, learners, 3, MONDAY)
    bare, plan = [], []
    for day in range(repeats):
        now = MONDAY + dt.timedelta(days=day)
        end = now + dt.timedelta(days=1)
        started = time.perf_counter()
        with services.engine.connect() as connection:
            connection.execute(text(BARE)).fetchall()
            connection.execute(text(BARE_CARDS), {"end": end.replace(tzinfo=None)}).fetchall()
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = services.deliveries.plan_day("Europe/London", now.date(), end, now, plan_day)
        plan.append(time.perf_counter() - started)
        assert result is not None and result.learners == learners
    services.engine.dispose()
    return {"bare_select_s": statistics.median(bare), "plan_day_s": statistics.median(plan)}


def _postgres_schema_url(base: str) -> tuple[str, str]:
    schema = "cb_bench_" + secrets.token_hex(4)
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def main() -> None:
    """Run the benchmark and print one line per database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL URL (a scratch schema is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if args.postgres:
            targets.append(("postgresql", _postgres_schema_url(args.postgres)[0]))
        for name, url in targets:
            result = measure(url, args.learners, args.repeats)
            ratio = result["plan_day_s"] / result["bare_select_s"]
            print(
                f"{name}: {args.learners} learners, bare SELECT {result['bare_select_s']:.2f} s, "
                f"plan one day {result['plan_day_s']:.2f} s, ratio {ratio:.1f}x"
            )


if __name__ == "__main__":
    main()
