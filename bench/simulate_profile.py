"""Benchmark: where the time of a `bites simulate` run goes.

    .venv/bin/python -m bench.simulate_profile --learners 200 --days 30 [--top 25]

Runs the simulation under cProfile and prints the run's wall time, the number of bot
messages handled and dispatcher rounds, and the functions with the most cumulative time
in four groups: the bot (one transaction per button press), the dispatcher, planning,
and the simulation's own work. Results are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import re
import time

from app.simulate import run_simulation

START = dt.datetime(2026, 3, 23, 0, 0, tzinfo=dt.UTC)
GROUPS = {
    "bot (handle per press)": r"bot/service\.py:\d+\(handle\)$",
    "dispatcher": r"app/simulated\.py:\d+\(dispatch\)$",
    "planning": r"app/simulated\.py:\d+\(plan\)$",
    "next delivery reads": r"app/simulated\.py:\d+\(next_delivery_at\)$",
    "stored card reads": r"app/sim/facts\.py:\d+\(stored_card\)$",
    "summary": r"app/simulate\.py:\d+\(summarise\)$",
}


def main() -> None:
    """Profile one run and print where its time went."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    summary = run_simulation(args.learners, args.days, args.seed, START)
    profile.disable()
    wall = time.perf_counter() - began
    stats = pstats.Stats(profile)
    print(f"{args.learners} learners x {args.days} days: {wall:.1f} s under the profiler")
    print(f"answers given: {summary['answers_given']}, sends: {summary['deliveries_sent']}")
    for name, pattern in GROUPS.items():
        seconds = _cumulative(stats, pattern)
        print(f"{name:28} {seconds:8.1f} s  {100 * seconds / wall:5.1f}%")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


def _cumulative(stats: pstats.Stats, pattern: str) -> float:
    """The cumulative seconds of the functions whose 'file:line(name)' matches."""
    wanted = re.compile(pattern)
    seconds = 0.0
    for (path, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if wanted.search(f"{path}:{line}({name})"):
            seconds += row[3]
    return seconds


if __name__ == "__main__":
    main()
