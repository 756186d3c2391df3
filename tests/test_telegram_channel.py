"""The Telegram channel's runtime: per-chat order under concurrency, long polling, waiting
out a short flood control while replying, and refusing to run a webhook without a secret."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from telegram import Update

from adapters.telegram.adapter import (
    KeyedLocks,
    TelegramChannel,
    TelegramConfig,
    build_application,
)
from app.host import create_app
from app.settings import Settings
from app.wiring import build_services
from bot.messages import Inbound, Outbound
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import make_services
from tests.support.fake_telegram import FLOOD, ApiCall, Failure, FakeTelegram, text_update

SECRET = "s3cret"
HTML = {"parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


def echo(inbound: Inbound) -> list[Outbound]:
    return [Outbound(f"re {inbound.text}")]


def channel_for(
    fake: FakeTelegram,
    clock: ManualClock,
    handle: object = echo,
    polling: bool = False,
    sleeps: list[float] | None = None,
) -> TelegramChannel:
    config = TelegramConfig(
        fake.token, SECRET, fake.url, polling=polling, concurrency=8, bot_threads=2
    )

    async def record_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return TelegramChannel(
        build_application(config),
        handle,  # type: ignore[arg-type]
        clock,
        config,
        sleep=record_sleep,
    )


def sent_texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [
        c.params["text"]
        for c in fake.calls_to("sendMessage")
        if c.params["chat_id"] == str(chat_id)
    ]


async def test_chats_are_handled_at_once_but_each_chat_in_order(
    fake: FakeTelegram, clock: ManualClock
) -> None:
    entered: list[str] = []
    b_handled = threading.Event()

    def handle(inbound: Inbound) -> list[Outbound]:
        entered.append(inbound.text)
        if inbound.text == "a1":
            # Chat A's first update waits for chat B's: one-at-a-time processing would hang.
            assert b_handled.wait(5), "chat B was not handled while chat A was busy"
        if inbound.text == "b1":
            b_handled.set()
        return echo(inbound)

    channel = channel_for(fake, clock, handle)
    await channel.start()
    try:
        updates = [text_update(1, "a1"), text_update(1, "a2"), text_update(2, "b1")]
        await asyncio.gather(*(channel.process(Update.de_json(u, channel.bot)) for u in updates))
    finally:
        await channel.stop()
    # a2 waited for a1 although a worker was free; B did not wait for A.
    assert sorted(entered[:2]) == ["a1", "b1"] and entered[2] == "a2"
    assert sent_texts(fake, 1) == ["re a1", "re a2"]
    assert sent_texts(fake, 2) == ["re b1"]


async def test_keyed_locks_are_forgotten_when_free() -> None:
    locks = KeyedLocks()
    async with locks.hold("a"), locks.hold("b"):
        assert len(locks) == 2
    assert len(locks) == 0


async def test_long_polling_takes_updates_to_the_real_bot(
    fake: FakeTelegram, clock: ManualClock, sqlite_url: str, demo_curriculum: Curriculum
) -> None:
    services = make_services(sqlite_url, clock, demo_curriculum)
    channel = channel_for(fake, clock, services.bot.handle, polling=True)
    await channel.start()
    try:
        fake.push_update(text_update(1001, "/start"))
        await fake.wait_for("sendMessage", 2)
    finally:
        await channel.stop()
    assert [c.method for c in fake.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    polls = fake.calls_to("getUpdates")
    assert polls[0].params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert sent_texts(fake, 1001)[0].startswith("Welcome to Contract Bites.")


async def test_a_short_flood_wait_is_waited_out_once_while_replying(
    fake: FakeTelegram, clock: ManualClock
) -> None:
    sleeps: list[float] = []
    channel = channel_for(fake, clock, sleeps=sleeps)
    app = FastAPI()
    app.include_router(channel.router())
    fake.fail_next("sendMessage", FLOOD)  # retry_after 3
    fake.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 30", 30))
    reply = ApiCall("sendMessage", {"chat_id": "5", "text": "re hi", **HTML})
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await http.post("/telegram/webhook", json=text_update(5, "hi"), headers=headers)
        assert response.status_code == 200
        # 3 s is waited (once); a second flood answer, 30 s, is too long: the reply is dropped.
        assert sleeps == [3.0]
        assert fake.calls_to("sendMessage") == [reply, reply]
        response = await http.post("/telegram/webhook", json=text_update(5, "hi"), headers=headers)
        assert fake.calls_to("sendMessage") == [reply, reply, reply]


def test_a_webhook_without_a_secret_token_does_not_start(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    settings = Settings(
        database_url=sqlite_url,
        scheduler=False,
        telegram_token="1:x",
    )
    services = build_services(settings, clock=clock, curriculum=demo_curriculum)
    with pytest.raises(ValueError, match="CB_TELEGRAM_SECRET_TOKEN"):
        create_app(services)
