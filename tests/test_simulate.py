"""`bites simulate`: the real planner, dispatcher and bot over simulated days and learners
who remember and forget break none of the pacing rules; the clock jumps from event to
event."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app import simulated
from app.simulate import run_simulation
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import ChatUser, make_services, outbox
from tests.test_cli import run

KEYS = {
    "deliveries_sent",
    "sent_outside_working_hours",
    "sent_on_bank_holidays",
    "max_proactive_per_learner_day",
    "duplicate_sends",
    "refreshers_due_not_sent",
    "mean_predicted_recall",
    "overdue_share",
    "true_mean_recall",
    "true_mean_recall_refreshed",
    "predicted_recall_calibration",
    "predicted_recall_bins",
    "items_known",
    "lesson_nudges_withheld_by_refreshers",
    "messages_per_working_day",
    "max_minutes_per_day",
    "minutes_per_day_p95",
    "modules_done_mean",
    "modules_done_p10",
    "seconds",
    "effect_refreshed_90d",
    "effect_holdout_90d",
    "effect_gain_points",
    "effect_gain_ci",
}


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


@pytest.fixture(scope="module")
def fortnight() -> dict[str, object]:
    # 30 March to 10 April 2026: Good Friday and Easter Monday (not in Scotland) inside.
    return run_simulation(learners=40, days=11, seed=3, start=utc(2026, 3, 30))


def test_a_simulated_fortnight_over_easter_breaks_no_pacing_rule(
    fortnight: dict[str, object],
) -> None:
    summary = fortnight
    assert summary["deliveries_sent"] > 100  # type: ignore[operator]
    assert summary["answers_given"] > 100  # type: ignore[operator]
    assert summary["sent_outside_working_hours"] == 0
    assert summary["sent_on_bank_holidays"] == 0
    assert summary["sent_during_leave"] == 0
    assert summary["duplicate_sends"] == 0
    assert summary["learner_days_over_cap"] == 0
    assert 1 <= summary["max_proactive_per_learner_day"] <= 4  # type: ignore[operator]
    assert 0.5 < summary["mean_predicted_recall"] <= 1  # type: ignore[operator]


def test_learners_learn_and_forget_and_the_figures_say_so(fortnight: dict[str, object]) -> None:
    summary = fortnight
    assert 0 < summary["learners_taking_part"] <= 40  # type: ignore[operator]
    assert 0.5 < summary["true_mean_recall"] < 1  # type: ignore[operator]
    assert 0.5 < summary["true_mean_recall_refreshed"] < 1  # type: ignore[operator]
    assert summary["items_known"] > 5  # type: ignore[operator]
    assert 0 <= summary["overdue_share"] < 1  # type: ignore[operator]
    assert summary["modules_done_mean"] >= 1  # type: ignore[operator]
    assert 0 < summary["max_minutes_per_day"] < 60  # type: ignore[operator]
    assert summary["minutes_per_day_p95"] <= summary["max_minutes_per_day"]  # type: ignore[operator]
    bins = summary["predicted_recall_bins"]
    assert isinstance(bins, list)
    assert sum(b["n"] for b in bins) > 20  # refresher answers, each with a prediction
    assert 0 <= summary["predicted_recall_calibration"] < 0.5  # type: ignore[operator]


def test_the_same_seed_is_the_same_run() -> None:
    first = run_simulation(learners=6, days=4, seed=5, start=utc(2026, 3, 23))
    second = run_simulation(learners=6, days=4, seed=5, start=utc(2026, 3, 23))
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_advance_ticks_only_at_events(
    sqlite_url: str,
    clock: ManualClock,
    demo_curriculum: Curriculum,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Monday 2 March 2026, 09:00 GMT: the learner joins and picks 12:30.
    user = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    ticks: list[dt.datetime] = []
    real = simulated.tick

    def counted(services: simulated.Services) -> None:
        ticks.append(clock.now())
        real(services)

    monkeypatch.setattr(simulated, "tick", counted)
    simulated.advance(user.services, clock, dt.timedelta(days=2))
    assert ticks == [
        utc(2026, 3, 2, 9, 0),  # now: Monday is planned
        utc(2026, 3, 2, 12, 30),  # Monday's lesson nudge (withheld: active today)
        utc(2026, 3, 3, 0, 0),  # Tuesday begins: planned
        utc(2026, 3, 3, 12, 30),  # Tuesday's lesson nudge
        utc(2026, 3, 4, 0, 0),
        utc(2026, 3, 4, 9, 0),  # the end
    ]
    assert [sent.at for sent in outbox(user.services).sent] == [utc(2026, 3, 3, 12, 30)]


def test_the_command_prints_the_summary_as_json() -> None:
    result = run("simulate", "--learners", "3", "--days", "2", "--seed", "1", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) >= KEYS
    assert summary["learners"] == 3
