"""What a simulated learner presses, and the simulation's measurements. Pure."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from app.sim.learners import Learner, Profile, draw_profile, reaction_at
from app.sim.memory import Trace
from app.sim.metrics import CardFact, calibration, overdue, percentile
from app.sim.sitting import Answer, Press, Sitting, asked_question, next_step, way_on
from bot.messages import Choice, Outbound
from lessons.loader import default_pack_paths, load_curriculum
from lessons.model import Curriculum
from scheduler.pacing import zone

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LONDON = zone("Europe/London")


@pytest.fixture(scope="module")
def curriculum() -> Curriculum:
    return load_curriculum(default_pack_paths())


def learner(patience: int = 5, appetite: float = 0.0, sitting_minutes: float = 10.0) -> Learner:
    profile = Profile(
        index=0,
        nation="england",
        days=("mon", "tue", "wed", "thu", "fri"),
        learning_time="08:30",
        respond=1.0,
        understand=1.0,
        multiplier=1.0,
        words_per_minute=200.0,
        sitting_minutes=sitting_minutes,
        appetite=appetite,
        patience=patience,
        quiet_from=None,
        leave=None,
    )
    return Learner(profile, random.Random(1))  # noqa: S311 - a simulation


def question_message(curriculum: Curriculum, prefix: str, *extra: Choice) -> Outbound:
    question = curriculum.modules[0].questions[0]
    buttons = tuple(Choice(f"{prefix}:{o.id}", o.text) for o in question.options)
    return Outbound("Q", (*buttons, *extra), asks_question=question.id)


def test_answer_buttons_are_read_from_the_question_the_message_names(
    curriculum: Curriculum,
) -> None:
    for prefix in ("ans:a1-q1", "rf:12", "round:7:3"):
        message = question_message(curriculum, prefix, Choice("later:3", "Later"))
        asked = asked_question([Outbound("intro"), message], curriculum)
        assert asked is not None
        assert asked.question_id == "a1-q1"
        assert [b.choice.id.rsplit(":", 1)[1] for b in asked.buttons] == ["a", "b", "c", "d"]
        assert [b.correct for b in asked.buttons] == [False, True, False, False]


def test_a_message_without_a_named_question_asks_nothing(curriculum: Curriculum) -> None:
    assert asked_question([Outbound("Card", (Choice("next", "Continue"),))], curriculum) is None


def test_the_way_on_is_the_first_button_that_is_not_an_answer_guess_later_or_way_out() -> None:
    choices = [
        Choice("guess:12", "I guessed"),
        Choice("later:3", "Later"),
        Choice("rf:12:a", "A"),
        Choice("progress", "Progress"),
        Choice("next", "Next question"),
        Choice("next", "Other"),
    ]
    assert way_on(choices) == Choice("next", "Next question")
    assert way_on(choices[:4]) is None


def test_a_guess_is_owned_up_to_before_moving_on(curriculum: Curriculum) -> None:
    feedback = Outbound("Not quite.", (Choice("next", "Next"), Choice("guess:9", "I guessed")))
    person = learner()
    owned = sum(
        next_step(person, Sitting((feedback,), guessed=True), curriculum)
        == Press(Choice("guess:9", "I guessed"))
        for _ in range(200)
    )
    assert 150 < owned < 200  # 85% honesty
    assert next_step(learner(), Sitting((feedback,)), curriculum) == Press(Choice("next", "Next"))


def test_later_once_patience_or_time_runs_out(curriculum: Curriculum) -> None:
    message = question_message(curriculum, "rf:3", Choice("later:3", "Later"))
    assert isinstance(
        next_step(learner(patience=5), Sitting((message,), answered=4), curriculum), Answer
    )
    later = Press(Choice("later:3", "Later"))
    assert next_step(learner(patience=5), Sitting((message,), answered=5), curriculum) == later
    tired = Sitting((message,), seconds=601.0)
    assert next_step(learner(sitting_minutes=10), tired, curriculum) == later


def test_a_tired_learner_leaves_the_lesson_part_way(curriculum: Curriculum) -> None:
    card = Outbound("Card 3", (Choice("next", "Continue"),))
    assert next_step(learner(), Sitting((card,), seconds=599.0), curriculum) is not None
    assert next_step(learner(), Sitting((card,), seconds=601.0), curriculum) is None


def test_without_appetite_the_learner_stops_after_a_module(curriculum: Curriculum) -> None:
    done = Outbound("Done", (Choice("next", "Next module"), Choice("progress", "Progress")))
    assert next_step(learner(appetite=0.0), Sitting((done,)), curriculum) is None
    assert next_step(learner(appetite=1.0), Sitting((done,)), curriculum) == Press(
        Choice("next", "Next module")
    )


def test_reactions_come_the_same_day_by_half_past_six() -> None:
    drawn = draw_profile(3, 0, AT.date(), 30)
    person = Learner(replace(drawn.profile, respond=1.0), drawn.rng)
    arrived = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)  # 16:00 GMT
    times = [reaction_at(person, arrived, LONDON) for _ in range(500)]
    assert all(t is not None and arrived < t <= arrived.replace(hour=18, minute=30) for t in times)
    assert sum(1 for t in times if t and t - arrived <= dt.timedelta(minutes=15)) > 250


def test_calibration_weights_bins_by_count() -> None:
    points = [(0.95, True)] * 9 + [(0.95, False)] + [(0.55, True)] * 3 + [(0.55, False)] * 7
    rmse, bins = calibration(points)
    # bin 0.9-1.0: predicted 0.95, observed 0.9; bin 0.5-0.6: predicted 0.55, observed 0.3
    assert rmse == pytest.approx(((10 * 0.05**2 + 10 * 0.25**2) / 20) ** 0.5, abs=1e-4)
    assert [(b["from"], b["n"], b["observed"]) for b in bins] == [(0.5, 10, 0.3), (0.9, 10, 0.9)]
    assert calibration([(1.0, True)])[1][0]["from"] == 0.9  # a prediction of 1 is in the top bin
    assert calibration([]) == (None, [])


def test_a_card_is_overdue_when_due_over_three_days_and_not_asked_since() -> None:
    end = AT + dt.timedelta(days=30)
    due = end - dt.timedelta(days=4)
    cards = [CardFact("u", "q1", due), CardFact("u", "q2", due), CardFact("u", "q3", end)]
    asked = {("u", "q1"): due - dt.timedelta(days=1), ("u", "q2"): due + dt.timedelta(hours=1)}
    assert overdue(cards, asked, end) == (1, 3)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.10) == 2.0
    assert percentile([], 0.5) is None


def test_memory_is_private_to_the_learner() -> None:
    one, two = learner(), learner()
    one.memory["q"] = Trace(1.0, 5.0, AT)
    assert two.memory == {}
