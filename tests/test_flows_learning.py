"""Learning as transcripts, without a database: a module's cards, its quiz answered right
and wrong, "I guessed" on the feedback, and the score with a way on."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.texts import ENGLISH as T
from lessons.model import Curriculum, Module
from runtime.clock import ManualClock
from tests.support.transcript import Officer, Reply, bot, officer, press, verify_dialog

CONTINUE, NEXT_QUESTION, GUESSED = T.continue_button, T.next_question_button, T.guessed_button
Q4_RIGHT = "Paying is one part; performance, change, risk and exit matter too"
# Each question's options in the order shown to this learner (shuffled once per learner
# and attempt, so the file's order gives nothing away).
OPTIONS = (
    ("Evaluating the bids", "Running the contract after award", "Writing the specification"),
    ("True", "False"),
    ("Delivery", "Tendering", "Evaluation"),
    (
        "Contract management is the legal team's job",
        "They are right: payment is the whole job",
        Q4_RIGHT,
    ),
)
SOURCES = (
    "- [Cabinet Office, Contract management framework summary \\(NAO framework\\)]"
    "(https://www.gov.uk/government/publications/commercial-capability-contract-management-"
    "standards/contract-management-framework-summary)"
)


@pytest.fixture
def ann(clock: ManualClock, demo_curriculum: Curriculum) -> Officer:
    """An officer of the demo council, set up with a 12:30 bite."""
    person = officer(demo_curriculum, clock)
    person.say("/start demo")
    person.press("12:30")
    return person


@pytest.fixture
def module(demo_curriculum: Curriculum) -> Module:
    return demo_curriculum.modules[0]


def card(module: Module, index: int) -> Reply:
    shown = module.cards[index]
    body = T.card.format(number=index + 1, count=3, title=shown.title, body=shown.body)
    return bot(body, CONTINUE)


def question(module: Module, index: int) -> Reply:
    stem = module.questions[index].stem
    return bot(T.question.format(number=index + 1, count=4, stem=stem), *OPTIONS[index])


def intro(module: Module, number: int) -> Reply:
    objectives = "\n".join(f"- {objective}" for objective in module.objectives)
    return bot(
        T.module_intro.format(
            number=number,
            count=3,
            title=module.title,
            minutes=module.minutes,
            objectives=objectives,
        )
    )


def feedback(module: Module, index: int, *buttons: str, wrong: str | None = None) -> Reply:
    explanation = module.questions[index].explanation
    if wrong is None:
        return bot(T.correct.format(explanation=explanation), *buttons)
    return bot(T.incorrect.format(answer=wrong, explanation=explanation), *buttons)


def test_a_module_its_quiz_and_i_guessed(ann: Officer, module: Module, clock: ManualClock) -> None:
    verify_dialog(
        ann,
        [
            (press(T.first_bite_button), [intro(module, 1), card(module, 0)]),
            (press(CONTINUE), [card(module, 1)]),
            (press(CONTINUE), [card(module, 2)]),
            (press(CONTINUE), [bot(T.quiz_intro.format(count=4)), question(module, 0)]),
        ],
    )
    clock.advance(dt.timedelta(seconds=12))
    done = bot(T.quiz_done.format(score=3, total=4, done=1, count=3))
    read_more = bot(T.sources.format(sources=SOURCES), T.next_module_button, T.progress_button)
    verify_dialog(
        ann,
        [
            (press(OPTIONS[0][1]), [feedback(module, 0, NEXT_QUESTION, GUESSED)]),
            (press(GUESSED), [bot(T.guess_noted)]),  # right, but a guess: rated Hard
            (press(GUESSED), [bot(T.guess_already)]),
            (press(NEXT_QUESTION), [question(module, 1)]),
            ("eight, I think", [bot(T.pick_an_answer), question(module, 1)]),  # typed, not chosen
            (press("True"), [feedback(module, 1, NEXT_QUESTION, GUESSED, wrong="False")]),
            (press(GUESSED), [bot(T.guess_noted_wrong)]),  # wrong stays wrong, not a misconception
            (press(NEXT_QUESTION), [question(module, 2)]),
            (press("Delivery"), [feedback(module, 2, NEXT_QUESTION, GUESSED)]),
            (press(NEXT_QUESTION), [question(module, 3)]),
            # Not a refresher question: no review, so nothing to mark as a guess.
            (press(Q4_RIGHT), [feedback(module, 3), done, read_more]),
        ],
    )
    tables = ann.store.tables
    answers = sorted(tables.answers.values(), key=lambda a: a.question_id)
    assert [(a.question_id, a.option_id, a.correct) for a in answers] == [
        ("t1-q1", "c", True),
        ("t1-q2", "a", False),
        ("t1-q3", "b", True),
        ("t1-q4", "b", True),
    ]
    assert answers[0].duration_ms == 12_000
    # Refresher questions get an FSRS review each; "I guessed" re-rates Good (3) as Hard (2)
    # and leaves Again (1) as it was, marked.
    assert [(r.question_id, r.rating, r.guessed) for r in tables.reviews] == [
        ("t1-q1", 2, True),
        ("t1-q2", 1, True),
        ("t1-q3", 3, False),
    ]
    record = tables.progress[ann.state.learner_id][module.id]
    assert (record.score, record.total, record.completed_at) == (3, 4, clock.now())


def test_an_answer_pressed_again_counts_once(ann: Officer, module: Module) -> None:
    ann.press(T.first_bite_button)
    for _ in range(3):
        ann.press(CONTINUE)
    right = ann.payload_of("Running the contract after award")
    wrong = ann.payload_of("Evaluating the bids")
    assert ann.press_payload(right) == [feedback(module, 0, NEXT_QUESTION, GUESSED)]
    assert ann.press_payload(wrong) == [bot(T.already_answered)]
    assert ann.press_payload("ans:t1-q1:z") == [bot(T.forged_button)]
    assert len(ann.store.tables.answers) == 1


def test_next_module_and_progress_on_the_way(ann: Officer, demo_curriculum: Curriculum) -> None:
    first, second = demo_curriculum.modules[:2]
    ann.press(T.first_bite_button)
    for _ in range(3):
        ann.press(CONTINUE)
    for label in ("Running the contract after award", "False", "Delivery"):
        ann.press(label)
        ann.press(NEXT_QUESTION)
    ann.press(Q4_RIGHT)
    progress = "\n".join(
        [
            T.progress_title.format(done=1, count=3),
            T.progress_done_heading,
            T.progress_done_line.format(title=first.title, score=4, total=4),
            T.progress_in_progress_heading,
            T.progress_in_progress_line.format(
                title=second.title, where=T.progress_where_card.format(number=1, count=3)
            ),
            T.progress_next.format(title=demo_curriculum.modules[2].title),
        ]
    )
    verify_dialog(
        ann,
        [
            (press(T.next_module_button), [intro(second, 2), card(second, 0)]),
            ("/progress", [bot(progress, CONTINUE)]),
            ("/next", [card(second, 1)]),
        ],
    )
