"""Benchmark: the planner's decision alone, no database: `scheduler.planner.plan_day` for
many learners who share a few pacings, as planning a day does.

    .venv/bin/python -m bench.plan_decide --learners 100000 --repeats 5

Each learner has one of ten learning times, 0 to 3 due FSRS cards, and a module in progress
three times in ten (seed 1, so every run plans the same). Prints the seconds of each repeat
(min / median / max) and how many deliveries were planned. Results are in
docs/benchmarks.md ("Planning one day for 100,000 learners").
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from scheduler import srs
from scheduler.pacing import learner_pacing
from scheduler.planner import DueCard, LearnerPlan, RoundRules, plan_day

MONDAY = dt.date(2026, 3, 23)
REVIEWED = dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)


def learners(count: int) -> list[tuple[LearnerPlan, list[DueCard]]]:
    """`count` learners with their due cards."""
    rng = random.Random(1)
    times = [f"{h:02d}:{m:02d}" for h in (8, 9, 10, 12, 14) for m in (0, 30)]
    pacings = [learner_pacing(learning_time=t) for t in times]
    rules = RoundRules()
    memory = srs.review(srs.new_memory(0, REVIEWED), srs.Grade.GOOD, REVIEWED)
    found = []
    for learner_id in range(count):
        plan = LearnerPlan(
            learner_id,
            rng.choice(pacings),
            rng.randrange(4),
            None,
            rounds=rules,
            in_module=rng.random() < 0.3,
        )
        found.append((plan, [DueCard(f"q{q}", memory) for q in range(rng.randrange(4))]))
    return found


def main() -> None:
    """Time the decision and print one line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    facts = learners(args.learners)
    seconds, planned = [], 0
    for _ in range(args.repeats + 1):  # the first warms the caches and is not counted
        started = time.perf_counter()
        planned = sum(len(plan_day(plan, MONDAY, cards)) for plan, cards in facts)
        seconds.append(time.perf_counter() - started)
    counted = seconds[1:]
    print(
        f"{args.learners} learners, {planned} deliveries; seconds min / median / max of "
        f"{args.repeats}: {min(counted):.3f} / {statistics.median(counted):.3f} / "
        f"{max(counted):.3f}"
    )


if __name__ == "__main__":
    main()
