"""`bites telegram set-webhook / set-commands / delete-webhook` against the fake Bot API."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.support.fake_telegram import BAD_REQUEST, TOKEN, ApiCall, FakeTelegram

SECRET = "webhook-secret_42"
ALLOWED = ["message", "callback_query", "my_chat_member"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    """The fake on its own event loop in a thread: the CLI runs its own loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeTelegram()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(5)
    monkeypatch.setenv("CB_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("CB_TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("CB_TELEGRAM_API_URL", server.url)
    monkeypatch.setenv("CB_PUBLIC_URL", "https://bites.example.gov.uk/")
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["telegram", *args])
    return result.exit_code, result.output


def test_set_webhook_registers_the_url_and_secret(fake: FakeTelegram) -> None:
    assert run("set-webhook") == (
        0,
        "Telegram will post updates to https://bites.example.gov.uk/telegram/webhook.\n",
    )
    assert fake.calls == [
        ApiCall(
            "setWebhook",
            {
                "url": "https://bites.example.gov.uk/telegram/webhook",
                "secret_token": SECRET,
                "allowed_updates": ALLOWED,
                "max_connections": "40",
            },
        )
    ]


def test_set_commands_publishes_the_menu(fake: FakeTelegram) -> None:
    code, _output = run("set-commands")
    assert code == 0
    assert fake.calls == [
        ApiCall(
            "setMyCommands",
            {
                "commands": [
                    {"command": "start", "description": "Start, or join a council with its code"},
                    {"command": "next", "description": "The next card, question or module"},
                    {"command": "progress", "description": "Modules done and quiz scores"},
                    {"command": "settings", "description": "Learning time and working days"},
                    {"command": "help", "description": "What I can do"},
                    {"command": "stop", "description": "Pause Contract Bites"},
                ]
            },
        )
    ]


def test_delete_webhook(fake: FakeTelegram) -> None:
    assert run("delete-webhook") == (0, "Webhook removed.\n")
    assert [c.method for c in fake.calls] == ["deleteWebhook"]


def test_set_webhook_refuses_plain_http_and_a_missing_secret(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run("set-webhook", "--url", "http://bites.example.gov.uk/telegram/webhook")
    assert code == 2 and "only posts to https://" in output
    monkeypatch.delenv("CB_TELEGRAM_SECRET_TOKEN")
    code, output = run("set-webhook")
    assert code == 2 and "CB_TELEGRAM_SECRET_TOKEN is not set" in output
    monkeypatch.delenv("CB_TELEGRAM_TOKEN")
    code, output = run("set-commands")
    assert code == 2 and "CB_TELEGRAM_TOKEN is not set" in output
    assert fake.calls == []


def test_a_refusal_is_reported_without_the_token(fake: FakeTelegram) -> None:
    fake.fail_next("setWebhook", BAD_REQUEST)
    code, output = run("set-webhook")
    assert (code, output) == (1, "Telegram refused: BadRequest: Chat not found\n")
    assert TOKEN not in output
