"""How many SQL statements the answer path runs: a regression here is a slower bot.

Counted with a `before_cursor_execute` listener on the engine, so every statement the
driver is handed is seen. On SQLite that includes the `BEGIN IMMEDIATE` the store opens
each transaction with (storage/db.py); PostgreSQL's BEGIN and either database's COMMIT
are sent by the driver itself and are not counted. The exact counts are asserted so that
any new statement on the path fails here and has to be argued for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event

from app.simulated import advance
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import ChatUser, make_services

# Statements per step, besides SQLite's BEGIN IMMEDIATE:
# claim the message id, read the learner (with what the answer needs), then write.
QUIZ_ANSWER = [
    "INSERT INTO processed_inbound",  # the message id, once (a duplicate is ignored)
    # The learner, their identity and the question's FSRS card, in one join, with the
    # module records and this attempt's answers (to score the quiz after its last answer).
    "SELECT",
    # The answer, which on a refresher question is also its FSRS review (rating and card
    # before it): the review log keeps the refresher rounds' reviews (migration 0013).
    "INSERT INTO answer",
    "INSERT INTO srs_card",  # a refresher question's first review creates its card
    "UPDATE learner",  # only the columns that changed
]
ROUND_ANSWER = [
    "INSERT INTO processed_inbound",
    # The learner, their identity, the round named by the button with its reviews so far,
    # and the answered item's FSRS card, in one join. The identity is not written: the
    # learner wrote from it last time too (storage/learner_rows.py).
    "SELECT",
    "SELECT",  # their modules: a round stops at the day's minutes (bot.day_budget)
    "UPDATE srs_card",
    "INSERT INTO review_log",  # the round's answers are its reviews: no delivery write
    "UPDATE learner",  # seen now
]
QUIZ_LAST_ANSWER = [  # a quiz-only question: no FSRS card
    "INSERT INTO processed_inbound",
    "SELECT",  # the score comes from what was read with the learner
    "INSERT INTO answer",
    "INSERT INTO module_progress",  # the module done, with its score
    "UPDATE learner",
]
# The last answer on a question that is also a refresher writes four tables besides the
# claim (answer with its review, FSRS card, module record, learner) after the one read.
QUIZ_LAST_REFRESHER_ANSWER = [
    "INSERT INTO processed_inbound",
    "SELECT",
    "INSERT INTO answer",
    "INSERT INTO srs_card",
    "INSERT INTO module_progress",
    "UPDATE learner",
]
NEXT_PRESS = ["INSERT INTO processed_inbound", "SELECT", "UPDATE learner"]
RETRIED = ["INSERT INTO processed_inbound"]  # a platform re-delivery: nothing else


class Statements:
    """The statements an engine runs (a `before_cursor_execute` listener)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, *args: object) -> None:
        self.seen.append(str(args[2]))

    def during(self, action: Callable[[], object]) -> list[str]:
        """The statements `action` ran ("INSERT INTO table", "UPDATE table", "SELECT"),
        BEGIN left out."""
        self.seen.clear()
        action()
        return [_head(sql) for sql in self.seen if not sql.startswith("BEGIN")]


def _head(sql: str) -> str:
    words = sql.split()
    return " ".join(words[: {"INSERT": 3, "UPDATE": 2}.get(words[0], 1)])


@pytest.fixture
def user(db_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Iterator[ChatUser]:
    person = ChatUser(make_services(db_url, clock, demo_curriculum), clock)
    person.say("/start")
    person.press("Try the demo council")
    person.press("12:30")
    yield person
    person.services.engine.dispose()


@pytest.fixture
def statements(user: ChatUser) -> Iterator[Statements]:
    counter = Statements()
    event.listen(user.services.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(user.services.engine, "before_cursor_execute", counter)


def later(user: ChatUser, seconds: int = 20) -> None:
    """Time passes between presses, as in a real chat (so the learner is seen anew)."""
    user.clock.advance(dt.timedelta(seconds=seconds))


def test_a_quiz_answer_and_next_run_six_statements_or_fewer_besides_begin(
    user: ChatUser, statements: Statements
) -> None:
    user.say("/next")
    for _ in range(3):
        later(user)
        assert statements.during(lambda: user.press("Continue")) == NEXT_PRESS
    later(user)
    assert statements.during(lambda: user.press("Running the contract after award")) == (
        QUIZ_ANSWER
    )
    later(user)
    assert statements.during(lambda: user.press("Next question")) == NEXT_PRESS
    later(user)
    assert statements.during(lambda: user.press("True")) == QUIZ_ANSWER
    assert len(QUIZ_ANSWER) <= 6 and len(NEXT_PRESS) <= 6


def test_the_quiz_last_answer_scores_it_in_five_statements(
    user: ChatUser, statements: Statements
) -> None:
    user.say("/next")
    for label in ["Continue"] * 3 + ["Running the contract after award", "Next question"]:
        later(user)
        user.press(label)
    for label in ["True", "Next question", "Delivery", "Next question"]:
        later(user)
        user.press(label)
    later(user)
    last = "Paying is one part; performance, change, risk and exit matter too"
    assert statements.during(lambda: user.press(last)) == QUIZ_LAST_ANSWER
    assert user.last[1].text == (
        "Quiz complete: you scored 3 out of 4. That is 1 of 3 modules done."
    )
    assert len(QUIZ_LAST_ANSWER) <= 5


def test_the_last_answer_on_a_refresher_question_runs_six_statements(
    user: ChatUser, statements: Statements
) -> None:
    user.say("/next")
    module_one = ["Continue"] * 3 + ["Running the contract after award", "Next question"]
    module_one += ["True", "Next question", "Delivery", "Next question"]
    module_one += ["Paying is one part; performance, change, risk and exit matter too"]
    for label in [*module_one, "Next module"]:
        later(user)
        user.press(label)
    while not user.last[-1].text.startswith("**Question 4 of 4**"):
        later(user)
        user.press(user.last[-1].choices[0].label)
    later(user)
    last = user.last[-1].choices[0].label
    assert statements.during(lambda: user.press(last)) == QUIZ_LAST_REFRESHER_ANSWER
    assert user.last[1].text.startswith("Quiz complete: you scored ")
    assert len(QUIZ_LAST_REFRESHER_ANSWER) <= 6


def test_a_retried_inbound_is_claimed_and_nothing_else(
    user: ChatUser, statements: Statements
) -> None:
    user.say("/next")
    later(user)
    inbound = user._inbound(choice_id=user.payload_of("Continue"))
    assert user.services.bot.handle(inbound)  # the first delivery is handled
    replies: list[object] = []
    assert statements.during(lambda: replies.extend(user.services.bot.handle(inbound))) == (RETRIED)
    assert replies == []


def test_a_refresher_round_answer(user: ChatUser, statements: Statements) -> None:
    user.say("/next")
    for label in ("Continue", "Continue", "Continue", "Running the contract after award"):
        user.press(label)
    for label in ("True", "Delivery"):
        user.press("Next question")
        user.press(label)
    user.press("Next question")
    user.press("Paying is one part; performance, change, risk and exit matter too")
    advance(user.services, user.clock, dt.timedelta(days=1, hours=6))  # Tuesday's round
    round_message = user.arrived()[-1]
    assert "Refresher" in round_message
    option = round_message.split("\n")[-3].split("] ", 1)[1]
    assert statements.during(lambda: user.press(option)) == ROUND_ANSWER
    assert len(ROUND_ANSWER) <= 6
