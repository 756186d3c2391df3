"""Telegram through the production seam: real-shaped updates posted to the FastAPI webhook,
PTB pointed at a local fake Bot API, and the exact calls the fake received asserted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from app.host import create_app
from app.settings import Settings
from app.wiring import Services, build_services
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.tables import AnswerRow, Identity, Learner
from tests.support.fake_telegram import (
    BLOCKED,
    TOKEN,
    ApiCall,
    FakeTelegram,
    button_data,
    member_update,
    press_update,
    text_update,
)

SECRET = "webhook-secret_42"
CHAT = 1001
HTML = {"parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
WELCOME = (
    "Welcome to Contract Bites. I teach contract and relationship management in short bites: "
    "a few cards to read, then a quick quiz, never more than 20 minutes. Later I bring back "
    "questions just before you would forget them."
)
ASK_TIME = "When would you like your daily bite? Choose a time or type one, like 09:15."
TIME_KEYBOARD = {
    "inline_keyboard": [
        [
            {"callback_data": "time:0830", "text": "08:30"},
            {"callback_data": "time:1230", "text": "12:30"},
            {"callback_data": "time:1600", "text": "16:00"},
        ]
    ]
}
QUESTION_1 = "<b>Question 1 of 4</b>\nWhich stage of a contract does the NAO framework cover?"
PRIVATE_ONLY = (
    "I teach in private chats only, so your answers stay yours. Open a private chat with me "
    "and send /start."
)
EXPIRED = "That button has expired. Send /next to carry on."


def send(chat_id: int, text: str, markup: dict[str, Any] | None = None) -> ApiCall:
    """The sendMessage call the channel makes for one reply."""
    params: dict[str, Any] = {"chat_id": str(chat_id), "text": text, **HTML}
    if markup is not None:
        params["reply_markup"] = markup
    return ApiCall("sendMessage", params)


def answered(query_id: str, alert: str | None = None) -> ApiCall:
    """The answerCallbackQuery call for a press."""
    params: dict[str, Any] = {"callback_query_id": query_id}
    if alert is not None:
        params.update(text=alert, show_alert="true")
    return ApiCall("answerCallbackQuery", params)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def services(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, fake: FakeTelegram
) -> Services:
    settings = Settings(
        database_url=sqlite_url,
        scheduler=False,
        webchat=False,
        telegram_token=TOKEN,
        telegram_secret_token=SECRET,
        telegram_api_url=fake.url,
    )
    return build_services(settings, clock=clock, curriculum=demo_curriculum)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http,
    ):
        yield http


class Officer:
    """A learner in a private chat: posts updates to the webhook like Telegram does."""

    def __init__(self, client: httpx.AsyncClient, fake: FakeTelegram, chat_id: int = CHAT):
        self.client, self.fake, self.chat_id = client, fake, chat_id

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        response = await self.client.post("/telegram/webhook", json=update, headers=headers)
        return response.status_code

    async def say(self, text: str) -> list[ApiCall]:
        """Type a message; return the Bot API calls it caused."""
        return await self._calls_for(text_update(self.chat_id, text))

    async def press(self, label: str) -> list[ApiCall]:
        """Press the newest button with this label."""
        return await self._calls_for(self.press_update(label))

    def press_update(self, label: str) -> dict[str, Any]:
        for key in sorted(self.fake.messages, reverse=True):
            message = self.fake.messages[key]
            if key[0] == self.chat_id and label in str(message.get("reply_markup")):
                return press_update(message, button_data(message, label))
        raise AssertionError(f"no button {label!r}")

    async def _calls_for(self, update: dict[str, Any]) -> list[ApiCall]:
        before = len(self.fake.calls)
        assert await self.post(update) == 200
        return self.fake.calls[before:]

    async def onboard(self) -> None:
        await self.say("/start")
        await self.press("Try the demo council")
        await self.press("12:30")

    async def reach_first_question(self) -> None:
        await self.onboard()
        await self.press("Start my first bite")
        for _ in range(3):
            await self.press("Continue")


@pytest.fixture
def officer(client: httpx.AsyncClient, fake: FakeTelegram) -> Officer:
    return Officer(client, fake)


def rows(services: Services, table: type[Any]) -> list[Any]:
    with Session(services.engine) as session:
        return list(session.exec(select(table)).all())


async def test_start_sends_html_messages_with_inline_keyboards(officer: Officer) -> None:
    assert await officer.say("/start") == [
        send(CHAT, WELCOME),
        send(
            CHAT,
            "Which council are you with? If your council gave you a join code, choose the "
            "second option.",
            {
                "inline_keyboard": [
                    [{"callback_data": "join:demo", "text": "Try the demo council"}],
                    [{"callback_data": "join:code", "text": "I have a join code"}],
                ]
            },
        ),
    ]
    press = officer.press_update("Try the demo council")
    before = len(officer.fake.calls)
    assert await officer.post(press) == 200
    assert officer.fake.calls[before:] == [
        answered(press["callback_query"]["id"]),
        send(CHAT, "You have joined Demo Council."),
        send(CHAT, ASK_TIME, TIME_KEYBOARD),
    ]


async def test_cards_are_telegram_html_with_bold_and_bullets(officer: Officer) -> None:
    await officer.onboard()
    calls = await officer.press("Start my first bite")
    assert calls[1:] == [
        send(
            CHAT,
            "<b>Module 1 of 3: What contract management is</b>\n"
            "About 5 minutes. You will be able to:\n"
            "• Say which part of a contract's life contract management covers.\n"
            "• Name the four blocks of the NAO good practice framework.",
        ),
        send(
            CHAT,
            "<b>Card 1 of 3: Signing is the start</b>\n\nContract management is everything the "
            "council does <b>after</b> a contract is awarded to get what it is paying for: "
            "checking performance, paying correctly, handling change and risk, and planning for "
            "the end.",
            {"inline_keyboard": [[{"callback_data": "next", "text": "Continue"}]]},
        ),
    ]


async def test_a_quiz_answer_locks_the_question_then_sends_feedback(
    officer: Officer, services: Services
) -> None:
    await officer.reach_first_question()
    question = officer.fake.last_message(CHAT)
    assert question["reply_markup"]["inline_keyboard"][1] == [  # options are shuffled
        {"callback_data": "ans:t1-q1:c", "text": "Running the contract after award"}
    ]
    press = officer.press_update("Running the contract after award")
    before = len(officer.fake.calls)
    assert await officer.post(press) == 200
    assert officer.fake.calls[before:] == [
        answered(press["callback_query"]["id"]),
        ApiCall(
            "editMessageText",
            {
                "chat_id": str(CHAT),
                "message_id": str(question["message_id"]),
                "text": QUESTION_1 + "\n\nYour answer: Running the contract after award",
                **HTML,
            },
        ),
        send(
            CHAT,
            "Correct. The framework covers the operational phase, once the contract is awarded "
            "and the service is running. Specification and evaluation belong to the procurement "
            "before it.",
            {
                "inline_keyboard": [
                    [{"callback_data": "next", "text": "Next question"}],
                    [{"callback_data": "guess:q:t1-q1", "text": "I guessed"}],
                ]
            },
        ),
    ]
    # The locked message has no keyboard: a second press of the old button only gets an alert.
    locked = officer.fake.messages[(CHAT, question["message_id"])]
    assert "reply_markup" not in locked
    again = press_update(locked, "ans:t1-q1:c")
    before = len(officer.fake.calls)
    assert await officer.post(again) == 200
    assert officer.fake.calls[before:] == [answered(again["callback_query"]["id"], EXPIRED)]
    assert [(a.question_id, a.option_id) for a in rows(services, AnswerRow)] == [("t1-q1", "c")]


async def test_true_false_buttons_share_a_row(officer: Officer) -> None:
    await officer.reach_first_question()
    await officer.press("Running the contract after award")
    calls = await officer.press("Next question")
    assert calls[1:] == [
        send(
            CHAT,
            "<b>Question 2 of 4</b>\nThe NAO good practice framework has eight areas.",
            {
                "inline_keyboard": [
                    [
                        {"callback_data": "ans:t1-q2:a", "text": "True"},
                        {"callback_data": "ans:t1-q2:b", "text": "False"},
                    ]
                ]
            },
        )
    ]


async def test_the_webhook_refuses_a_missing_or_wrong_secret_without_side_effects(
    officer: Officer, services: Services
) -> None:
    start = text_update(CHAT, "/start")
    assert await officer.post(start, secret=None) == 401
    assert await officer.post(start, secret="wrong") == 401
    assert await officer.post(start, secret=SECRET + "x") == 401
    assert officer.fake.calls_to("sendMessage") == []
    assert rows(services, Learner) == []
    # The refused update was not recorded as seen: sent properly, it is handled.
    assert await officer.post(start) == 200
    assert len(officer.fake.calls_to("sendMessage")) == 2


@pytest.mark.parametrize(
    "body", [b"{not json", b"[]", b'{"message": {}}', b'{"update_id": "7"}', b"\xff"]
)
async def test_the_webhook_refuses_malformed_updates_with_400(
    officer: Officer, services: Services, body: bytes
) -> None:
    response = await officer.client.post(
        "/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert officer.fake.calls_to("sendMessage") == []
    assert rows(services, Learner) == []


async def test_a_redelivered_update_is_processed_once(officer: Officer) -> None:
    start = text_update(CHAT, "/start")
    assert await officer.post(start) == 200
    assert await officer.post(start) == 200
    assert len(officer.fake.calls_to("sendMessage")) == 2
    press = officer.press_update("Try the demo council")
    assert await officer.post(press) == 200
    before = len(officer.fake.calls)
    assert await officer.post(press) == 200
    # The press is answered again (Telegram would say it is too old; that is logged), but
    # nothing is sent or recorded twice.
    assert officer.fake.calls[before:] == [answered(press["callback_query"]["id"])]


async def test_forged_callback_data_gets_an_alert_and_never_reaches_the_bot(
    officer: Officer, services: Services
) -> None:
    await officer.say("/start")
    message = officer.fake.last_message(CHAT)
    forged = [
        press_update(message, "ans:t1-q1:c"),  # a payload not on this message's keyboard
        press_update(message, "x" * 65),  # longer than Telegram allows
    ]
    for update in forged:
        before = len(officer.fake.calls)
        assert await officer.post(update) == 200
        assert officer.fake.calls[before:] == [answered(update["callback_query"]["id"], EXPIRED)]
    (learner,) = rows(services, Learner)
    assert learner.stage == "choosing_council"


async def test_a_stale_button_from_an_old_message_is_answered_by_the_bot(
    officer: Officer,
) -> None:
    await officer.onboard()
    council_question = officer.fake.messages[(CHAT, 2)]
    update = press_update(council_question, "join:code")
    before = len(officer.fake.calls)
    assert await officer.post(update) == 200
    # The button is on its message, so the bot decides (and says so); the press is answered.
    assert officer.fake.calls[before:] == [
        answered(update["callback_query"]["id"]),
        send(CHAT, "That button is out of date. Send /next to carry on."),
    ]


async def test_start_with_a_join_code_deep_link_joins_that_council(
    officer: Officer, services: Services
) -> None:
    services.store.ensure_council(
        "borsetshire", "Borsetshire County Council", "BORS-26", services.clock.now()
    )
    # t.me/<bot>?start=BORS-26 makes the learner's client send "/start BORS-26".
    assert await officer.say("/start BORS-26") == [
        send(CHAT, WELCOME),
        send(CHAT, "You have joined Borsetshire County Council."),
        send(CHAT, ASK_TIME, TIME_KEYBOARD),
    ]


async def test_in_groups_the_bot_only_explains_it_works_in_private(
    officer: Officer, services: Services
) -> None:
    group = -100200300
    calls = []
    for update in (
        member_update(group, "member"),  # the bot is added to a group
        text_update(group, "/start@contract_bites_test_bot", user_id=1002),
        text_update(group, "good morning all", user_id=1002),  # chatter: ignored
    ):
        before = len(officer.fake.calls)
        assert await officer.post(update) == 200
        calls.extend(officer.fake.calls[before:])
    explain = ApiCall("sendMessage", {"chat_id": str(group), "text": PRIVATE_ONLY})
    assert calls == [explain, explain]
    group_message = {
        "message_id": 5,
        "date": 1772442000,
        "chat": {"id": group, "type": "supergroup", "title": "Contracts team"},
        "text": "old",
    }
    press = press_update(group_message, "next", user_id=1002)
    before = len(officer.fake.calls)
    assert await officer.post(press) == 200
    assert officer.fake.calls[before:] == [answered(press["callback_query"]["id"], PRIVATE_ONLY)]
    assert rows(services, Learner) == []


async def test_a_learner_who_blocked_the_bot_gets_nothing_more_and_no_retry(
    officer: Officer, services: Services
) -> None:
    await officer.onboard()
    officer.fake.fail_next("sendMessage", BLOCKED)
    before = len(officer.fake.calls)
    # Telegram gets 200: a retry would not reach the learner either.
    assert await officer.post(officer.press_update("Start my first bite")) == 200
    sent = [c.method for c in officer.fake.calls[before:]]
    assert sent == ["answerCallbackQuery", "sendMessage"]  # the card after it is not tried
    # The blocked notice itself (my_chat_member, kicked) changes nothing and sends nothing.
    before = len(officer.fake.calls)
    assert await officer.post(member_update(CHAT, "kicked")) == 200
    assert officer.fake.calls[before:] == []
    (identity,) = rows(services, Identity)
    assert (identity.platform, identity.user_id, identity.conversation_id) == (
        "telegram",
        str(CHAT),
        str(CHAT),
    )


async def test_the_token_never_reaches_the_logs(
    officer: Officer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await officer.onboard()
        officer.fake.fail_next("sendMessage", BLOCKED)
        await officer.say("/help")
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert TOKEN not in logged
    assert TOKEN.split(":")[1] not in logged


async def test_debug_logs_hold_no_bot_token_and_no_message_text(
    debug_logs: io.StringIO, officer: Officer
) -> None:
    await officer.onboard()
    await officer.say("my private note about Acme Ltd")
    await officer.say("/mydata")
    logged = debug_logs.getvalue()
    events = [json.loads(line) for line in logged.splitlines()]
    assert any(event["event"] == "inbound handled" for event in events)  # logging is on
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
    assert "Acme" not in logged
    assert "Demo Council" not in logged  # what the bot says, or the /mydata copy
