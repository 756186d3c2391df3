"""Slack conversion, App Home, manifest and configuration: pure functions, exact output."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.slack.config import SlackConfigError, slack_config
from adapters.slack.convert import (
    action_to_inbound,
    locked_message,
    message_blocks,
    message_to_inbound,
    to_mrkdwn,
)
from adapters.slack.home import home_view
from adapters.slack.manifest import app_manifest
from adapters.slack.texts import ENGLISH
from bot.home import HomeSummary, working_day_streak
from bot.messages import Choice, ConversationRef, Inbound, Outbound
from scheduler.pacing import Pacing

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LONG = (
    "Build a single contract record: gather the variations, confirm the current prices and "
    "log key dates"
)


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**Card 1 of 3: Signing** is *the* start", "*Card 1 of 3: Signing* is _the_ start"),
        ("- one\n- two", "• one\n• two"),
        (
            "See [the NAO guide](https://www.nao.org.uk/x?a=1&b=2).",
            "See <https://www.nao.org.uk/x?a=1&amp;b=2|the NAO guide>.",
        ),
        ("Fees < 5% & > 2%", "Fees &lt; 5% &amp; &gt; 2%"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_short_choices_are_buttons() -> None:
    reply = Outbound(
        "**Question 2 of 4**\nEight areas?",
        (Choice("ans:q2:a", "True"), Choice("ans:q2:b", "False")),
    )
    assert message_blocks(reply, "Choose") == [
        {
            "type": "section",
            "block_id": "cb-text-0",
            "text": {"type": "mrkdwn", "text": "*Question 2 of 4*\nEight areas?"},
        },
        {
            "type": "actions",
            "block_id": "cb-actions-0",
            "elements": [
                {
                    "type": "button",
                    "action_id": "cb-choice-0",
                    "text": {"type": "plain_text", "text": "True", "emoji": False},
                    "value": "ans:q2:a",
                },
                {
                    "type": "button",
                    "action_id": "cb-choice-1",
                    "text": {"type": "plain_text", "text": "False", "emoji": False},
                    "value": "ans:q2:b",
                },
            ],
        },
    ]


def test_long_choices_are_sections_with_a_button_each() -> None:
    reply = Outbound("Which first?", (Choice("ans:q:a", LONG), Choice("ans:q:b", "Wait")))
    assert message_blocks(reply, "Choose")[1:] == [
        {
            "type": "section",
            "block_id": "cb-option-0",
            "text": {"type": "mrkdwn", "text": LONG},
            "accessory": {
                "type": "button",
                "action_id": "cb-choice-0",
                "text": {"type": "plain_text", "text": "Choose", "emoji": False},
                "value": "ans:q:a",
            },
        },
        {
            "type": "section",
            "block_id": "cb-option-1",
            "text": {"type": "mrkdwn", "text": "Wait"},
            "accessory": {
                "type": "button",
                "action_id": "cb-choice-1",
                "text": {"type": "plain_text", "text": "Choose", "emoji": False},
                "value": "ans:q:b",
            },
        },
    ]


def test_long_text_is_split_into_sections_at_paragraphs() -> None:
    paragraph = "word " * 500  # 2,500 characters
    blocks = message_blocks(Outbound(f"{paragraph}\n\n{paragraph}\n\nend"), "Choose")
    texts = [b["text"]["text"] for b in blocks]
    assert [b["block_id"] for b in blocks] == ["cb-text-0", "cb-text-1"]
    assert all(len(t) <= 3000 for t in texts)
    assert texts[1].endswith("end")


def press(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "trigger_id": "t1",
        "channel": {"id": "D1"},
        "message": {"ts": "1.2", "text": "Which first?", "blocks": blocks},
        "actions": [
            {"action_id": action_id, "block_id": block_id, "value": "ans:q:a", "action_ts": "9.9"}
        ],
    }


def test_locked_message_keeps_the_question_and_names_the_answer() -> None:
    blocks = message_blocks(
        Outbound("Which first?", (Choice("ans:q:a", LONG), Choice("ans:q:b", "Wait"))), "Choose"
    )
    locked = locked_message(press(blocks, "cb-option-0", "cb-choice-0"), ENGLISH.your_answer)
    assert locked is not None
    assert (locked.channel, locked.ts, locked.text) == ("D1", "1.2", "Which first?")
    assert list(locked.blocks) == [
        blocks[0],
        {
            "type": "context",
            "block_id": "cb-answer",
            "elements": [{"type": "mrkdwn", "text": f"Your answer: {LONG}"}],
        },
    ]
    short = message_blocks(Outbound("Sure?", (Choice("a", "Yes & no"),)), "Choose")
    locked = locked_message(press(short, "cb-actions-0", "cb-choice-0"), ENGLISH.your_answer)
    assert locked is not None
    assert locked.blocks[-1]["elements"][0]["text"] == "Your answer: Yes &amp; no"
    # A press on the App Home has no message to lock.
    home = press(short, "cb-home-actions", "cb-choice-0")
    del home["message"], home["channel"]
    assert locked_message(home, ENGLISH.your_answer) is None


def test_press_becomes_the_button_payload() -> None:
    body = press([], "cb-actions-0", "cb-choice-0")
    ref = ConversationRef("slack", "D1", "U1", {"team_id": "T1"})
    assert action_to_inbound(body, "D1", NOW, "demo") == Inbound(
        ref, NOW, choice_id="ans:q:a", message_id="action:t1", council_hint="demo"
    )
    body["actions"][0]["action_id"] = "someone-elses-button"
    assert action_to_inbound(body, "D1", NOW, None) is None


def envelope(**event: Any) -> dict[str, Any]:
    base = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "text": "next"}
    return {"team_id": "T1", "event_id": "Ev1", "event": {**base, **event}}


def test_dm_text_becomes_inbound_and_everything_else_is_ignored() -> None:
    ref = ConversationRef("slack", "D1", "U1", {"team_id": "T1"})
    assert message_to_inbound(envelope(text="define &lt;KPI&gt; &amp; SLA"), NOW) == Inbound(
        ref, NOW, text="define <KPI> & SLA", message_id="Ev1"
    )
    for ignored in (
        envelope(subtype="message_changed"),
        envelope(bot_id="B1"),
        envelope(channel_type="channel"),
        envelope(user=None),
        {"team_id": "T1", "event": {"type": "app_mention"}},
    ):
        assert message_to_inbound(ignored, NOW) is None


def calendar(nation: str = "england", **leave: dt.date) -> Pacing:
    """A learner's calendar: Monday to Friday; only the day rules matter to a streak."""
    days = ("mon", "tue", "wed", "thu", "fri")
    nine, eight, six = dt.time(9), dt.time(8), dt.time(18)
    return Pacing("Europe/London", nation, days, nine, eight, six, **leave)


def test_streak_counts_working_days_in_a_row() -> None:
    weekdays = calendar()
    monday = dt.date(2026, 3, 9)
    friday, thursday = monday - dt.timedelta(days=3), monday - dt.timedelta(days=4)
    # Thursday and Friday, then the weekend off, then Monday: three.
    assert working_day_streak({thursday, friday, monday}, monday, weekdays) == 3
    # Nothing yet today: the streak up to yesterday still stands.
    assert working_day_streak({thursday, friday}, monday, weekdays) == 2
    # A missed working day breaks it.
    assert working_day_streak({thursday, monday}, monday, weekdays) == 1
    # A Saturday answer counts as a bonus day.
    assert working_day_streak({friday, friday + dt.timedelta(days=1)}, monday, weekdays) == 2
    assert working_day_streak(set(), monday, weekdays) == 0


def test_a_bank_holiday_does_not_break_the_streak() -> None:
    # Easter Monday 2026 (6 April) is a bank holiday in England and Wales, not in Scotland.
    thursday, tuesday = dt.date(2026, 4, 2), dt.date(2026, 4, 7)
    # Good Friday and Easter Monday are days off: Thursday then Tuesday is two in a row.
    assert working_day_streak({thursday, tuesday}, tuesday, calendar("england")) == 2
    # In Scotland Easter Monday is a working day, and missing it breaks the streak.
    assert working_day_streak({thursday, tuesday}, tuesday, calendar("scotland")) == 1
    # Leave is a day off too: a week away between two answers leaves the streak standing.
    friday, back = dt.date(2026, 4, 10), dt.date(2026, 4, 20)
    away = calendar(away_from=dt.date(2026, 4, 13), away_until=dt.date(2026, 4, 17))
    assert working_day_streak({friday, back}, back, away) == 2
    assert working_day_streak({friday, back}, back, calendar()) == 1


def test_home_view_lines() -> None:
    summary = HomeSummary(True, "Borsetshire", 3, 34, None, "KPIs & notices", 2, 5)
    view = home_view(summary, ENGLISH)
    assert view["blocks"][4] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Modules done:* 3 of 34\n*Next lesson:* KPIs &amp; notices\n"
            "*Refreshers due:* 2\n*Streak:* 5 working days in a row",
        },
    }
    done = home_view(HomeSummary(True, None, 34, 34), ENGLISH)["blocks"][3]["text"]["text"]
    assert done.split("\n")[1] == "*Next lesson:* you have completed every module."


def test_manifest_for_http_and_for_socket_mode() -> None:
    http = app_manifest("https://bites.example.gov.uk/")
    assert http["settings"]["event_subscriptions"] == {
        "bot_events": ["app_home_opened", "app_uninstalled", "message.im", "tokens_revoked"],
        "request_url": "https://bites.example.gov.uk/slack/events",
    }
    assert http["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://bites.example.gov.uk/slack/events",
    }
    assert http["oauth_config"] == {
        "scopes": {"bot": ["chat:write", "commands", "im:history", "im:write"]},
        "redirect_urls": ["https://bites.example.gov.uk/slack/oauth_redirect"],
    }
    assert (
        http["features"]["slash_commands"][0]["url"] == "https://bites.example.gov.uk/slack/events"
    )
    assert http["features"]["app_home"]["home_tab_enabled"] is True
    socket = app_manifest(None, socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert "redirect_urls" not in socket["oauth_config"]
    with pytest.raises(ValueError, match="CB_PUBLIC_URL"):
        app_manifest(None)


def settings(**values: Any) -> Any:
    fields = {
        "slack_signing_secret": None,
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_token_key": None,
        "slack_bot_token": None,
        "slack_app_token": None,
        "slack_api_url": "https://slack.com/api/",
        "public_url": None,
    }
    fields.update(
        {
            k: SecretStr(v) if k not in {"slack_client_id", "slack_api_url", "public_url"} else v
            for k, v in values.items()
        }
    )
    return SimpleNamespace(**fields)


def test_config_modes_and_mistakes() -> None:
    assert slack_config(settings()) is None
    single = slack_config(
        settings(
            slack_signing_secret="s",
            slack_bot_token="xoxb-1",
            slack_api_url="http://127.0.0.1:9/api",
        )
    )
    assert single is not None and not single.multi_workspace
    assert single.api_url == "http://127.0.0.1:9/api/"
    oauth = slack_config(
        settings(
            slack_signing_secret="s",
            slack_client_id="1.2",
            slack_client_secret="c",
            slack_token_key="k1, k2",
        )
    )
    assert oauth is not None and oauth.multi_workspace and oauth.token_keys == ("k1", "k2")
    with pytest.raises(SlackConfigError, match="CB_SLACK_BOT_TOKEN"):
        slack_config(settings(slack_signing_secret="s"))
    with pytest.raises(SlackConfigError, match="CB_SLACK_TOKEN_KEY"):
        slack_config(
            settings(slack_signing_secret="s", slack_client_id="1.2", slack_client_secret="c")
        )
    with pytest.raises(SlackConfigError, match="not both"):
        slack_config(
            settings(slack_signing_secret="s", slack_client_id="1.2", slack_bot_token="xoxb-1")
        )
