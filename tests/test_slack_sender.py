"""The Slack sender against the fake Slack API: every outcome the dispatcher relies on."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from adapters.slack.config import SlackConfig
from adapters.slack.factory import build_slack_sender
from adapters.slack.sender import SlackSender
from app.settings import Settings
from bot.messages import Choice, ConversationRef, Outbound, RateLimits, SendResult, SendStatus
from runtime.clock import ManualClock
from storage.db import make_engine
from storage.migrate import upgrade
from storage.workspaces import SqlWorkspaces
from tests.support.fake_slack import FakeSlack, Workspace

TOKEN = "xoxb-1-borsetshire-bot"
REF = ConversationRef("slack", "D1", "U1", {"team_id": "T1"})
BITE = Outbound("**Your daily bite** is ready.", (Choice("next", "Continue"),))
POSTED = {
    "channel": "D1",
    "text": "Your daily bite is ready.",
    "blocks": [
        {
            "type": "section",
            "block_id": "cb-text-0",
            "text": {"type": "mrkdwn", "text": "*Your daily bite* is ready."},
        },
        {
            "type": "actions",
            "block_id": "cb-actions-0",
            "elements": [
                {
                    "type": "button",
                    "action_id": "cb-choice-0",
                    "text": {"type": "plain_text", "text": "Continue", "emoji": False},
                    "value": "next",
                }
            ],
        },
    ],
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_workspace(Workspace("T1", TOKEN))
    yield fake
    await fake.close()


def sender_for(api_url: str, sqlite_url: str, clock: ManualClock) -> SlackSender:
    settings = Settings(
        database_url=sqlite_url,
        slack_signing_secret="s",
        slack_bot_token=TOKEN,
        slack_api_url=api_url,
    )
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sender = build_slack_sender(settings, SqlWorkspaces(engine), clock)
    assert sender is not None
    return sender


@pytest.fixture
def sender(fake: FakeSlack, sqlite_url: str, clock: ManualClock) -> SlackSender:
    return sender_for(fake.api_url, sqlite_url, clock)


async def test_sends_block_kit_into_the_dm(fake: FakeSlack, sender: SlackSender) -> None:
    result = await sender.send(REF, [BITE])
    assert result == SendResult(SendStatus.SENT, message_id="1700000000.000001")
    (call,) = fake.calls
    assert (call.method, call.params, call.token) == ("chat.postMessage", POSTED, TOKEN)


async def test_limits_are_per_workspace(sender: SlackSender) -> None:
    assert sender.platform == "slack"
    assert sender.limits == RateLimits(per_second=1.0, conversation_gap_seconds=1.0)
    assert sender.limit_key(REF) == "slack:T1"
    other = ConversationRef("slack", "D9", "U9", {"team_id": "T2"})
    assert sender.limit_key(other) == "slack:T2"


async def test_429_returns_retry_after_without_waiting_then_succeeds(
    fake: FakeSlack, sender: SlackSender
) -> None:
    fake.fail_next("chat.postMessage", status=429, error="ratelimited", **{"Retry-After": "7"})
    started = time.monotonic()
    result = await sender.send(REF, [BITE])
    assert time.monotonic() - started < 2  # no sleeping on the Retry-After
    assert result == SendResult(SendStatus.RETRY, 7.0, None, "ratelimited after 0 sent", True)
    assert len(fake.calls) == 1  # and no retry of its own
    result = await sender.send(REF, [BITE])
    assert result == SendResult(SendStatus.SENT, message_id="1700000000.000001")
    assert [c.params for c in fake.calls] == [POSTED, POSTED]


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (200, "account_inactive", SendStatus.UNREACHABLE),
        (200, "channel_not_found", SendStatus.UNREACHABLE),
        (200, "token_revoked", SendStatus.UNREACHABLE),
        (500, "internal_error", SendStatus.RETRY),
        (503, "service_unavailable", SendStatus.RETRY),
        (200, "invalid_blocks", SendStatus.FAILED),
        (200, "msg_too_long", SendStatus.FAILED),
    ],
)
async def test_refusals_are_classified(
    fake: FakeSlack, sender: SlackSender, status: int, error: str, expected: SendStatus
) -> None:
    fake.fail_next("chat.postMessage", status=status, error=error)
    result = await sender.send(REF, [BITE])
    assert result == SendResult(expected, detail=f"{error} after 0 sent")


async def test_a_failure_part_way_reports_what_was_sent(
    fake: FakeSlack, sender: SlackSender
) -> None:
    fake.fail_next("chat.postMessage", status=429, after=1, **{"Retry-After": "3"})
    result = await sender.send(REF, [BITE, BITE])
    expected = SendResult(
        SendStatus.RETRY, 3.0, "1700000000.000001", "ratelimited after 1 sent", throttled=True
    )
    assert result == expected
    assert len(fake.calls) == 2


async def test_unreachable_api_is_retried_later(sqlite_url: str, clock: ManualClock) -> None:
    gone = FakeSlack()
    await gone.start()
    url = gone.api_url
    await gone.close()
    result = await sender_for(url, sqlite_url, clock).send(REF, [BITE])
    assert result.status is SendStatus.RETRY
    assert result.detail.endswith("after 0 sent")


def test_config_repr_hides_secrets() -> None:
    config = SlackConfig(signing_secret="sig", bot_token=TOKEN)
    assert "sig" not in repr(config) and TOKEN not in repr(config)
