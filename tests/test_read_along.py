"""What the store reads with the learner for each button, worked out before routing
(`bot.conversation.read_along`): a quiz answer's card, a round button's round (with the
answered item's card). Pure."""

from __future__ import annotations

import pytest

from bot import payloads
from bot.conversation import read_along
from bot.intents import Press, Text
from bot.ports import NOTHING_ALONG, ReadAlong


@pytest.mark.parametrize(
    ("payload", "along"),
    [
        (payloads.answer_payload("t1-q2", "b"), ReadAlong(card_question="t1-q2")),
        (payloads.refresher_payload(7, 2, "c"), ReadAlong(round_id=7, round_item=2)),
        (payloads.later_payload(7), ReadAlong(round_id=7)),
        (payloads.guess_round_payload(7, 1), ReadAlong(round_id=7)),
        (payloads.guess_quiz_payload("t1-q2"), NOTHING_ALONG),  # the review is read later
        (payloads.pretest_payload("t1-q2", "a"), NOTHING_ALONG),
        (payloads.NEXT, NOTHING_ALONG),
        ("rf:not-a-number:0:a", NOTHING_ALONG),  # not a payload the bot makes
    ],
)
def test_each_button_reads_along_what_its_flow_needs(payload: str, along: ReadAlong) -> None:
    assert read_along(Press(payload)) == along


def test_typed_text_reads_nothing_along() -> None:
    assert read_along(Text("1")) == NOTHING_ALONG
