"""Teams transport tests: real-shaped activities through the FastAPI app, replies and
proactive sends to a local fake Bot Connector, exact payloads asserted."""

from __future__ import annotations

import copy
import gc
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from microsoft_teams.api import TokenCredentials
from opentelemetry import metrics
from opentelemetry.metrics._internal import _ProxyMeter
from sqlmodel import Session, func, select

from adapters.teams.config import TeamsConfig
from adapters.teams.sender import TeamsSender
from adapters.teams.texts import ENGLISH
from app.host import create_app
from app.settings import Settings
from app.wiring import Services, build_services
from bot.messages import Choice, ConversationRef, Outbound, RateLimits, SendResult, SendStatus
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.tables import AnswerRow, Identity, Learner, ProcessedInbound
from tests.support.fake_connector import FakeConnector

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
TENANT = "9d2f7c61-1111-4222-8333-444455556666"
CONVERSATION = "a:1Personal-Chat-Conversation-Id"
AAD_ID = "6f1c2b3a-0000-4000-8000-00000000a001"
BOT = {"id": "28:00000000-0000-4000-8000-00000000b0b0", "name": "Contract Bites"}
PERSONAL = {"id": CONVERSATION, "tenantId": TENANT, "conversationType": "personal"}
CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
WELCOME = (
    "Welcome to Contract Bites. I teach contract and relationship management in short bites: "
    "a few cards to read, then a quick quiz, never more than 20 minutes. Later I bring back "
    "questions just before you would forget them."
)
ASK_TIME = "When would you like your daily bite? Choose a time or type one, like 09:15."
QUESTION_1 = "Question 1 of 4\nWhich stage of a contract does the NAO framework cover?"
QUESTION_1_MD = "**Question 1 of 4**\nWhich stage of a contract does the NAO framework cover?"
RIGHT = "Running the contract after award"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def text_message(text: str, conversation: dict[str, Any] = PERSONAL) -> dict[str, Any]:
    """The activity our bot posts for a reply without buttons."""
    return {
        "type": "message",
        "from": BOT,
        "conversation": conversation,
        "text": text,
        "textFormat": "markdown",
    }


def action(label: str, payload: str, text: str) -> dict[str, Any]:
    return {
        "type": "Action.Execute",
        "title": label,
        "verb": "choose",
        "data": {"choice": payload, "label": label, "text": text},
    }


def card_message(text: str, summary: str, fallback: str, actions: list[Any]) -> dict[str, Any]:
    """The activity our bot posts for a reply with buttons: one Adaptive Card."""
    body = [{"type": "TextBlock", "text": p, "wrap": True} for p in text.split("\n\n")]
    card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "fallbackText": fallback,
        "body": body,
        "actions": actions,
    }
    return {
        "type": "message",
        "from": BOT,
        "conversation": PERSONAL,
        "summary": summary,
        "attachments": [{"contentType": CARD, "content": card}],
    }


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fake connector is local: no proxy from the test machine's environment."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@dataclass
class TeamsHarness:
    """The real service with the Teams channel on, driven like the Teams service would."""

    services: Services
    client: httpx.AsyncClient
    connector: FakeConnector

    async def post(self, fixture: str, **changes: Any) -> httpx.Response:
        """Post a fixture activity (serviceUrl pointed at the fake), with top-level changes."""
        activity = json.loads((FIXTURES / f"{fixture}.json").read_text("utf-8"))
        activity["serviceUrl"] = self.connector.url
        activity.update(changes)
        return await self.client.post("/api/messages", json=activity)

    async def press(self, label: str, activity_id: str) -> httpx.Response:
        """Press a button on the last card the fake received, as Teams would send it."""
        for body in reversed(self.connector.posted()):
            for attachment in body.get("attachments", []):
                for button in attachment["content"]["actions"]:
                    if button["title"] == label:
                        value = {"action": {**button, "type": "Action.Execute"}}
                        value["trigger"] = "manual"
                        return await self.post("card_action", id=activity_id, value=value)
        raise AssertionError(f"no button {label!r} on any card sent")

    def rows(self, table: type[Any]) -> int:
        return count_rows(self.services, table)


def count_rows(services: Services, table: type[Any]) -> int:
    with Session(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def teams_services(url: str, clock: ManualClock, curriculum: Curriculum, **teams: Any) -> Services:
    settings = Settings(database_url=url, scheduler=False, webchat=False, **teams)
    services = build_services(settings, clock=clock, curriculum=curriculum)
    services.store.register_tenant("demo", "teams", TENANT)
    return services


@pytest.fixture
async def teams(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, connector: FakeConnector
) -> AsyncIterator[TeamsHarness]:
    services = teams_services(sqlite_url, clock, demo_curriculum, teams_dev_bypass=True)
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://bites.test") as client:
        yield TeamsHarness(services, client, connector)


async def test_install_stores_the_reference_and_greets_once(teams: TeamsHarness) -> None:
    response = await teams.post("installation_add")
    assert response.status_code == 200
    times = [action(t, f"time:{t.replace(':', '')}", ASK_TIME) for t in ("08:30", "12:30", "16:00")]
    assert teams.connector.posted() == [
        text_message(WELCOME),
        text_message("You have joined Demo Council."),
        card_message(ASK_TIME, ASK_TIME, ASK_TIME + "\nChoose one: 08:30, 12:30, 16:00.", times),
    ]
    assert {r.path for r in teams.connector.requests} == {
        f"/v3/conversations/{CONVERSATION}/activities"
    }
    with Session(teams.services.engine) as session:
        identity = session.exec(select(Identity)).one()
    assert (identity.platform, identity.user_id, identity.conversation_id) == (
        "teams",
        AAD_ID,
        CONVERSATION,
    )
    assert json.loads(identity.extra) == {
        "bot_id": BOT["id"],
        "service_url": teams.connector.url,
        "teams_user_id": "29:1Ann-Officer-Teams-User-Id",
        "tenant_id": TENANT,
    }
    # Teams also sends conversationUpdate for the same install: no second greeting.
    assert (await teams.post("conversation_update_added")).status_code == 200
    assert len(teams.connector.posted()) == 3


async def test_a_lesson_and_an_answer_with_cards(teams: TeamsHarness) -> None:
    await teams.post("installation_add")
    response = await teams.press("12:30", "press-1")
    assert response.json() == {
        "statusCode": 200,
        "type": CARD,
        "value": {
            "type": "AdaptiveCard",
            "$schema": SCHEMA,
            "version": "1.5",
            "fallbackText": ASK_TIME + "\nYou chose: 12:30",
            "body": [
                {"type": "TextBlock", "text": ASK_TIME, "wrap": True},
                {"type": "TextBlock", "text": "You chose: 12:30", "wrap": True, "weight": "Bolder"},
            ],
        },
    }
    await teams.press("Start my first bite", "press-2")
    for number in range(3):
        await teams.press("Continue", f"press-continue-{number}")
    # Options come shuffled per learner and question (stable for this learner).
    options = ("Evaluating the bids", RIGHT, "Writing the specification")
    assert teams.connector.posted()[-2:] == [
        text_message("Quiz time: 4 questions."),
        card_message(
            QUESTION_1_MD,
            "Question 1 of 4",
            QUESTION_1 + "\nChoose one: " + ", ".join(options) + ".",
            [
                action(o, f"ans:t1-q1:{k}", QUESTION_1_MD)
                for o, k in zip(options, "bca", strict=True)
            ],
        ),
    ]
    sent_before = len(teams.connector.posted())

    response = await teams.press(RIGHT, "press-answer")

    locked = response.json()["value"]
    assert locked["body"] == [
        {"type": "TextBlock", "text": QUESTION_1_MD, "wrap": True},
        {"type": "TextBlock", "text": f"Your answer: {RIGHT}", "wrap": True, "weight": "Bolder"},
    ]
    assert "actions" not in locked
    feedback = (
        "Correct. The framework covers the operational phase, once the contract is awarded and "
        "the service is running. Specification and evaluation belong to the procurement "
        "before it."
    )
    assert teams.connector.posted()[sent_before:] == [
        card_message(
            feedback,
            feedback,
            feedback + "\nChoose one: Next question, I guessed.",
            [
                action("Next question", "next", feedback),
                action("I guessed", "guess:q:t1-q1", feedback),
            ],
        )
    ]
    # The same press delivered again (Teams retries): the card stays locked, nothing new is
    # recorded or sent.
    again = (await teams.press(RIGHT, "press-answer")).json()["value"]
    assert again["body"][0] == locked["body"][0]
    assert "actions" not in again
    assert len(teams.connector.posted()) == sent_before + 1
    assert teams.rows(AnswerRow) == 1


async def test_text_commands_and_mentions_in_a_personal_chat(teams: TeamsHarness) -> None:
    await teams.post("installation_add")
    await teams.press("12:30", "press-1")
    sent = len(teams.connector.posted())
    await teams.post("personal_message", id="m-progress", text="progress")
    progress = (
        "**Your progress: 0 of 3 modules done.**\nNext up: What contract management is\n"
        "You have not started a module yet. Send /next to begin."
    )
    [card] = teams.connector.posted()[sent:]
    assert card["attachments"][0]["content"]["body"][0]["text"] == progress


async def test_group_chat_answers_only_a_mention_and_keeps_scores_private(
    teams: TeamsHarness,
) -> None:
    group = {
        "id": "19:group-chat-id@thread.v2",
        "tenantId": TENANT,
        "conversationType": "groupChat",
        "isGroup": True,
    }
    unmentioned = await teams.post("group_mention", id="g-1", text="progress", entities=[])
    assert unmentioned.status_code == 200
    assert teams.connector.posted() == []

    assert (await teams.post("group_mention", id="g-2")).status_code == 200
    assert teams.connector.posted() == [
        {
            "type": "message",
            "from": BOT,
            "conversation": group,
            "text": ENGLISH.group_redirect,
            "textFormat": "plain",
        }
    ]
    assert [r.path for r in teams.connector.requests] == [
        "/v3/conversations/19:group-chat-id@thread.v2/activities"
    ]
    assert (teams.rows(Learner), teams.rows(Identity), teams.rows(ProcessedInbound)) == (0, 0, 0)


async def test_an_unregistered_tenant_gets_an_explanation_and_nothing_is_kept(
    teams: TeamsHarness,
) -> None:
    other = {
        "id": CONVERSATION,
        "tenantId": "0000aaaa-other-tenant",
        "conversationType": "personal",
    }
    response = await teams.post(
        "personal_message", conversation=other, channelData={"tenant": {"id": other["tenantId"]}}
    )
    assert response.status_code == 200
    assert teams.connector.posted() == [
        {
            "type": "message",
            "from": BOT,
            "conversation": other,
            "text": ENGLISH.unknown_tenant,
            "textFormat": "plain",
        }
    ]
    pressed = await teams.post("card_action", conversation=other, channelData={})
    assert pressed.json() == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": ENGLISH.unknown_tenant,
    }
    assert (teams.rows(Learner), teams.rows(Identity), teams.rows(ProcessedInbound)) == (0, 0, 0)


async def test_without_a_token_the_request_is_refused_and_nothing_recorded(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, connector: FakeConnector
) -> None:
    services = teams_services(
        sqlite_url,
        clock,
        demo_curriculum,
        teams_app_id="00000000-0000-4000-8000-00000000b0b0",
        teams_app_password="not-a-real-secret",
    )
    assert services.settings.teams_dev_bypass is False
    activity = json.loads((FIXTURES / "personal_message.json").read_text("utf-8"))
    activity["serviceUrl"] = connector.url
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://bites.test") as client:
        missing = await client.post("/api/messages", json=activity)
        not_bearer = await client.post(
            "/api/messages", json=activity, headers={"Authorization": "Basic dXNlcjpwYXNz"}
        )
    assert (missing.status_code, not_bearer.status_code) == (401, 401)
    assert connector.requests == []
    assert [count_rows(services, t) for t in (Learner, Identity, ProcessedInbound)] == [0, 0, 0]


async def test_a_body_that_is_not_json_is_refused(teams: TeamsHarness) -> None:
    response = await teams.client.post(
        "/api/messages", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"error": "the body is not JSON"})


# Proactive sends --------------------------------------------------------------------------


# The SDK reads the bot token as a JWT; an unsigned one is enough for the fake connector.
TOKEN = jwt.encode({"aud": "https://api.botframework.com", "exp": 4102444800}, "k" * 32)


def sender() -> TeamsSender:
    credentials = TokenCredentials(client_id="app", token=lambda *_args: TOKEN)
    return TeamsSender(TeamsConfig(app_id="app"), credentials=credentials)


def stored_ref(connector: FakeConnector) -> ConversationRef:
    return ConversationRef(
        "teams",
        CONVERSATION,
        AAD_ID,
        {"service_url": connector.url, "tenant_id": TENANT, "bot_id": BOT["id"]},
    )


NUDGE = Outbound("Your daily bite is ready.", (Choice("next", "Start"),))


async def test_proactive_send_uses_the_stored_reference(
    teams: TeamsHarness, connector: FakeConnector
) -> None:
    await teams.post("installation_add")
    with Session(teams.services.engine) as session:
        identity = session.exec(select(Identity)).one()
    ref = ConversationRef("teams", identity.conversation_id, identity.user_id)
    ref = ConversationRef(
        ref.platform, ref.conversation_id, ref.user_id, json.loads(identity.extra)
    )
    connector.requests.clear()
    teams_sender = teams.services.senders["teams"]
    assert isinstance(teams_sender, TeamsSender)

    result = await teams_sender.send(ref, [Outbound("Your daily bite is ready.")])

    assert result == SendResult(SendStatus.SENT, message_id="sent-4")
    [request] = connector.requests
    assert (request.method, request.path) == (
        "POST",
        f"/v3/conversations/{CONVERSATION}/activities",
    )
    assert request.body == {
        "type": "message",
        "from": {"id": BOT["id"]},
        "text": "Your daily bite is ready.",
        "textFormat": "markdown",
    }
    assert (teams_sender.limits, teams_sender.limit_key(ref)) == (RateLimits(50, 1 / 7), TENANT)


async def test_429_then_success(connector: FakeConnector) -> None:
    teams_sender = sender()
    connector.fail_next(429, retry_after="3")
    first = await teams_sender.send(stored_ref(connector), [NUDGE])
    second = await teams_sender.send(stored_ref(connector), [NUDGE])
    assert first == SendResult(SendStatus.RETRY, retry_after=3.0, detail="HTTP 429", throttled=True)
    assert second == SendResult(SendStatus.SENT, message_id="sent-1")
    assert [r.authorization for r in connector.requests] == [f"Bearer {TOKEN}"] * 2
    assert connector.requests[0].body == connector.requests[1].body
    card = connector.requests[1].body["attachments"][0]["content"]
    assert card["actions"] == [action("Start", "next", NUDGE.text)]


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (403, None, SendResult(SendStatus.UNREACHABLE, detail="HTTP 403")),
        (404, None, SendResult(SendStatus.UNREACHABLE, detail="HTTP 404")),
        (412, "1", SendResult(SendStatus.RETRY, retry_after=1.0, detail="HTTP 412")),
        (502, None, SendResult(SendStatus.RETRY, detail="HTTP 502")),
        (504, "2.5", SendResult(SendStatus.RETRY, retry_after=2.5, detail="HTTP 504")),
        (400, None, SendResult(SendStatus.FAILED, detail="HTTP 400")),
    ],
)
async def test_connector_refusals(
    connector: FakeConnector, status: int, retry_after: str | None, expected: SendResult
) -> None:
    connector.fail_next(status, retry_after=retry_after)
    assert await sender().send(stored_ref(connector), [NUDGE]) == expected
    assert len(connector.requests) == 1


async def test_an_unreachable_connector_is_retried_later(connector: FakeConnector) -> None:
    ref = stored_ref(connector)
    closed = ConversationRef(ref.platform, ref.conversation_id, ref.user_id, dict(ref.extra))
    closed.extra["service_url"] = "http://127.0.0.1:9/"  # the discard port: refused
    result = await sender().send(closed, [NUDGE])
    assert (result.status, result.detail) == (SendStatus.RETRY, "ConnectError")


async def test_outbound_calls_go_through_the_configured_proxy(
    connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", connector.url)
    ref = stored_ref(connector)
    behind = copy.deepcopy(ref.extra)
    behind["service_url"] = "http://smba.teams.invalid/emea/"
    proxied = ConversationRef(ref.platform, ref.conversation_id, ref.user_id, behind)
    result = await sender().send(proxied, [Outbound("Hello")])
    assert result.status is SendStatus.SENT
    [request] = connector.requests
    assert (request.host, request.path) == (
        "smba.teams.invalid",
        f"/emea/v3/conversations/{CONVERSATION}/activities",
    )


def _sdk_meters() -> int:
    """OpenTelemetry placeholder meters alive in this process."""
    gc.collect()
    return sum(isinstance(o, _ProxyMeter) for o in gc.get_objects())


async def test_sends_keep_no_metrics_objects(connector: FakeConnector) -> None:
    # The SDK creates a meter and a counter on every call; with no provider configured
    # OpenTelemetry's placeholder kept each one for good (about 0.7 KB a message).
    teams_sender = sender()
    before = _sdk_meters()
    for _ in range(20):
        assert (await teams_sender.send(stored_ref(connector), [NUDGE])).status is SendStatus.SENT
    assert _sdk_meters() == before
    assert isinstance(metrics.get_meter_provider(), metrics.NoOpMeterProvider)


@pytest.mark.parametrize(
    ("expires_in", "asked"),
    [(3600, 1), (240, 3)],  # an hour: reused; four minutes: inside the 5-minute margin
)
async def test_the_app_token_is_reused_until_near_expiry(
    connector: FakeConnector, expires_in: int, asked: int
) -> None:
    calls: list[str] = []
    token = jwt.encode(
        {"aud": "https://api.botframework.com", "exp": int(time.time()) + expires_in}, "k" * 32
    )

    def issue(*_args: object) -> str:
        calls.append(token)
        return token

    credentials = TokenCredentials(client_id="app", token=issue)
    teams_sender = TeamsSender(TeamsConfig(app_id="app"), credentials=credentials)
    for _ in range(3):
        assert (await teams_sender.send(stored_ref(connector), [NUDGE])).status is SendStatus.SENT
    assert len(calls) == asked
    assert [r.authorization for r in connector.requests] == [f"Bearer {token}"] * 3
