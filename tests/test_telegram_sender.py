"""The Telegram sender (proactive deliveries) against the fake Bot API: every outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from adapters.telegram.sender import TelegramSender, build_bot
from adapters.telegram.transport import AiohttpRequest
from bot.messages import Choice, ConversationRef, Outbound, RateLimits, SendResult, SendStatus
from bot.ports import Sender
from tests.support.fake_telegram import (
    BAD_REQUEST,
    BLOCKED,
    FLOOD,
    SERVER_ERROR,
    ApiCall,
    Failure,
    FakeTelegram,
)

# PTB itself reads RetryAfter.retry_after in its constructor and warns that the int form
# will become a timedelta; the sender handles both.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

REF = ConversationRef("telegram", "1001", "1001")
LESSON = (
    Outbound("Your daily bite is ready: **Module 2** <about KPIs>"),
    Outbound("Ready?", (Choice("next", "Start"),)),
)
HTML = {"parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    made = TelegramSender(build_bot(fake.token, fake.url))
    yield made
    await made.aclose()


def test_the_sender_keeps_to_telegrams_limits(sender: TelegramSender) -> None:
    port: Sender = sender
    assert port.platform == "telegram"
    assert port.limits == RateLimits(per_second=30, conversation_gap_seconds=1.0)
    # Telegram counts messages per bot: every chat shares one bucket.
    assert port.limit_key(REF) == port.limit_key(ConversationRef("telegram", "7", "7"))


async def test_a_send_posts_html_messages_in_order(
    sender: TelegramSender, fake: FakeTelegram
) -> None:
    assert await sender.send(REF, LESSON) == SendResult(SendStatus.SENT, message_id="2")
    assert fake.calls == [
        ApiCall(
            "sendMessage",
            {
                "chat_id": "1001",
                "text": "Your daily bite is ready: <b>Module 2</b> &lt;about KPIs&gt;",
                **HTML,
            },
        ),
        ApiCall(
            "sendMessage",
            {
                "chat_id": "1001",
                "text": "Ready?",
                **HTML,
                "reply_markup": {"inline_keyboard": [[{"callback_data": "next", "text": "Start"}]]},
            },
        ),
    ]


async def test_flood_control_is_retry_with_telegrams_wait_then_success(
    sender: TelegramSender, fake: FakeTelegram
) -> None:
    fake.fail_next("sendMessage", FLOOD)
    first = await sender.send(REF, LESSON[:1])
    assert (first.status, first.retry_after, first.throttled) == (SendStatus.RETRY, 3.0, True)
    # The sender returned at once; the dispatcher tries again after 3 seconds.
    assert await sender.send(REF, LESSON[:1]) == SendResult(SendStatus.SENT, message_id="1")
    assert [c.method for c in fake.calls] == ["sendMessage", "sendMessage"]


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (BLOCKED, SendStatus.UNREACHABLE),
        (SERVER_ERROR, SendStatus.RETRY),
        (BAD_REQUEST, SendStatus.FAILED),
    ],
)
async def test_refusals_map_to_what_the_dispatcher_should_do(
    sender: TelegramSender, fake: FakeTelegram, failure: Failure, status: SendStatus
) -> None:
    fake.fail_next("sendMessage", failure)
    result = await sender.send(REF, LESSON)
    assert (result.status, result.retry_after) == (status, None)
    assert result.detail.endswith("after 0 of 2 message(s)")
    assert len(fake.calls) == 1  # stops at the first refusal


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_timeout_is_uncertain(fake: FakeTelegram, transport: str) -> None:
    fake.latency = 0.5
    request = (
        AiohttpRequest(read_timeout=0.05)
        if transport == "aiohttp"
        else HTTPXRequest(read_timeout=0.05)
    )
    sender = TelegramSender(Bot(fake.token, base_url=f"{fake.url}/bot", request=request))
    result = await sender.send(REF, LESSON[:1])
    await sender.aclose()
    expected = (SendStatus.UNCERTAIN, "TimedOut after 0 of 1 message(s)")
    assert (result.status, result.detail) == expected
