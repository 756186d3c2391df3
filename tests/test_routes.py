"""Routing, once per intent, without a database: the words officers can type, and what
each route says its flow reads (the service loads that and nothing more)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import payloads
from bot.conversation import route
from bot.decision import Needs
from bot.flows.mydata import DOWNLOAD, ERASE
from bot.flows.team import NUDGE_BEHIND
from bot.intents import Command, Empty, Intent, Press, Text
from bot.routes import COMMANDS, WORDS
from bot.state import Awaiting, LearnerState, Stage
from lessons.model import Curriculum

NEW = LearnerState(1, None, Stage.NEW, Awaiting.NOTHING, False, None, (), None, 0, 0, None, None)
ACTIVE = replace(NEW, council_id=1, stage=Stage.ACTIVE, learning_time="12:30", attempt=1)
# On the first card of module 1 (3 cards, 4 questions).
READING = replace(ACTIVE, module_id="t1-what-contract-management-is", cursor=1)
LAST_QUESTION = replace(READING, cursor=6, pending_question="t1-q4")


def test_the_words_officers_can_type() -> None:
    assert WORDS.plain == {*COMMANDS, "continue"}
    assert dict(WORDS.aliases) == {
        "continue": "next",
        "menu": "help",
        "resume": "start",
        "leave": "pause",
    }
    assert WORDS.take_args == {"define", "pause"}


@pytest.mark.parametrize(
    ("state", "intent", "needs"),
    [
        # The answer path reads nothing beyond the learner: the next card, a quiz answer.
        (READING, Press(payloads.NEXT), Needs()),
        (READING, Command("next", ""), Needs()),
        (
            replace(READING, cursor=3, pending_question="t1-q1"),
            Press("ans:t1-q1:c"),
            Needs(),
        ),
        # The quiz's last answer scores it from the attempt's answers and the records.
        (LAST_QUESTION, Press("ans:t1-q4:b"), Needs(progress=True, answers=True)),
        # Any other answer button: has this question been answered before?
        (READING, Press("ans:t1-q1:c"), Needs(answered=True)),
        # Starting the next module reads the module records.
        (ACTIVE, Command("next", ""), Needs(progress=True)),
        (ACTIVE, Press("rf:7:0:a"), Needs(progress=True, round=7)),
        (ACTIVE, Press("later:7"), Needs(round=7)),
        (ACTIVE, Press("guess:r:7:1"), Needs(round=7, guess=payloads.Guessed(None, 7, 1))),
        (ACTIVE, Press("guess:q:t1-q1"), Needs(guess=payloads.Guessed("t1-q1"))),
        (ACTIVE, Command("settings", ""), Needs()),
        (ACTIVE, Text("hello"), Needs()),
        (ACTIVE, Empty(), Needs()),
        (ACTIVE, Command("help", ""), Needs(actor=True)),
        (ACTIVE, Command("team", ""), Needs(actor=True, team=True)),
        (ACTIVE, Press(NUDGE_BEHIND), Needs(actor=True, team=True)),
        (ACTIVE, Command("mydata", ""), Needs(my_data=True)),
        (ACTIVE, Press(DOWNLOAD), Needs(my_data=True)),
        (ACTIVE, Press(ERASE), Needs()),
        (ACTIVE, Command("start", "BORS-26 please"), Needs(join_code="BORS-26")),
        (ACTIVE, Press("move:to:BORS-26"), Needs(join_code="BORS-26")),
        # Stopped: a reply that reads nothing, whatever the command would have read.
        (replace(ACTIVE, paused=True), Command("team", ""), Needs()),
        # Before joining: the code typed or pressed, or the one the channel names.
        (replace(NEW, stage=Stage.CHOOSING_COUNCIL), Text("bors-26"), Needs(join_code="bors-26")),
        (
            replace(NEW, stage=Stage.CHOOSING_COUNCIL),
            Press(payloads.JOIN_DEMO),
            Needs(join_code="demo"),
        ),
        (NEW, Command("help", ""), Needs(actor=True)),
    ],
)
def test_each_route_declares_what_its_flow_reads(
    state: LearnerState, intent: Intent, needs: Needs, demo_curriculum: Curriculum
) -> None:
    assert route(state, intent, demo_curriculum).needs == needs


def test_the_channels_council_is_looked_up_on_first_contact(demo_curriculum: Curriculum) -> None:
    assert route(NEW, Text("hello"), demo_curriculum, council_hint="demo").needs == Needs(
        join_code="demo"
    )


def test_what_runs_after_stop_and_before_joining() -> None:
    after_stop = {name for name, command in COMMANDS.items() if command.while_paused}
    assert after_stop == {
        "help",
        "start",
        "progress",
        "settings",
        "stop",
        "define",
        "pause",
        "assess",
        "mydata",
    }
    before_joining = {name for name, command in COMMANDS.items() if command.before_joining}
    assert before_joining == {"help", "define", "mydata"}  # /start and /stop: onboarding's
