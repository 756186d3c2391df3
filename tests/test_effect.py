"""The learning-effect measure (issue 13): the interval arithmetic on a hand-made data set,
the random but recorded choice of points, the pre-test, the held-out point never sent as a
refresher, and check-ups inside the round at 30 and 90 days (fake clock)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from app.simulated import advance
from bot.effect import (
    CHECKUP,
    HOLDOUT,
    PRETEST,
    REFRESHED,
    Probe,
    effect_at,
    measure_seed,
    measured_points,
    report,
    summary_text,
    wilson,
)
from lessons.loader import builtin_pack_path, load_curriculum
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.tables import EffectProbe, ReviewLogRow, SrsCard
from tests.support.chat import ChatUser, make_services, outbox
from tests.test_answer_statements import Statements

VARIANTS = """

## Question: t1-v1
variant_of: t1-q1

A new officer in the waste team asks which part of the refuse collection contract's life
the NAO good practice guide is written for. What do you tell them?

- [ ] The tender and the choice of supplier
- [x] The years of service delivery once the contract is signed
- [ ] Drafting the service requirements before advertising

Why: The framework is about managing the contract once it is awarded and running.

## Question: t1-v2
variant_of: t1-q3

In a review of the leisure centre contract, your manager lists areas to check against the
framework's four blocks. Which of these is one of the blocks?

- [ ] Supplier selection
- [ ] Bid evaluation
- [x] Delivery

Why: The blocks are structure and resources, delivery, development and strategy.
"""


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Curriculum:
    """The demo pack with two variants in its first module."""
    folder = tmp_path_factory.mktemp("packs") / "demo"
    shutil.copytree(builtin_pack_path("demo"), folder)
    module = folder / "modules" / "t1-what-contract-management-is.md"
    module.write_text(module.read_text("utf-8") + VARIANTS, "utf-8")
    return load_curriculum([Path(folder)])


def probe(point: str, correct: bool | None, learner: int, guessed: bool = False) -> Probe:
    return Probe(learner, "m", CHECKUP, point, 90, correct, guessed)


def test_wilson_intervals_and_the_difference_on_a_hand_made_set() -> None:
    share = wilson(8, 10)
    assert (round(share.low, 4), round(share.high, 4)) == (0.4902, 0.9433)
    assert wilson(0, 0).value is None
    probes = [probe(REFRESHED, n < 8, n) for n in range(10)]
    probes += [probe(HOLDOUT, n < 5, n) for n in range(10)]
    probes += [probe(HOLDOUT, None, 11)]  # unanswered: not counted
    effect = effect_at(probes, 90)
    assert (effect.refreshed.hits, effect.holdout.hits, effect.pairs, effect.checkups) == (
        8,
        5,
        10,
        20,
    )
    assert effect.difference is not None and effect.low is not None and effect.high is not None
    assert (round(effect.difference, 1), round(effect.low, 1), round(effect.high, 1)) == (
        30.0,
        -10.7,
        60.0,
    )
    assert summary_text(effect) == (
        "Refreshed points: 80% remembered after 90 days; points not refreshed: 50%. "
        "Difference +30 points (95% CI -11 to +60), from 20 check-ups."
    )


def test_a_right_answer_marked_as_a_guess_is_not_remembered() -> None:
    effect = effect_at([probe(REFRESHED, True, 1, guessed=True), probe(HOLDOUT, True, 1)], 90)
    assert (effect.refreshed.hits, effect.holdout.hits) == (0, 1)
    assert summary_text(effect_at([], 30)) == "Not enough check-ups at 30 days yet."


def test_the_gain_over_the_pre_test() -> None:
    probes = [Probe(n, "m", PRETEST, REFRESHED, 0, n < 3, False) for n in range(10)]
    probes += [Probe(n, "m", CHECKUP, REFRESHED, 90, n < 9, False) for n in range(10)]
    result = report("Council", probes)
    assert result.learners == 10
    assert result.gain_points is not None and round(result.gain_points) == 60


def test_the_measured_points_are_random_per_learner_and_the_same_every_time(
    measured: Curriculum,
) -> None:
    module = measured.modules[0]
    chosen = {measured_points(module, measure_seed(learner, module.id)) for learner in range(1, 40)}
    assert {(p.refreshed, p.holdout) for p in chosen if p} == {
        ("t1-q1", "t1-q3"),
        ("t1-q3", "t1-q1"),
    }
    again = measured_points(module, measure_seed(7, module.id))
    assert again == measured_points(module, measure_seed(7, module.id))
    assert measured_points(measured.modules[1], "any") is None  # no variants there


def start(user: ChatUser) -> list[str]:
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    return user.say("/next")


def test_the_pre_test_asks_two_variants_without_feedback_and_can_be_skipped(
    sqlite_url: str, clock: ManualClock, measured: Curriculum
) -> None:
    user = ChatUser(make_services(sqlite_url, clock, measured), clock)
    replies = start(user)
    assert replies[1].startswith(
        "Before you start (1 of 2): a quick check of what you know already. It does not count."
    )
    assert replies[1].endswith("[4] Skip")
    first = user.last[-1]
    option = first.choices[0]
    second = user.press(option.label)
    assert second[0] == "Thanks: the lesson covers this."
    assert second[1].startswith("Before you start (2 of 2)")
    assert user.press("Skip")[0].startswith("Card 1 of 3: ")
    with Session(user.services.engine) as session:
        rows = session.exec(select(EffectProbe).order_by(EffectProbe.id)).all()
    assert [(r.kind, r.day, r.answered_at is not None) for r in rows] == [
        (PRETEST, 0, first.asks_question == rows[0].variant_id),
        (PRETEST, 0, first.asks_question == rows[1].variant_id),
    ]
    # Nothing of the pre-test is a spaced-repetition review.
    with Session(user.services.engine) as session:
        assert session.exec(select(ReviewLogRow)).all() == []


def finish_module_one(user: ChatUser, curriculum: Curriculum) -> None:
    user.press("Skip")
    module = curriculum.modules[0]
    for _ in module.cards[1:]:
        user.press("Continue")
    user.press("Continue")
    for question in module.questions:
        user.press(question.correct_option.text)
        if question is not module.questions[-1]:
            user.press("Next question")


def answer_rounds(user: ChatUser, days: int) -> list[str]:
    """Wait day by day, answering every round fully (first option); return the questions
    every round asked."""
    asked: list[str] = []
    for _ in range(days):
        advance(user.services, user.clock, dt.timedelta(days=1))
        user.arrived()
        while user.last and (shown := user.last[-1]).asks_question:
            asked.append(shown.asks_question)
            user.press(shown.choices[0].label)
    return asked


def past_module_one(url: str, clock: ManualClock, measured: Curriculum) -> ChatUser:
    """A learner who has started and finished the first (measured) module."""
    user = ChatUser(make_services(url, clock, measured), clock)
    start(user)
    finish_module_one(user, measured)
    return user


def test_the_held_out_point_is_never_refreshed_and_check_ups_come_at_30_and_90_days(
    sqlite_url: str, clock: ManualClock, measured: Curriculum
) -> None:
    user = past_module_one(sqlite_url, clock, measured)
    services = user.services
    with Session(services.engine) as session:
        held = session.exec(select(SrsCard).where(SrsCard.held_out)).one()
        probes = session.exec(select(EffectProbe).where(EffectProbe.kind == CHECKUP)).all()
    assert sorted((p.point, p.day, p.due_on) for p in probes) == [
        (HOLDOUT, 30, dt.date(2026, 4, 1)),
        (HOLDOUT, 90, dt.date(2026, 5, 31)),
        (REFRESHED, 30, dt.date(2026, 4, 1)),
        (REFRESHED, 90, dt.date(2026, 5, 31)),
    ]
    asked = answer_rounds(user, 100)
    assert held.question_id not in asked  # never sent as a refresher
    variants = [q for q in asked if "-v" in q]
    assert len(variants) == 4  # two check-ups at 30 days, two at 90, inside the rounds
    with Session(services.engine) as session:
        answered = session.exec(select(EffectProbe).where(EffectProbe.kind == CHECKUP)).all()
        reviews = session.exec(select(ReviewLogRow.question_id)).all()
    assert all(p.answered_at is not None and p.round_id is not None for p in answered)
    # Sent in the round of 1 April, and of Monday 1 June (31 May is a Sunday); this
    # learner answers the next morning.
    assert sorted({p.answered_at.date() for p in answered if p.answered_at}) == [
        dt.date(2026, 4, 2),
        dt.date(2026, 6, 2),
    ]
    assert not any("-v" in q for q in reviews)  # check-ups are not FSRS reviews
    assert outbox(services).sent


def test_a_round_with_check_ups_answers_in_six_statements(
    db_url: str, clock: ManualClock, measured: Curriculum
) -> None:
    # The round's answered check-ups are read with the module records (one UNION ALL),
    # not on their own: a check-up or a review in such a round is six statements.
    user = past_module_one(db_url, clock, measured)
    services = user.services
    counter = Statements()
    event.listen(services.engine, "before_cursor_execute", counter)
    seen: dict[str, list[str]] = {}
    for _ in range(31):  # to the first check-ups (1 April)
        advance(services, clock, dt.timedelta(days=1))
        user.arrived()
        while user.last and (shown := user.last[-1]).asks_question:
            clock.advance(dt.timedelta(seconds=20))  # seen anew: the learner is written
            asked = shown.asks_question
            seen[asked] = counter.during(lambda: user.press(shown.choices[0].label))
    event.remove(services.engine, "before_cursor_execute", counter)
    checkup = ["INSERT INTO processed_inbound", "SELECT", "SELECT"]
    checkup += ["UPDATE effect_probe", "UPDATE learner"]
    review = ["INSERT INTO processed_inbound", "SELECT", "SELECT"]
    review += ["UPDATE srs_card", "INSERT INTO review_log", "UPDATE learner"]
    assert {q: s for q, s in seen.items() if "-v" in q} == {"t1-v1": checkup, "t1-v2": checkup}
    assert seen["t1-q1"] == review
