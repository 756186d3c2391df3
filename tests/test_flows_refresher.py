"""A refresher round as a transcript, without a database: its opening, answers right and
wrong with "I guessed", "Later" half-way, and its end."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.texts import ENGLISH as T
from lessons.model import Curriculum, Module
from runtime.clock import ManualClock
from tests.support.transcript import Officer, Reply, bot, officer, press, verify_dialog

GUESSED, LATER = T.guessed_button, T.later_button
Q1_OPTIONS = (
    "Writing the specification",
    "Evaluating the bids",
    "Running the contract after award",
)


@pytest.fixture
def ann(clock: ManualClock, demo_curriculum: Curriculum) -> Officer:
    """An officer of the demo council who took module 1 on Monday (3 of 4 right), the
    next day at 14:00, when a round comes."""
    person = officer(demo_curriculum, clock)
    person.say("/start demo")
    person.press("12:30")
    person.press(T.first_bite_button)
    for _ in range(3):
        person.press(T.continue_button)
    for label in ("Running the contract after award", "True", "Delivery"):
        person.press(label)
        person.press(T.next_question_button)
    person.press("Paying is one part; performance, change, risk and exit matter too")
    clock.advance(dt.timedelta(days=1, hours=5))
    return person


@pytest.fixture
def module(demo_curriculum: Curriculum) -> Module:
    return demo_curriculum.modules[0]


def item(module: Module, number: int, count: int, index: int) -> str:
    stem = module.questions[index].stem
    return T.round_item.format(number=number, count=count, module=module.title, stem=stem)


def intro(count: int, minutes: int) -> str:
    words = T.question_word if count == 1 else T.questions_word
    return T.round_intro.format(count=count, questions=words, minutes=minutes)


def feedback(module: Module, index: int, wrong: str | None = None) -> Reply:
    explanation = module.questions[index].explanation
    if wrong is None:
        return bot(T.correct.format(explanation=explanation), GUESSED)
    return bot(T.incorrect.format(answer=wrong, explanation=explanation), GUESSED)


def test_a_round_answered_half_way_then_later(
    ann: Officer, module: Module, clock: ManualClock
) -> None:
    before = ann.state.lesson_active_at
    opening = intro(3, 2) + "\n\n" + item(module, 1, 3, 0)
    assert ann.round_arrives("t1-q1", "t1-q2", "t1-q3") == [bot(opening, *Q1_OPTIONS, LATER)]
    clock.advance(dt.timedelta(seconds=30))
    verify_dialog(
        ann,
        [
            (
                press("Running the contract after award"),
                [feedback(module, 0), bot(item(module, 2, 3, 1), "True", "False", LATER)],
            ),
            (press(GUESSED), [bot(T.guess_noted)]),
            (press(LATER), [bot(T.round_later.format(count=2, questions=T.questions_word))]),
            # The first answer counts; a second press of the same item changes nothing.
            (press("Evaluating the bids"), [bot(T.already_answered)]),
        ],
    )
    (review,) = [r for r in ann.store.tables.reviews if r.source == "refresher"]
    assert (review.question_id, review.round_id, review.round_item) == ("t1-q1", 1, 0)
    assert (review.rating, review.guessed) == (2, True)  # right, then "I guessed": Hard
    # Round answers are not lesson activity: the day's lesson nudge still comes.
    assert ann.state.lesson_active_at == before
    assert ann.state.nudges_ignored == 0


def test_a_round_to_its_end_with_a_wrong_answer(
    ann: Officer, module: Module, clock: ManualClock
) -> None:
    opening = intro(2, 1) + "\n\n" + item(module, 1, 2, 1)
    assert ann.round_arrives("t1-q2", "t1-q3") == [bot(opening, "True", "False", LATER)]
    verify_dialog(
        ann,
        [
            (
                press("True"),
                [
                    feedback(module, 1, wrong="False"),
                    bot(item(module, 2, 2, 2), "Tendering", "Delivery", "Evaluation", LATER),
                ],
            ),
            (
                press("Delivery"),
                [feedback(module, 2), bot(T.round_done.format(right=1, count=2))],
            ),
            (press(LATER), [bot(T.round_all_answered)]),
        ],
    )
    ratings = [(r.question_id, r.rating) for r in ann.store.tables.reviews if r.round_id]
    assert ratings == [("t1-q2", 1), ("t1-q3", 3)]


def test_a_round_ends_with_a_way_back_into_the_module_in_progress(
    ann: Officer, module: Module
) -> None:
    ann.say("/next")  # module 2 begins
    ann.round_arrives("t1-q2")
    assert ann.press("False") == [
        feedback(module, 1),
        bot(T.round_done.format(right=1, count=1), T.continue_button),
    ]


def test_a_button_of_someone_elses_round_is_refused(
    ann: Officer, demo_curriculum: Curriculum, clock: ManualClock
) -> None:
    ann.round_arrives("t1-q1")
    later = ann.payload_of(LATER)
    bob = officer(demo_curriculum, clock, ann.store, user_id="officer-2")
    bob.say("/start demo")
    bob.press("12:30")
    assert bob.press_payload(later) == [bot(T.forged_button)]
