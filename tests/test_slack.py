"""Slack transport tests: signed events, actions and commands posted to the FastAPI app,
through the real bolt stack, whose Web API client talks to a local fake Slack. They assert
the exact calls the fake receives. Single-workspace mode (a bot token in the settings);
OAuth installs are in test_slack_oauth.py."""

from __future__ import annotations

import io
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import Session, select

from app.host import create_app
from app.settings import Settings
from app.wiring import Services, build_services
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.tables import AnswerRow, Identity, Learner
from tests.support.fake_slack import (
    Call,
    FakeSlack,
    Workspace,
    block_action,
    event_envelope,
    message_event,
    signed_headers,
    slash_command,
)

SECRET = "signing-secret-for-tests"
TOKEN = "xoxb-1-borsetshire-bot"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

ASK_TIME_BLOCKS = [
    {
        "type": "section",
        "block_id": "cb-text-0",
        "text": {
            "type": "mrkdwn",
            "text": "When would you like your daily bite? Choose a time or type one, like 09:15.",
        },
    },
    {
        "type": "actions",
        "block_id": "cb-actions-0",
        "elements": [
            {
                "type": "button",
                "action_id": f"cb-choice-{i}",
                "text": {"type": "plain_text", "text": label, "emoji": False},
                "value": value,
            }
            for i, (label, value) in enumerate(
                [("08:30", "time:0830"), ("12:30", "time:1230"), ("16:00", "time:1600")]
            )
        ],
    },
]


@dataclass
class Rig:
    """The service with Slack configured, an HTTP client on it, and the fake Slack."""

    http: httpx.AsyncClient
    app: FastAPI
    fake: FakeSlack
    services: Services
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Post a signed request to /slack/events and wait for the work it started."""
        when = int(time.time()) if timestamp is None else timestamp
        headers = {**signed_headers(secret, body, when, content_type), **(extra or {})}
        response = await self.http.post("/slack/events", content=body, headers=headers)
        await self.app.state.slack.drain()
        return response

    async def event(self, envelope: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """Deliver an Events API envelope."""
        return await self.post(json.dumps(envelope), JSON, **kwargs)

    async def say(self, text: str, user: str = "U1") -> httpx.Response:
        """A direct message from an officer."""
        return await self.event(message_event(f"Ev{next(self.ids)}", text, user))

    async def press(self, label: str, posted: Call | None = None, **kwargs: Any) -> httpx.Response:
        """Press a button on the newest posted message that has it."""
        posted = posted or self.last_with(label)
        payload = block_action(posted, label, f"trig-{next(self.ids)}", self.fake.response_url())
        return await self.post(urlencode({"payload": json.dumps(payload)}), FORM, **kwargs)

    async def command(self, text: str, channel: str = "D1") -> httpx.Response:
        """A `/bites` slash command."""
        form = slash_command(text, f"trig-{next(self.ids)}", self.fake.response_url(), channel)
        return await self.post(urlencode(form), FORM)

    def last_with(self, label: str) -> Call:
        """The newest chat.postMessage with a button labelled `label`."""
        for call in reversed(self.fake.calls_to("chat.postMessage")):
            if label in json.dumps(call.params["blocks"]):
                return call
        raise AssertionError(f"no posted message has {label!r}")

    def api(self) -> list[Call]:
        """The Web API calls so far, without bolt's auth.test."""
        return [c for c in self.fake.calls if c.method != "auth.test"]

    def texts(self) -> list[str]:
        """The fallback text of every message posted so far."""
        return [c.params["text"] for c in self.fake.calls_to("chat.postMessage")]


def slack_settings(url: str, fake: FakeSlack, **more: Any) -> Settings:
    """Settings with Slack on in single-workspace mode, talking to the fake."""
    values: dict[str, Any] = {
        "database_url": url,
        "scheduler": False,
        "slack_signing_secret": SECRET,
        "slack_bot_token": TOKEN,
        "slack_api_url": fake.api_url,
        **more,
    }
    return Settings(**values)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_workspace(Workspace("T1", TOKEN))
    yield fake
    await fake.close()


@pytest.fixture
async def rig(
    sqlite_url: str, fake: FakeSlack, clock: ManualClock, demo_curriculum: Curriculum
) -> AsyncIterator[Rig]:
    services = build_services(slack_settings(sqlite_url, fake), clock, demo_curriculum)
    app = create_app(services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Rig(http, app, fake, services)


def count(services: Services, table: type[Any]) -> int:
    with Session(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def post_params(channel: str, text: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"channel": channel, "text": text, "blocks": blocks, "team_id": "T1"}


def section(text: str, n: int = 0) -> dict[str, Any]:
    return {"type": "section", "block_id": f"cb-text-{n}", "text": {"type": "mrkdwn", "text": text}}


def button_row(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "cb-actions-0",
        "elements": [
            {
                "type": "button",
                "action_id": f"cb-choice-{i}",
                "text": {"type": "plain_text", "text": label, "emoji": False},
                "value": value,
            }
            for i, (label, value) in enumerate(pairs)
        ],
    }


# ---- conversations -------------------------------------------------------------------


async def test_first_message_from_a_council_workspace_joins_that_council(rig: Rig) -> None:
    assert rig.services.store.register_tenant("demo", "slack", "T1")
    response = await rig.say("hello")
    assert response.status_code == 200
    welcome = (
        "Welcome to Contract Bites. I teach contract and relationship management in short "
        "bites: a few cards to read, then a quick quiz, never more than 20 minutes. Later I "
        "bring back questions just before you would forget them."
    )
    assert [(c.method, c.params, c.token) for c in rig.api()] == [
        ("chat.postMessage", post_params("D1", welcome, [section(welcome)]), TOKEN),
        (
            "chat.postMessage",
            post_params(
                "D1", "You have joined Demo Council.", [section("You have joined Demo Council.")]
            ),
            TOKEN,
        ),
        (
            "chat.postMessage",
            post_params(
                "D1",
                "When would you like your daily bite? Choose a time or type one, like 09:15.",
                ASK_TIME_BLOCKS,
            ),
            TOKEN,
        ),
    ]
    with Session(rig.services.engine) as session:
        identity = session.exec(select(Identity)).one()
    assert (identity.platform, identity.user_id, identity.conversation_id) == ("slack", "U1", "D1")
    assert json.loads(identity.extra) == {"team_id": "T1"}


async def test_unknown_workspace_is_asked_for_a_council(rig: Rig) -> None:
    await rig.say("hello")
    ask = (
        "Which council are you with? If your council gave you a join code, choose the second "
        "option."
    )
    assert rig.api()[-1].params == post_params(
        "D1",
        ask,
        [
            section(ask),
            button_row(("Try the demo council", "join:demo"), ("I have a join code", "join:code")),
        ],
    )


async def onboard(rig: Rig) -> None:
    rig.services.store.register_tenant("demo", "slack", "T1")
    await rig.say("hello")
    await rig.press("12:30")
    await rig.press("Start my first bite")


async def test_answer_locks_the_question_posts_feedback_and_refreshes_home(rig: Rig) -> None:
    await onboard(rig)
    while "Question 1 of" not in rig.texts()[-1]:
        await rig.press("Continue")
    question = rig.fake.calls_to("chat.postMessage")[-1]
    rig.fake.clear()
    await rig.press("Running the contract after award", question)
    update, feedback, home = rig.api()
    assert update.method == "chat.update"
    assert update.params == {
        "channel": "D1",
        "ts": question.result["ts"],
        "text": question.params["text"],
        "blocks": [
            section("*Question 1 of 4*\nWhich stage of a contract does the NAO framework cover?"),
            {
                "type": "context",
                "block_id": "cb-answer",
                "elements": [
                    {"type": "mrkdwn", "text": "Your answer: Running the contract after award"}
                ],
            },
        ],
        "team_id": "T1",
    }
    assert feedback.method == "chat.postMessage"
    assert feedback.params["text"].startswith("Correct. ")
    assert feedback.params["blocks"][-1] == button_row(
        ("Next question", "next"), ("I guessed", "guess:q:t1-q1")
    )
    assert home.method == "views.publish"
    assert home.params == {
        "user_id": "U1",
        "view": {
            "type": "home",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Contract Bites"}},
                section_plain(
                    "Short bites of contract and relationship management: a few cards, then a "
                    "quick quiz."
                ),
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": "Council: Demo Council"}],
                },
                {"type": "divider"},
                section_plain(
                    "*Modules done:* 0 of 3\n*In progress:* What contract management is\n"
                    "*Next lesson:* KPIs and contract performance notices\n*Refreshers due:* 0\n"
                    "*Streak:* 1 working day"
                ),
                home_button("Continue"),
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": "In our messages, type `next`, `progress` or `help`, or use "
                            "`/bites help`.",
                        }
                    ],
                },
            ],
        },
        "team_id": "T1",
    }
    pressed = question.params["blocks"][1]["elements"][1]["value"]  # shuffled: right is 2nd
    with Session(rig.services.engine) as session:
        answer = session.exec(select(AnswerRow)).one()
    assert f"ans:{answer.question_id}:{answer.option_id}" == pressed
    assert answer.correct


def section_plain(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def home_button(label: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "cb-home-actions",
        "elements": [
            {
                "type": "button",
                "action_id": "cb-choice-0",
                "style": "primary",
                "text": {"type": "plain_text", "text": label, "emoji": False},
                "value": "next",
            }
        ],
    }


async def test_a_redelivered_event_is_handled_once(rig: Rig) -> None:
    envelope = message_event("Ev42", "hello")
    await rig.event(envelope)
    first = rig.api()
    assert len(first) == 2  # welcome, which council
    response = await rig.event(
        envelope, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert response.status_code == 200
    assert rig.api() == first
    assert count(rig.services, Learner) == 1


async def test_a_redelivered_answer_is_recorded_once(rig: Rig) -> None:
    await onboard(rig)
    while "Question 1 of" not in rig.texts()[-1]:
        await rig.press("Continue")
    question = rig.fake.calls_to("chat.postMessage")[-1]
    payload = block_action(
        question, "Writing the specification", "trig-once", rig.fake.response_url()
    )
    body = urlencode({"payload": json.dumps(payload)})
    await rig.post(body, FORM)
    done = len(rig.fake.calls)
    response = await rig.post(body, FORM, extra={"X-Slack-Retry-Num": "1"})
    assert response.status_code == 200
    assert len(rig.fake.calls) == done  # nothing sent again
    assert count(rig.services, AnswerRow) == 1


async def test_a_second_click_on_another_copy_changes_nothing(rig: Rig) -> None:
    await onboard(rig)
    while "Question 1 of" not in rig.texts()[-1]:
        await rig.press("Continue")
    question = rig.fake.calls_to("chat.postMessage")[-1]
    await rig.press("Writing the specification", question)
    rig.fake.clear()
    # The same (stale) message pressed again, as if the lock had not reached the client.
    await rig.press("Evaluating the bids", question)
    assert [c.method for c in rig.api()] == ["chat.postMessage"]
    assert rig.texts() == [
        "You have already answered that question; your first answer counts. Send /next to carry on."
    ]
    assert count(rig.services, AnswerRow) == 1


@pytest.mark.parametrize(
    ("secret", "age_seconds"),
    [("not-the-secret", 0), (SECRET, 6 * 60)],
    ids=["bad signature", "replayed timestamp"],
)
async def test_unverified_requests_are_refused_with_no_side_effects(
    rig: Rig, secret: str, age_seconds: int
) -> None:
    body = json.dumps(message_event("Ev1", "hello"))
    response = await rig.post(body, JSON, secret=secret, timestamp=int(time.time()) - age_seconds)
    assert response.status_code == 401
    payload = block_action(
        Call(
            "chat.postMessage",
            {"channel": "D1", "text": "x", "blocks": [button_row(("Go", "next"))]},
            TOKEN,
            {"ts": "1.2"},
        ),
        "Go",
        "trig-x",
        rig.fake.response_url(),
    )
    form = urlencode({"payload": json.dumps(payload)})
    response = await rig.post(form, FORM, secret=secret, timestamp=int(time.time()) - age_seconds)
    assert response.status_code == 401
    assert rig.fake.calls == []
    assert count(rig.services, Learner) == 0


async def test_slash_command_in_the_dm_becomes_a_bot_command(rig: Rig) -> None:
    rig.services.store.register_tenant("demo", "slack", "T1")
    response = await rig.command("help")
    assert (response.status_code, response.text) == (200, "")
    assert [c.method for c in rig.api()] == ["conversations.open", "chat.postMessage"]
    assert rig.api()[0].params == {"users": "U1", "team_id": "T1"}
    assert rig.texts()[0].startswith("What I can do")


async def test_slash_command_in_a_channel_answers_in_the_dm(rig: Rig) -> None:
    rig.services.store.register_tenant("demo", "slack", "T1")
    await rig.say("hello")
    rig.fake.clear()
    await rig.command("help", channel="C123")
    calls = rig.api()
    assert [c.method for c in calls] == [
        "conversations.open",
        "response_url:r1",
        "chat.postMessage",
    ]
    assert calls[1].params == {
        "text": "I have replied in your direct messages with Contract Bites.",
        "response_type": "ephemeral",
    }
    assert calls[2].params["channel"] == "D1"
    assert calls[2].params["text"].startswith("What I can do")


@pytest.mark.parametrize(
    ("text", "command"), [("", "/help"), ("next", "/next"), ("define KPI", "/define KPI")]
)
def test_bites_words_map_to_bot_commands(text: str, command: str) -> None:
    from adapters.slack.convert import command_text

    assert command_text(text) == command


async def test_app_home_for_someone_new_offers_start(rig: Rig) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    await rig.event(event_envelope(event, "Ev9"))
    (publish,) = rig.api()
    assert publish.method == "views.publish"
    blocks = publish.params["view"]["blocks"]
    assert blocks[2] == section_plain(
        "You have not started yet. Press Start, or send me a message."
    )
    assert blocks[3] == home_button("Start")
    assert count(rig.services, Learner) == 0  # looking is not joining
    # The messages tab opening is not the home tab: nothing to publish.
    await rig.event(event_envelope({**event, "tab": "messages"}, "Ev10"))
    assert len(rig.api()) == 1


async def test_continue_on_the_app_home_replies_in_the_dm(rig: Rig) -> None:
    rig.services.store.register_tenant("demo", "slack", "T1")
    await rig.say("hello")
    await rig.press("12:30")
    rig.fake.clear()
    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1", "domain": "borsetshire"},
        "trigger_id": "trig-home",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "actions": [
            {
                "type": "button",
                "action_id": "cb-choice-0",
                "block_id": "cb-home-actions",
                "value": "next",
                "text": {"type": "plain_text", "text": "Continue"},
                "action_ts": "1.1",
            }
        ],
    }
    await rig.post(urlencode({"payload": json.dumps(payload)}), FORM)
    methods = [c.method for c in rig.api()]
    assert methods[0] == "conversations.open"
    assert set(methods[1:]) == {"chat.postMessage"}
    assert rig.texts()[0].startswith("Module 1 of 3: What contract management is")


async def test_home_counts_due_refreshers_and_ignores_later_ones(rig: Rig) -> None:
    import datetime as dt

    from bot.home import HomeSummary, read_home
    from storage.home_facts import SqlHomeFacts
    from storage.tables import SrsCard

    await onboard(rig)
    now = rig.services.clock.now()
    with Session(rig.services.engine) as session, session.begin():
        learner = session.exec(select(Learner)).one()
        for question, due in (
            ("t1-q1", now - dt.timedelta(hours=1)),
            ("t1-q2", now + dt.timedelta(days=2)),
        ):
            session.add(SrsCard(learner_id=learner.id, question_id=question, state=2, due=due))
    reader = SqlHomeFacts(rig.services.engine)
    summary = read_home(reader, rig.services.curriculum, "slack", "U1", now)
    assert summary == HomeSummary(
        started=True,
        council="Demo Council",
        done=0,
        total=3,
        current_title="What contract management is",
        next_title="KPIs and contract performance notices",
        refreshers_due=1,
        streak=0,
    )


async def test_home_streak_runs_over_a_bank_holiday(rig: Rig, clock: ManualClock) -> None:
    """Easter Monday (6 April 2026) is a bank holiday in England, like Good Friday: answers
    on the Thursday before and the Tuesday after are two working days in a row."""
    import datetime as dt

    await onboard(rig)
    with Session(rig.services.engine) as session, session.begin():
        learner = session.exec(select(Learner)).one()
        assert learner.id is not None
        for n, day in enumerate((dt.date(2026, 4, 2), dt.date(2026, 4, 7))):
            answered = dt.datetime.combine(day, dt.time(10), dt.UTC)
            session.add(
                AnswerRow(
                    learner_id=learner.id,
                    module_id="t1",
                    question_id=f"easter-{n}",
                    attempt=1,
                    option_id="a",
                    correct=True,
                    answered_at=answered,
                )
            )
    clock.advance(dt.datetime(2026, 4, 7, 15, tzinfo=dt.UTC) - clock.now())
    rig.fake.clear()
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    await rig.event(event_envelope(event, "EvHome"))
    (publish,) = rig.api()
    lines = publish.params["view"]["blocks"][4]["text"]["text"].split("\n")
    assert lines[-1] == "*Streak:* 2 working days in a row"


async def test_a_failed_signature_logs_no_body(debug_logs: io.StringIO, rig: Rig) -> None:
    body = json.dumps(message_event("Ev1", "my private note about Acme Ltd"))
    response = await rig.post(body, JSON, secret="not-the-secret")
    assert response.status_code == 401
    assert await rig.say("hello") is not None  # a good request is logged as usual
    logged = debug_logs.getvalue()
    assert "inbound handled" in logged
    assert "Acme" not in logged and TOKEN not in logged
