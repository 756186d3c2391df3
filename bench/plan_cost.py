"""Benchmark: planning one day for many learners, against a bare SELECT of the same rows.

    .venv/bin/python -m bench.plan_cost --learners 100000 [--postgres URL]

For each database it seeds N active learners with 3 FSRS cards each, then, for each of
`--repeats` successive days, times (a) a bare SELECT of the rows the planner reads (its
statements' columns and filters, unpaged, fetched with the same driver) and (b) the real
planning run for that local day (read, plan, insert deliveries, record the run). It prints
min / median / max of both and of their ratio (goal: at most 3x), in wall time and in CPU
time (this process's, plus its PostgreSQL server processes' when the server runs on this
machine). Results are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.settings import Settings
from app.wiring import build_services
from bench.seed import seed_learners
from runtime.clock import ManualClock
from scheduler.planner import plan_day

MONDAY = dt.datetime(2026, 3, 2, 0, 5, tzinfo=dt.UTC)
APPLICATION = "cb_plan_cost"  # names this benchmark's PostgreSQL connections
# The rows the planner reads, with the statements' columns and filters, read in one go
# without pages: its learners, their due cards, the rounds sent since each learner last
# wrote, waiting check-ups and running campaigns.
BARE = """
SELECT l.id, l.nation, o.nation, l.working_days, l.learning_time, o.work_start, o.work_end,
       l.away_from, l.away_until, l.nudges_ignored, l.last_nudge_at, o.lesson_cap,
       o.round_size, o.round_size_lesson_day, o.backlog_limit, o.desired_retention, l.module_id
FROM learner l LEFT JOIN council o ON l.council_id = o.id
WHERE l.stage = 'active' AND NOT l.paused
  AND coalesce(l.timezone, o.timezone, 'Europe/London') = 'Europe/London'
ORDER BY l.id
"""
BARE_CARDS = """
SELECT c.learner_id, c.question_id, c.id, c.state, c.step, c.stability, c.difficulty, c.due,
       c.last_review
FROM srs_card c JOIN learner l ON c.learner_id = l.id LEFT JOIN council o ON l.council_id = o.id
WHERE c.due < :end AND NOT c.held_out AND l.stage = 'active' AND NOT l.paused
  AND coalesce(l.timezone, o.timezone, 'Europe/London') = 'Europe/London'
"""
BARE_FACTS = (
    """
SELECT d.learner_id, count(*), max(d.sent_at)
FROM delivery d JOIN learner l ON d.learner_id = l.id LEFT JOIN council o ON l.council_id = o.id
WHERE d.kind = 'round' AND d.status = 'sent'
  AND d.sent_at > coalesce(l.last_seen_at, l.created_at)
  AND l.stage = 'active' AND NOT l.paused
  AND coalesce(l.timezone, o.timezone, 'Europe/London') = 'Europe/London'
GROUP BY d.learner_id
""",
    """
SELECT learner_id, id, variant_id FROM effect_probe
WHERE kind = 'checkup' AND answered_at IS NULL AND due_on <= :day AND due_on > :since
ORDER BY id
""",
    "SELECT * FROM campaign WHERE status = 'active'",
)


def bare_select(engine: Engine, day: dt.date, end: dt.datetime) -> None:
    """Read the rows the planner reads, with the same driver, and nothing else."""
    since = day - dt.timedelta(days=30)
    with engine.connect() as connection:
        connection.execute(text(BARE)).fetchall()
        connection.execute(text(BARE_CARDS), {"end": _bind(engine, end)}).fetchall()
        for query in BARE_FACTS:
            connection.execute(text(query), {"day": day, "since": since}).fetchall()


def _bind(engine: Engine, at: dt.datetime) -> object:
    # SQLite compares the text SQLAlchemy stores: naive UTC (see storage.types).
    return at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at


def measure(url: str, learners: int, repeats: int) -> dict[str, list[float]]:
    """Seed, then time a bare read and a planning run for each of `repeats` days, one
    after the other (so both meet the same load): wall seconds, CPU seconds of this
    process and of its PostgreSQL server processes, and the ratios."""
    clock = ManualClock(MONDAY)
    services = build_services(
        Settings(database_url=url, scheduler=False, webchat=False), clock=clock
    )
    engine = services.engine
    seed_learners(engine, learners, 3, MONDAY)
    found: dict[str, list[float]] = {
        name: [] for name in ("bare", "plan", "ratio", "bare_cpu", "plan_cpu", "cpu_ratio")
    }
    for day in range(repeats):
        now = MONDAY + dt.timedelta(days=day)
        end = now + dt.timedelta(days=1)
        cpu, started = cpu_seconds(engine), time.perf_counter()
        bare_select(engine, now.date(), end)
        bare, bare_cpu = time.perf_counter() - started, cpu_seconds(engine) - cpu
        cpu, started = cpu_seconds(engine), time.perf_counter()
        result = services.deliveries.plan_day("Europe/London", now.date(), end, now, plan_day)
        plan, plan_cpu = time.perf_counter() - started, cpu_seconds(engine) - cpu
        assert result is not None and result.learners == learners
        for name, value in (("bare", bare), ("plan", plan), ("ratio", plan / bare)):
            found[name].append(value)
        found["bare_cpu"].append(bare_cpu)
        found["plan_cpu"].append(plan_cpu)
        found["cpu_ratio"].append(plan_cpu / bare_cpu)
    engine.dispose()
    return found


def cpu_seconds(engine: Engine) -> float:
    """CPU time used so far by this process and, when PostgreSQL runs on this machine, by
    the server processes of this engine's connections: on a shared machine the wall time
    moves with other work, the CPU time much less."""
    used = time.process_time()
    if engine.dialect.name == "sqlite":
        return used
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": APPLICATION},
        ).scalars()
        for pid in pids:
            stat = Path(f"/proc/{pid}/stat")
            if stat.exists():  # a server on another machine is not counted
                fields = stat.read_text().rsplit(")", 1)[1].split()
                used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def spread(values: list[float]) -> str:
    """min / median / max."""
    return " / ".join(f"{v:.2f}" for v in (min(values), statistics.median(values), max(values)))


@contextmanager
def _postgres_schema(base: str) -> Iterator[str]:
    """A URL whose search_path is a scratch schema, dropped afterwards."""
    schema = "cb_bench_" + secrets.token_hex(4)
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    query = {"options": f"-csearch_path={schema}", "application_name": APPLICATION}
    try:
        yield make_url(base).update_query_dict(query).render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def main() -> None:
    """Run the benchmark and print one line per database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL URL (a scratch schema is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args.learners, args.repeats)
    if args.postgres:
        with _postgres_schema(args.postgres) as url:
            report("postgresql", url, args.learners, args.repeats)


def report(name: str, url: str, learners: int, repeats: int) -> None:
    """Measure one database and print its line."""
    found = measure(url, learners, repeats)
    for day in range(repeats):
        print(
            f"  {name} day {day + 1}: bare SELECT {found['bare'][day]:.2f} s, "
            f"plan {found['plan'][day]:.2f} s, ratio {found['ratio'][day]:.2f}x; "
            f"CPU {found['bare_cpu'][day]:.2f} s, {found['plan_cpu'][day]:.2f} s, "
            f"ratio {found['cpu_ratio'][day]:.2f}x"
        )
    print(
        f"{name}: {learners} learners, min / median / max of {repeats}: "
        f"bare SELECT {spread(found['bare'])} s, plan one day {spread(found['plan'])} s, "
        f"ratio {spread(found['ratio'])}x; CPU: bare {spread(found['bare_cpu'])} s, "
        f"plan {spread(found['plan_cpu'])} s, ratio {spread(found['cpu_ratio'])}x"
    )


if __name__ == "__main__":
    main()
