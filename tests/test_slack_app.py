"""Slack in the service: routes mounted only when configured, the sender registered, the
Socket Mode wiring, and the `bites slack` commands."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import yaml
from cryptography.fernet import Fernet
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from typer.testing import CliRunner

from adapters.slack.factory import build_slack_channel
from adapters.slack.manifest import app_manifest
from adapters.slack.sender import SlackSender
from app.cli import app as cli
from app.host import create_app
from app.settings import Settings
from app.wiring import build_services, slack_data
from lessons.model import Curriculum
from runtime.clock import ManualClock

SLACK = {
    "slack_signing_secret": "s",
    "slack_bot_token": "xoxb-1",
    "slack_api_url": "http://127.0.0.1:9/api/",
}


def services_with(url: str, clock: ManualClock, curriculum: Curriculum, **values: Any) -> Any:
    settings = Settings(database_url=url, scheduler=False, **values)
    return build_services(settings, clock, curriculum)


async def test_routes_and_sender_only_when_configured(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    off = services_with(sqlite_url, clock, demo_curriculum)
    on = services_with(sqlite_url, clock, demo_curriculum, **SLACK)
    assert "slack" not in off.senders
    assert isinstance(on.senders["slack"], SlackSender)
    for services, expected in ((off, 404), (on, 401)):
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.post("/slack/events", content="{}")).status_code == expected
            # Single-workspace mode has no OAuth routes.
            assert (await http.get("/slack/install")).status_code == 404


async def test_socket_mode_wiring(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    services = services_with(
        sqlite_url, clock, demo_curriculum, **SLACK, slack_app_token="xapp-1-socket"
    )
    channel = build_slack_channel(services.settings, services.bot, slack_data(services), clock)
    assert channel is not None
    handler = channel.socket_mode()
    assert isinstance(handler, AsyncSocketModeHandler)
    assert handler.app is channel.app
    assert handler.app_token == "xapp-1-socket"
    assert handler.client.web_client.base_url == "http://127.0.0.1:9/api/"
    await handler.close_async()  # never connected: nothing to reach
    without = services_with(sqlite_url, clock, demo_curriculum, **SLACK)
    channel = build_slack_channel(without.settings, without.bot, slack_data(without), clock)
    assert channel is not None
    try:
        channel.socket_mode()
    except ValueError as error:
        assert "CB_SLACK_APP_TOKEN" in str(error)
    else:
        raise AssertionError("Socket Mode without an app token")


def run(*args: str, **env: str) -> Any:
    return CliRunner().invoke(cli, list(args), env=env)


def test_manifest_command_prints_the_manifest() -> None:
    result = run("slack", "manifest", "--public-url", "https://bites.example.gov.uk")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output) == app_manifest("https://bites.example.gov.uk")
    result = run("slack", "manifest", CB_PUBLIC_URL="https://from.env.example")
    assert yaml.safe_load(result.output)["settings"]["interactivity"]["request_url"] == (
        "https://from.env.example/slack/events"
    )
    missing = run("slack", "manifest", CB_PUBLIC_URL="")
    assert missing.exit_code == 2


def test_token_key_command_prints_a_fernet_key() -> None:
    result = run("slack", "token-key")
    assert result.exit_code == 0
    Fernet(result.output.strip().encode())  # a valid key, or this raises


def test_link_workspace_command(sqlite_url: str) -> None:
    added = run(
        "council",
        "add",
        "--code",
        "wessex",
        "--name",
        "Wessex",
        "--join-code",
        "WX",
        "--db",
        sqlite_url,
    )
    assert added.exit_code == 0, added.output
    linked = run(
        "slack", "link-workspace", "--council", "wessex", "--team", "T2", "--db", sqlite_url
    )
    assert linked.output == "Slack workspace T2 linked to council wessex.\n"
    from storage.db import make_engine
    from storage.store import SqlStore

    store = SqlStore(make_engine(sqlite_url))
    assert store.council_code_for("slack", "T2") == "wessex"
    unknown = run(
        "slack", "link-workspace", "--council", "nowhere", "--team", "T2", "--db", sqlite_url
    )
    assert unknown.exit_code == 1
    run(
        "slack",
        "link-workspace",
        "--council",
        "wessex",
        "--team",
        "T2",
        "--unlink",
        "--db",
        sqlite_url,
    )
    assert store.council_code_for("slack", "T2") is None


def test_socket_mode_command_needs_an_app_token(sqlite_url: str) -> None:
    result = run(
        "slack",
        "socket-mode",
        DATABASE_URL=sqlite_url,
        CB_SLACK_SIGNING_SECRET="s",
        CB_SLACK_BOT_TOKEN="xoxb-1",
    )
    assert result.exit_code == 2
    assert "CB_SLACK_APP_TOKEN" in result.output


async def test_shutdown_finishes_started_work(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    app = create_app(services_with(sqlite_url, clock, demo_curriculum, **SLACK))
    finished: list[str] = []

    async def turn() -> None:
        for _ in range(3):
            await asyncio.sleep(0)  # yields to the loop; no waiting on time
        finished.append("turn")

    async with app.router.lifespan_context(app):
        app.state.slack.work.spawn("U1", turn())
        assert finished == []
    assert finished == ["turn"]
