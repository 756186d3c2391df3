"""Multi-workspace Slack: OAuth install through the fake (oauth.v2.access), the
installation store in our database (SQLite and PostgreSQL), encrypted tokens that are never
logged, and uninstalls that stop deliveries."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlmodel import Session, select

from adapters.slack.config import SlackConfigError
from adapters.slack.installations import InstallationStore, OAuthStateStore, TokenCipher
from app.host import create_app
from app.settings import Settings
from app.wiring import Services, build_services
from bot.messages import ConversationRef, Outbound, SendResult, SendStatus
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import Learner, SlackInstallation
from storage.workspaces import SqlWorkspaces
from tests.support.fake_slack import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeSlack,
    Workspace,
    event_envelope,
    message_event,
    signed_headers,
    slash_command,
)

SECRET = "signing-secret-for-tests"
KEY = TokenCipher.new_key()
WESSEX = Workspace("T2", "xoxb-2-wessex-bot-token", name="Wessex")
PUBLIC = "https://bites.example.gov.uk"


@dataclass
class OAuthRig:
    http: httpx.AsyncClient
    app: FastAPI
    fake: FakeSlack
    services: Services

    async def post(self, body: str, content_type: str) -> httpx.Response:
        headers = signed_headers(SECRET, body, int(time.time()), content_type)
        response = await self.http.post("/slack/events", content=body, headers=headers)
        await self.app.state.slack.drain()
        return response

    async def install(self, code: str = "code-1") -> httpx.Response:
        start = await self.http.get("/slack/install")
        state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
        return await self.http.get(
            "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": f"slack-app-oauth-state={state}"},
        )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()


def oauth_settings(url: str, fake: FakeSlack) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "scheduler": False,
        "public_url": PUBLIC,
        "slack_signing_secret": SECRET,
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": CLIENT_SECRET,
        "slack_token_key": KEY,
        "slack_api_url": fake.api_url,
    }
    return Settings(**values)


@pytest.fixture
async def rig(
    sqlite_url: str, fake: FakeSlack, clock: ManualClock, demo_curriculum: Curriculum
) -> AsyncIterator[OAuthRig]:
    services = build_services(oauth_settings(sqlite_url, fake), clock, demo_curriculum)
    app = create_app(services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield OAuthRig(http, app, fake, services)


def stored(services: Services) -> list[SlackInstallation]:
    with Session(services.engine) as session:
        return list(session.exec(select(SlackInstallation)).all())


async def test_install_stores_the_workspace_and_then_serves_it(rig: OAuthRig) -> None:
    start = await rig.http.get("/slack/install")
    assert start.status_code == 302
    location = urlparse(start.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query, keep_blank_values=True).items()}
    state = query.pop("state")
    assert (location.netloc, location.path) == ("slack.com", "/oauth/v2/authorize")
    assert query == {
        "client_id": CLIENT_ID,
        "scope": "chat:write,commands,im:history,im:write",
        "user_scope": "",
        "redirect_uri": f"{PUBLIC}/slack/oauth_redirect",
    }
    assert f"slack-app-oauth-state={state}" in start.headers["set-cookie"]

    rig.fake.add_oauth_code("code-1", WESSEX)
    done = await rig.http.get(
        "/slack/oauth_redirect",
        params={"code": "code-1", "state": state},
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    assert done.status_code == 200
    assert "Contract Bites is installed in Wessex." in done.text
    exchange, check = rig.fake.calls
    assert (exchange.method, exchange.params) == (
        "oauth.v2.access",
        {
            "code": "code-1",
            "redirect_uri": f"{PUBLIC}/slack/oauth_redirect",
            "client_id": CLIENT_ID,
            "client_secret_ok": True,
        },
    )
    assert (check.method, check.token) == ("auth.test", WESSEX.token)

    (row,) = stored(rig.services)
    assert (row.team_id, row.team_name, row.bot_user_id, row.bot_id) == (
        "T2",
        "Wessex",
        "UBOT",
        "BBOT",
    )
    assert row.bot_scopes == "chat:write,commands,im:history,im:write"
    assert "xoxb" not in row.bot_token  # encrypted at rest
    assert TokenCipher([KEY]).decrypt(row.bot_token) == WESSEX.token

    # The admin links the workspace to a council; officers there join it directly.
    assert rig.services.store.register_tenant("demo", "slack", "T2")
    rig.fake.clear()
    form = slash_command("next", "trig-1", rig.fake.response_url(), "DU9", user="UU9", team="T2")
    response = await rig.post(urlencode(form), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    calls = [c for c in rig.fake.calls if c.method != "auth.test"]
    assert [(c.method, c.token) for c in calls] == [("conversations.open", WESSEX.token)] + [
        ("chat.postMessage", WESSEX.token)
    ] * 3
    assert [c.params["text"] for c in calls[1:]] == [
        "Welcome to Contract Bites. I teach contract and relationship management in short "
        "bites: a few cards to read, then a quick quiz, never more than 20 minutes. Later I "
        "bring back questions just before you would forget them.",
        "You have joined Demo Council.",
        "When would you like your daily bite? Choose a time or type one, like 09:15.",
    ]


async def test_a_state_is_good_once_and_only_in_its_browser(rig: OAuthRig) -> None:
    rig.fake.add_oauth_code("code-1", WESSEX)
    start = await rig.http.get("/slack/install")
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    no_cookie = await rig.http.get(
        "/slack/oauth_redirect", params={"code": "code-1", "state": state}
    )
    assert no_cookie.status_code == 400
    cookie = {"Cookie": f"slack-app-oauth-state={state}"}
    params = {"code": "code-1", "state": state}
    assert (
        await rig.http.get("/slack/oauth_redirect", params=params, headers=cookie)
    ).status_code == 200
    again = await rig.http.get("/slack/oauth_redirect", params=params, headers=cookie)
    assert again.status_code == 401
    assert "invalid_state" in again.text
    assert [c.method for c in rig.fake.calls] == ["oauth.v2.access", "auth.test"]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    ],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_uninstall_deletes_tokens_and_stops_deliveries(
    rig: OAuthRig, event: dict[str, Any]
) -> None:
    rig.fake.add_oauth_code("code-1", WESSEX)
    assert (await rig.install()).status_code == 200
    sender = rig.services.senders["slack"]
    ref = ConversationRef("slack", "DU9", "UU9", {"team_id": "T2"})
    assert (await sender.send(ref, [Outbound("Hello")])).status is SendStatus.SENT

    rig.fake.revoke(WESSEX.token)  # Slack revokes first, then tells the app
    rig.fake.clear()
    response = await rig.post(
        json.dumps(event_envelope(event, "EvU", team="T2")), "application/json"
    )
    assert response.status_code == 200
    assert stored(rig.services) == []
    assert rig.fake.calls == []  # no auth.test with a dead token
    assert await sender.send(ref, [Outbound("Hello")]) == SendResult(
        SendStatus.UNREACHABLE, detail="no installation for the workspace"
    )
    # A stray event from the workspace is not served, and makes no learner.
    await rig.post(json.dumps(message_event("EvX", "hi", "UU9", "T2")), "application/json")
    assert rig.fake.calls == []
    with Session(rig.services.engine) as session:
        assert session.exec(select(Learner)).all() == []


async def test_tokens_and_secrets_never_reach_the_logs(
    rig: OAuthRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig.fake.add_oauth_code("code-1", WESSEX)
    assert (await rig.install()).status_code == 200
    rig.services.store.register_tenant("demo", "slack", "T2")
    await rig.post(json.dumps(message_event("Ev1", "hi", "UU9", "T2")), "application/json")
    ref = ConversationRef("slack", "DU9", "UU9", {"team_id": "T2"})
    await rig.services.senders["slack"].send(ref, [Outbound("Hello")])
    assert len(rig.fake.calls_to("chat.postMessage")) == 4
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert caplog.records  # something was logged, just not secrets
    for secret in (WESSEX.token, "xoxb-", CLIENT_SECRET, SECRET, KEY):
        assert secret not in logged


# ---- the stores on both databases ----------------------------------------------------


def installation(team: str = "T2", token: str = WESSEX.token) -> Installation:
    return Installation(
        app_id="A0BITES",
        team_id=team,
        team_name="Wessex",
        bot_token=token,
        bot_id="BBOT",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        user_id="UADMIN",
        installed_at=1700000000.0,
    )


async def test_installation_store(db_url: str, clock: ManualClock) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    store = InstallationStore(SqlWorkspaces(engine), TokenCipher([KEY]), clock)
    await store.async_save(installation())
    await store.async_save(installation(token="xoxb-2-reinstalled"))  # replaces, one row
    bot = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None
    assert (bot.team_id, bot.bot_token, bot.bot_user_id, bot.bot_scopes) == (
        "T2",
        "xoxb-2-reinstalled",
        "UBOT",
        ["chat:write", "commands"],
    )
    assert await store.async_find_bot(enterprise_id=None, team_id="T9") is None
    assert [w.team_id for w in store.workspaces()] == ["T2"]
    assert store.bot_token("T2") == "xoxb-2-reinstalled"
    # A token sealed with an old key still opens after rotation (new key first).
    keys = TokenCipher([TokenCipher.new_key(), KEY])
    rotated = InstallationStore(SqlWorkspaces(engine), keys, clock)
    assert rotated.bot_token("T2") == "xoxb-2-reinstalled"
    # With the key lost, the token is unreadable rather than wrong.
    lost = InstallationStore(SqlWorkspaces(engine), TokenCipher([TokenCipher.new_key()]), clock)
    assert lost.bot_token("T2") is None
    await store.async_delete_all(enterprise_id=None, team_id="T2")
    assert store.bot_token("T2") is None
    assert store.workspaces() == []


async def test_oauth_states_are_single_use_and_expire(db_url: str, clock: ManualClock) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    states = OAuthStateStore(SqlWorkspaces(engine), clock)
    state = await states.async_issue()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", state)
    assert await states.async_consume(state)
    assert not await states.async_consume(state)
    late = await states.async_issue()
    clock.advance(dt.timedelta(minutes=11))
    assert not await states.async_consume(late)
    assert not await states.async_consume("forged")


def test_council_wide_installs_are_refused(sqlite_url: str, clock: ManualClock) -> None:
    from slack_bolt.error import BoltError

    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = InstallationStore(SqlWorkspaces(engine), TokenCipher([KEY]), clock)
    grid = installation()
    grid.is_enterprise_install = True
    with pytest.raises(BoltError):
        store.save(grid)


@pytest.mark.parametrize("keys", [[], ["not-a-key"]])
def test_bad_token_keys_are_named(keys: list[str]) -> None:
    with pytest.raises(SlackConfigError, match="CB_SLACK_TOKEN_KEY"):
        TokenCipher(keys)
