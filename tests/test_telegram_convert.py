"""Telegram conversion: Markdown subset → Telegram HTML, keyboards, and update reading."""

from __future__ import annotations

import pytest
from telegram import Bot, Update

from adapters.telegram.convert import (
    Incoming,
    PressedButton,
    UpdateKind,
    keyboard,
    locked_question_html,
    read_update,
    to_telegram_html,
)
from bot.messages import Choice, ConversationRef, Inbound
from tests.conftest import START
from tests.support.fake_telegram import (
    TOKEN,
    member_update,
    parse_html,
    press_update,
    text_update,
)

BOT = Bot(TOKEN)


def test_html_escapes_every_special_character_before_adding_markup() -> None:
    markdown = (
        "**Fees < £5k & >2 years**\n"
        "Clause 3 <b>not bold</b> & *emphasis*\n\n"
        "- Step-in: see [NAO](https://www.nao.org.uk/?a=1&b=2)\n"
        '- A "quoted" term'
    )
    html = to_telegram_html(markdown)
    assert html == (
        "<b>Fees &lt; £5k &amp; &gt;2 years</b>\n"
        "Clause 3 &lt;b&gt;not bold&lt;/b&gt; &amp; <i>emphasis</i>\n\n"
        '• Step-in: see <a href="https://www.nao.org.uk/?a=1&amp;b=2">NAO</a>\n'
        '• A "quoted" term'
    )
    # What Telegram would show: the learner sees the characters they were meant to see.
    text, entities = parse_html(html)
    assert text == (
        "Fees < £5k & >2 years\nClause 3 <b>not bold</b> & emphasis\n\n"
        '• Step-in: see NAO\n• A "quoted" term'
    )
    shown = [(e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in entities]
    assert shown == [
        ("bold", "Fees < £5k & >2 years"),
        ("italic", "emphasis"),
        ("text_link", "NAO"),
    ]
    assert entities[2]["url"] == "https://www.nao.org.uk/?a=1&b=2"


def test_a_link_cannot_break_out_of_its_attribute() -> None:
    assert to_telegram_html('[x](https://e.org/"onclick=1)') == (
        '<a href="https://e.org/&quot;onclick=1">x</a>'
    )


def test_keyboards_put_short_labels_together_and_sentences_one_a_row() -> None:
    short = keyboard((Choice("a", "True"), Choice("b", "False")))
    assert short is not None
    assert [[b.text for b in row] for row in short.inline_keyboard] == [["True", "False"]]
    long = keyboard((Choice("x", "Writing the specification"), Choice("y", "No")))
    assert long is not None
    assert [[b.callback_data for b in row] for row in long.inline_keyboard] == [["x"], ["y"]]
    assert keyboard(()) is None
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard((Choice("é" * 33, "Too long"),))


def test_the_locked_question_escapes_the_chosen_label() -> None:
    pressed = PressedButton(7, "<b>Question 1 of 2</b>\nPick one", "A <b> & C")
    assert locked_question_html(pressed) == (
        "<b>Question 1 of 2</b>\nPick one\n\nYour answer: A &lt;b&gt; &amp; C"
    )


def read(update: dict[str, object]) -> Incoming:
    parsed = Update.de_json(update, BOT)
    assert parsed is not None
    return read_update(parsed, START)


def test_a_private_message_becomes_an_inbound_with_the_update_id() -> None:
    update = text_update(42, "/start BORS-26")
    incoming = read(update)
    assert incoming.kind is UpdateKind.LEARNER
    assert incoming.inbound == Inbound(
        ConversationRef("telegram", "42", "42"),
        START,
        text="/start BORS-26",
        message_id=str(update["update_id"]),
    )


def test_a_press_carries_its_payload_and_the_message_to_lock() -> None:
    message = {
        "message_id": 9,
        "date": 1772442000,
        "chat": {"id": 42, "type": "private"},
        "text": "Question 1 of 4\nWhich?",
        "entities": [{"type": "bold", "offset": 0, "length": 15}],
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "ans:q:a"}]]},
    }
    update = press_update(message, "ans:q:a")
    incoming = read(update)
    assert incoming.kind is UpdateKind.LEARNER
    assert incoming.callback_query_id == f"cq-{update['update_id']}"
    assert incoming.pressed == PressedButton(9, "<b>Question 1 of 4</b>\nWhich?", "Yes")
    assert incoming.inbound is not None
    assert incoming.inbound.choice_id == "ans:q:a"


def test_a_press_on_an_inaccessible_old_message_still_reaches_the_bot() -> None:
    old = {"message_id": 9, "date": 0, "chat": {"id": 42, "type": "private"}}
    incoming = read(press_update(old, "next"))
    assert incoming.kind is UpdateKind.LEARNER
    assert incoming.pressed is None


@pytest.mark.parametrize(
    ("update", "kind"),
    [
        (member_update(-5, "member"), UpdateKind.GROUP),
        (member_update(-5, "left"), UpdateKind.IGNORED),
        (member_update(42, "kicked"), UpdateKind.BLOCKED),
        (member_update(42, "member"), UpdateKind.IGNORED),
        (text_update(-5, "/help"), UpdateKind.GROUP),
        (text_update(-5, "hello"), UpdateKind.IGNORED),
        ({"update_id": 1, "edited_message": text_update(42, "x")["message"]}, UpdateKind.IGNORED),
    ],
)
def test_updates_outside_a_private_learning_chat(
    update: dict[str, object], kind: UpdateKind
) -> None:
    assert read(update).kind is kind
