"""A council's forgetting curve, fitted from its answers (scheduler/calibration.py). Pure."""

from __future__ import annotations

import random

from scheduler.calibration import (
    MIN_REVIEWS,
    Outcome,
    fit_scale,
    scheduling_retention,
)
from scheduler.srs import DECAY, FACTOR


def _answers(true_scale: float, count: int, seed: int) -> list[Outcome]:
    """Answers of officers whose memories last `true_scale` times what FSRS predicts."""
    rng = random.Random(seed)  # noqa: S311 - simulated answers
    answers = []
    for _ in range(count):
        stability = rng.uniform(2.0, 40.0)
        elapsed = stability * rng.uniform(0.3, 2.5)
        recall = (1 + FACTOR * elapsed / (true_scale * stability)) ** -DECAY
        answers.append(Outcome(elapsed, stability, rng.random() < recall))
    return answers


def test_the_fit_finds_how_fast_officers_forget() -> None:
    for true_scale in (0.6, 1.0, 1.5):
        fit = fit_scale(_answers(true_scale, 4000, seed=7))
        assert fit.reviews == 4000
        assert abs(fit.scale - true_scale) / true_scale < 0.15, (true_scale, fit)


def test_few_answers_keep_the_defaults() -> None:
    answers = _answers(0.5, MIN_REVIEWS - 1, seed=1)
    assert fit_scale(answers).scale == 1.0
    assert fit_scale(answers).reviews == MIN_REVIEWS - 1


def test_the_prior_keeps_a_small_council_nearer_the_defaults() -> None:
    # Answers recalled exactly as often as officers with k = 0.5 would: with many of them
    # the fit finds 0.5; with few, the prior pulls it towards 1 (the defaults).
    truth = (1 + FACTOR * 20.0 / (0.5 * 10.0)) ** -DECAY

    def answers(n: int) -> list[Outcome]:
        right = round(truth * n)
        return [Outcome(20.0, 10.0, True)] * right + [Outcome(20.0, 10.0, False)] * (n - right)

    many, few = fit_scale(answers(10_000)).scale, fit_scale(answers(MIN_REVIEWS)).scale
    assert abs(many - 0.5) < 0.01
    assert 0.55 < few < 0.8


def test_the_scheduler_is_given_the_retention_that_keeps_the_councils_promise() -> None:
    assert scheduling_retention(0.9, 1.0) == 0.9
    faster = scheduling_retention(0.9, 0.8)
    assert 0.9 < faster < 0.97

    # At that retention FSRS's own interval is 0.8 times its interval at 0.9.
    def interval(retention: float) -> float:
        return (retention ** (-1 / DECAY) - 1) / FACTOR

    assert abs(interval(faster) / interval(0.9) - 0.8) < 0.01
    assert scheduling_retention(0.9, 1.3) < 0.9
    assert scheduling_retention(0.95, 0.25) == 0.97  # within FSRS's advised bounds
    assert scheduling_retention(0.8, 4.0) == 0.7
