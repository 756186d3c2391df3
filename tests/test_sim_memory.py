"""The simulated learners' hidden memory: FSRS-6's curve and formulas with a hidden
parameter set, with exact numbers worked out by hand from py-fsrs 6's defaults."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from app.sim.memory import (
    DECAY,
    FACTOR,
    TRUE_PARAMETERS,
    Trace,
    Trait,
    after_retrieval,
    combine,
    first_reading,
    pick_option,
    question_trait,
    retrievability,
)
from scheduler import srs

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_the_curve_is_the_schedulers_fsrs6_curve() -> None:
    assert DECAY == 0.1542
    assert pytest.approx(0.9803464944, abs=1e-9) == FACTOR
    trace = Trace(stability=5.0, difficulty=5.0, last=AT)
    assert retrievability(trace, AT) == 1.0
    assert retrievability(trace, AT + 5 * DAY) == pytest.approx(0.9)  # S is the 90% point
    assert retrievability(trace, AT + 10 * DAY) == pytest.approx(0.8458846451, abs=1e-9)
    card = srs.Memory(1, 2, None, 5.0, 5.0, AT + 5 * DAY, AT)
    for days in (1, 3, 10, 40):
        at = AT + days * DAY
        assert retrievability(trace, at) == pytest.approx(srs.recall(card, at), abs=1e-12)


def test_hours_count_as_fractions_of_a_day() -> None:
    trace = Trace(stability=1.0, difficulty=5.0, last=AT)
    assert retrievability(trace, AT + dt.timedelta(hours=12)) == pytest.approx(
        (1 + FACTOR * 0.5) ** -DECAY
    )


def test_the_hidden_truth_is_weaker_than_the_schedulers_assumption() -> None:
    assert TRUE_PARAMETERS[:4] == pytest.approx((0.1696, 1.03448, 1.8452, 6.63648))
    assert TRUE_PARAMETERS[8] == pytest.approx(1.7722)
    assert TRUE_PARAMETERS[20] == DECAY


def test_a_first_reading_understood_lays_down_goods_initial_stability() -> None:
    trace = first_reading(True, Trait(), AT)
    assert trace.stability == pytest.approx(1.8452)
    assert trace.difficulty == pytest.approx(2.1181039705, abs=1e-9)
    assert trace.last == AT


def test_a_first_reading_not_understood_is_weak_and_hard() -> None:
    trace = first_reading(False, Trait(multiplier=2.0, difficulty_offset=1.0), AT)
    assert trace.stability == pytest.approx(0.3392)  # Again's 0.1696 days, doubled
    assert trace.difficulty == pytest.approx(7.4133)


def test_a_difficulty_offset_is_clamped_to_fsrs_range() -> None:
    assert first_reading(True, Trait(difficulty_offset=-5.0), AT).difficulty == 1.0
    assert first_reading(False, Trait(difficulty_offset=9.0), AT).difficulty == 10.0


def test_recall_at_ninety_percent_grows_stability_by_fsrs_recall_formula() -> None:
    first = first_reading(True, Trait(), AT)
    after = after_retrieval(first, True, Trait(), AT + first.stability * DAY)
    assert after.stability == pytest.approx(9.0595234945, abs=1e-8)
    assert after.difficulty == pytest.approx(2.1112142358, abs=1e-9)
    assert after.last == AT + first.stability * DAY


def test_the_spacing_effect_a_later_success_gains_more() -> None:
    first = first_reading(True, Trait(), AT)
    soon = after_retrieval(first, True, Trait(), AT + DAY)
    late = after_retrieval(first, True, Trait(), AT + 6 * DAY)
    same_day = after_retrieval(first, True, Trait(), AT + dt.timedelta(minutes=5))
    assert first.stability < same_day.stability < 1.02 * first.stability  # cramming: ~nothing
    assert same_day.stability < soon.stability < late.stability


def test_a_stronger_learner_gains_more_from_the_same_success() -> None:
    first = first_reading(True, Trait(), AT)
    at = AT + first.stability * DAY
    weak = after_retrieval(first, True, Trait(multiplier=0.5), at)
    strong = after_retrieval(first, True, Trait(multiplier=2.0), at)
    # S' = S * (1 + m * gain) with gain 3.90977 at R = 0.9
    assert weak.stability == pytest.approx(1.8452 * (1 + 0.5 * 3.9097786), rel=1e-6)
    assert strong.stability == pytest.approx(1.8452 * (1 + 2.0 * 3.9097786), rel=1e-6)


def test_a_lapse_takes_fsrs_post_lapse_stability_and_raises_difficulty() -> None:
    first = first_reading(True, Trait(), AT)
    after = after_retrieval(first, False, Trait(), AT + first.stability * DAY)
    assert after.stability == pytest.approx(0.5285534214, abs=1e-9)
    assert after.difficulty == pytest.approx(7.3945027413, abs=1e-9)


def test_without_recall_the_learner_guesses_one_in_n() -> None:
    rng = random.Random(7)  # noqa: S311 - a simulation
    four = [pick_option([False, True, False, False], 0.0, rng) for _ in range(10_000)]
    assert all(not recalled for _index, recalled in four)
    assert (
        sum(index == 1 for index, _recalled in four) == 2_561
    )  # a quarter of 10,000, give or take chance
    two = [pick_option([True, False], 0.0, rng)[0] for _ in range(10_000)]
    assert two.count(0) == 4_986


def test_with_recall_the_learner_picks_the_right_option() -> None:
    rng = random.Random(7)  # noqa: S311 - a simulation
    picks = [pick_option([False, False, True], 0.8, rng) for _ in range(10_000)]
    recalled = sum(1 for _index, r in picks if r)
    right = sum(1 for index, _r in picks if index == 2)
    assert recalled == 8_021
    assert right == 8_021 + 691  # recalled, plus about a third of the 1,979 guesses


def test_a_questions_trait_depends_only_on_the_seed_and_the_question() -> None:
    assert question_trait(1, "a1-q1") == question_trait(1, "a1-q1")
    assert question_trait(1, "a1-q1") != question_trait(2, "a1-q1")
    assert question_trait(1, "a1-q1") != question_trait(1, "a1-q2")
    trait = combine(1.5, Trait(multiplier=0.8, difficulty_offset=-0.5))
    assert trait == Trait(multiplier=pytest.approx(1.2), difficulty_offset=-0.5)
