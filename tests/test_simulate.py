"""`bites simulate`: the real planner and dispatcher over simulated days and learners
break none of the pacing rules."""

from __future__ import annotations

import datetime as dt
import json

from app.simulate import run_simulation
from tests.test_cli import run

KEYS = {
    "deliveries_sent",
    "sent_outside_working_hours",
    "sent_on_bank_holidays",
    "max_proactive_per_learner_day",
    "duplicate_sends",
    "refreshers_due_not_sent",
    "mean_predicted_recall",
}


def test_a_simulated_fortnight_over_easter_breaks_no_pacing_rule() -> None:
    # 30 March to 10 April 2026: Good Friday and Easter Monday (not in Scotland) inside.
    start = dt.datetime(2026, 3, 30, 0, 0, tzinfo=dt.UTC)
    summary = run_simulation(learners=40, days=11, seed=3, start=start)
    assert summary["deliveries_sent"] > 100
    assert summary["answers_given"] > 100
    assert summary["sent_outside_working_hours"] == 0
    assert summary["sent_on_bank_holidays"] == 0
    assert summary["sent_during_leave"] == 0
    assert summary["duplicate_sends"] == 0
    assert summary["learner_days_over_cap"] == 0
    assert 1 <= summary["max_proactive_per_learner_day"] <= 4  # type: ignore[operator]
    assert 0.5 < summary["mean_predicted_recall"] <= 1  # type: ignore[operator]


def test_the_command_prints_the_summary_as_json() -> None:
    result = run("simulate", "--learners", "3", "--days", "2", "--seed", "1", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) >= KEYS
    assert summary["learners"] == 3
