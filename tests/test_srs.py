"""The quiz-outcome → FSRS rating mapping, with exact intervals (fuzz off)."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler import srs
from scheduler.srs import Grade, grade_for, new_memory, recall, review

AT = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("correct", "guessed", "grade"),
    [
        (False, False, Grade.AGAIN),
        (False, True, Grade.AGAIN),  # a wrong guess is still a lapse
        (True, False, Grade.GOOD),
        (True, True, Grade.HARD),  # right, but the learner says it was a guess
    ],
)
def test_outcomes_map_to_ratings(correct: bool, guessed: bool, grade: Grade) -> None:
    assert grade_for(correct, guessed) is grade


def test_a_guess_re_rated_from_the_card_before_gives_the_hard_interval() -> None:
    # "I guessed" re-runs the review as Hard from the stored card before it: after two
    # Good reviews (2 then 11 days) a third Good gives a far longer interval than Hard.
    first = review(new_memory(1, AT), Grade.GOOD, AT, fuzz=False)
    second = review(first, Grade.GOOD, first.due, fuzz=False)
    before = srs.memory_from_json(srs.memory_to_json(second))
    assert before == second
    good = review(before, Grade.GOOD, second.due, fuzz=False)
    hard = review(before, Grade.HARD, second.due, fuzz=False)
    assert (second.due - first.due).days == 11
    assert (good.due - second.due).days == 46
    assert (hard.due - second.due).days == 32


@pytest.mark.parametrize(
    ("grade", "days"),
    [(Grade.AGAIN, 1), (Grade.HARD, 1), (Grade.GOOD, 2)],
)
def test_first_review_intervals(grade: Grade, days: int) -> None:
    after = review(new_memory(1, AT), grade, AT, fuzz=False)
    assert after.due - AT == dt.timedelta(days=days)
    assert after.last_review == AT


def test_intervals_grow_with_good_answers_and_shrink_after_a_lapse() -> None:
    first = review(new_memory(1, AT), Grade.GOOD, AT, fuzz=False)
    second = review(first, Grade.GOOD, first.due, fuzz=False)
    assert second.due - first.due == dt.timedelta(days=11)
    lapse = review(second, Grade.AGAIN, second.due, fuzz=False)
    assert lapse.due - second.due == dt.timedelta(days=2)


def test_a_higher_desired_retention_brings_reviews_sooner() -> None:
    first = review(new_memory(1, AT), Grade.GOOD, AT, fuzz=False)
    relaxed = review(first, Grade.GOOD, first.due, retention=0.8, fuzz=False)
    strict = review(first, Grade.GOOD, first.due, retention=0.95, fuzz=False)
    assert strict.due < first.due + dt.timedelta(days=11) < relaxed.due


def test_predicted_recall_falls_with_time_and_is_about_the_target_when_due() -> None:
    card = review(new_memory(1, AT), Grade.GOOD, AT, fuzz=False)
    assert recall(card, AT + dt.timedelta(hours=1)) > recall(card, card.due)
    assert recall(card, card.due) == pytest.approx(srs.FSRS_RETENTION, abs=0.02)
    assert recall(new_memory(2, AT), AT) == 0.0


def test_recall_is_fsrs_own_retrievability() -> None:
    from fsrs import Card, Scheduler, State

    card = review(new_memory(7, AT), Grade.GOOD, AT, fuzz=False)
    theirs = Card(
        card_id=7,
        state=State(card.state),
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )
    for days in (0, 1, 3, 10, 40):
        at = AT + dt.timedelta(days=days, hours=5)
        assert recall(card, at) == pytest.approx(
            Scheduler().get_card_retrievability(theirs, at), rel=1e-12
        )
