"""Each fact corrected in the second edition, taken through the real bot (issue 15).

Every test loads the real core module from the built-in pack, puts it in a one-module
curriculum (so the learner meets it first instead of after thirty others), answers the
questions before the corrected one, and checks the rewritten question: its exact right
answer, and an explanation that states the corrected fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from lessons.loader import builtin_pack_path, load_curriculum, load_pack
from lessons.model import Curriculum, Question
from runtime.clock import ManualClock
from tests.support.chat import ChatUser, make_services


def core_module_only(module_id: str) -> Curriculum:
    """The core pack cut down to one of its modules, exactly as written in the pack. The
    excerpt gets its own pack id: the self-assessment model is checked against a pack called
    'core' and would rightly miss the other modules."""
    pack, problems = load_pack(builtin_pack_path("core"))
    assert pack is not None and problems == []
    module = next(m for m in pack.modules if m.id == module_id)
    return Curriculum((replace(pack, id="core-excerpt", modules=(module,)),))


def reach_question(user: ChatUser, curriculum: Curriculum, question_id: str) -> Question:
    """Onboard, read the cards, answer earlier questions rightly; stop at `question_id`."""
    [module] = curriculum.modules
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    started = user.press("Start my first bite")
    assert started[0].startswith(f"Module 1 of 1: {module.title}")
    if started[-1].startswith("Before you start"):  # the learning-effect pre-test
        user.press("Skip")
    for _ in module.cards[1:]:
        user.say("/next")
    shown = user.say("/next")
    assert shown[0] == f"Quiz time: {len(module.questions)} questions."
    for number, question in enumerate(module.questions, 1):
        prompt = shown[-1]
        assert prompt.startswith(f"Question {number} of {len(module.questions)}\n")
        assert question.stem.splitlines()[0] in prompt
        if question.id == question_id:
            return question
        assert user.press(question.correct_option.text)[0].startswith("Correct.")
        shown = user.press("Next question")
    raise AssertionError(f"{question_id} is not in {module.id}")


MakeUser = Callable[[Curriculum], ChatUser]


@pytest.fixture
def make_user(sqlite_url: str, clock: ManualClock) -> MakeUser:
    """A chat user of the real bot on a fresh database, with the given curriculum."""

    def build(curriculum: Curriculum) -> ChatUser:
        return ChatUser(make_services(sqlite_url, clock, curriculum), clock)

    return build


@pytest.mark.parametrize(
    ("module_id", "question_id", "right_answer", "facts"),
    [
        pytest.param(
            "k3-modifying-contracts",
            "k3-q6",
            "No: together the two changes reach £225,000, over £207,720",
            [
                "The 10% test applies to each change on its own",
                "percentages are not added",
                "£207,720 for council services from 1 January 2026",
            ],
            id="below-threshold-route-money-cap-not-cumulative-percent",
        ),
        pytest.param(
            "k3-modifying-contracts",
            "k3-q1",
            "No notice is needed, but the below-threshold route is shut: find another ground",
            ["running total to stay below the works threshold amount, £5,193,000"],
            id="below-threshold-route-on-a-large-works-contract",
        ),
        pytest.param(
            "k3-modifying-contracts",
            "k3-q3",
            "True",
            ["its running total of changes must stay below the threshold amount in money"],
            id="fifty-percent-caps-per-change",
        ),
        pytest.param(
            "k4-paying-on-time",
            "k4-q7",
            "Only the payment under the contract procured from May 2026",
            [
                "came into force on 1 April 2026",
                "covers only contracts whose procurement started on or after that date",
            ],
            id="section-70-only-procurements-from-1-april-2026",
        ),
        pytest.param(
            "e3-escalation-and-dispute-resolution",
            "e3-q7",
            "True",
            [
                "apply to public contracts, those at or above the threshold",
                "A below-threshold contract is not a public contract",
            ],
            id="breach-notices-only-on-public-contracts",
        ),
        pytest.param(
            "k2-kpis-and-performance-notices",
            "k2-q3",
            "Yes, within 30 days, because the breach led to an award of damages",
            ["every public (above-threshold) contract, not only those over £5m"],
            id="breach-notices-above-threshold-not-only-over-5m",
        ),
        pytest.param(
            "b1-nao-framework-at-a-glance",
            "b1-q8",
            "The Contract Management Playbook, published in March 2026",
            [
                "updated on 12 December 2025",
                "Good practice guidance: managing the commercial lifecycle (2021)",
            ],
            id="framework-summary-page-changed",
        ),
    ],
)
def test_the_corrected_question_through_the_bot(
    make_user: MakeUser,
    module_id: str,
    question_id: str,
    right_answer: str,
    facts: list[str],
) -> None:
    curriculum = core_module_only(module_id)
    user = make_user(curriculum)
    question = reach_question(user, curriculum, question_id)
    assert question.correct_option.text == right_answer
    feedback = user.press(right_answer)
    assert feedback[0].startswith(f"Correct. {question.explanation}")
    for fact in facts:
        assert fact in feedback[0]


def test_the_old_cumulative_percentage_answer_is_now_marked_wrong(make_user: MakeUser) -> None:
    curriculum = core_module_only("k3-modifying-contracts")
    user = make_user(curriculum)
    question = reach_question(user, curriculum, "k3-q6")
    reply = user.press("No: 6% and 9% add up to 15%, which is over the 10% limit for services")
    assert reply[0].startswith(
        "Not quite. The answer is: No: together the two changes reach £225,000, over £207,720. "
        + question.explanation
    )


def test_the_glossary_teaches_the_below_threshold_route(
    sqlite_url: str, clock: ManualClock
) -> None:
    user = ChatUser(make_services(sqlite_url, clock, load_curriculum()), clock)
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    substantial = user.say("/define substantial modification")[0]
    assert substantial.startswith("Substantial modification: ")
    assert "or it qualifies as a below-threshold modification" in substantial
    below = user.say("/define below-threshold modification")[0]
    assert "The percentages are not added up." in below
    assert "£207,720" in below
