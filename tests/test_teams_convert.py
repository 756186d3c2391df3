"""Teams conversion tests: real-shaped activity fixtures in, Turns and cards out. Pure."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from microsoft_teams.api.activities import ActivityTypeAdapter

from adapters.teams.convert import Turn, TurnKind, card_for, read_activity, to_activity
from bot.messages import Choice, ConversationRef, Inbound, Outbound

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TENANT = "9d2f7c61-1111-4222-8333-444455556666"
REF = ConversationRef(
    "teams",
    "a:1Personal-Chat-Conversation-Id",
    "6f1c2b3a-0000-4000-8000-00000000a001",
    {
        "service_url": "https://smba.trafficmanager.net/emea/",
        "tenant_id": TENANT,
        "bot_id": "28:00000000-0000-4000-8000-00000000b0b0",
        "teams_user_id": "29:1Ann-Officer-Teams-User-Id",
    },
)


def read(name: str, **changes: Any) -> Turn:
    activity = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    activity.update(changes)
    return read_activity(ActivityTypeAdapter.validate_python(activity), AT)


def test_a_personal_message() -> None:
    assert read("personal_message") == Turn(
        TurnKind.MESSAGE, Inbound(REF, AT, text="help", message_id="1772442000123"), TENANT
    )


def test_a_mention_in_a_personal_chat_is_stripped() -> None:
    turn = read(
        "personal_message",
        text="<at>Contract Bites</at> next",
        entities=[
            {
                "type": "mention",
                "text": "<at>Contract Bites</at>",
                "mentioned": {"id": "28:00000000-0000-4000-8000-00000000b0b0", "name": "x"},
            }
        ],
    )
    assert turn.inbound is not None and turn.inbound.text == "next"


def test_a_card_press() -> None:
    assert read("card_action") == Turn(
        TurnKind.PRESS,
        Inbound(REF, AT, choice_id="next", message_id="f:7e1d9a3c-5b8e-4e0f-9c1a-0d2b3c4d5e6f"),
        TENANT,
        label="Continue",
        card_text="Card text",
    )


def test_a_press_with_another_verb_or_bad_data_is_ignored() -> None:
    value = {"action": {"type": "Action.Execute", "verb": "other", "data": {"choice": "x"}}}
    assert read("card_action", value=value).kind is TurnKind.IGNORE
    value = {"action": {"type": "Action.Execute", "verb": "choose", "data": {"choice": 7}}}
    assert read("card_action", value=value).kind is TurnKind.IGNORE


def test_install_and_conversation_update_greet_with_one_message_id() -> None:
    greeting = Inbound(
        REF, AT, "/start", message_id="install:a:1Personal-Chat-Conversation-Id:2026-03-02"
    )
    assert read("installation_add") == Turn(TurnKind.GREET, greeting, TENANT)
    assert read("conversation_update_added") == Turn(TurnKind.GREET, greeting, TENANT)


def test_someone_else_joining_is_ignored() -> None:
    assert read("conversation_update_added", membersAdded=[{"id": "29:other"}]).kind is (
        TurnKind.IGNORE
    )


def test_group_chat_mentions_and_chatter() -> None:
    assert read("group_mention") == Turn(TurnKind.GROUP, tenant_id=TENANT)
    assert read("group_mention", entities=[]).kind is TurnKind.IGNORE


def test_a_reply_without_buttons_is_markdown_text() -> None:
    activity = to_activity(Outbound("**Done.**\n\n- one\n- two"))
    assert activity.model_dump(by_alias=True, exclude_none=True) == {
        "type": "message",
        "text": "**Done.**\n\n- one\n- two",
        "textFormat": "markdown",
    }


def test_a_card_reads_well_as_plain_text() -> None:
    card = card_for(Outbound("**Card 1 of 3: Start**\n\nBody text.", (Choice("next", "Continue"),)))
    assert card == {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "fallbackText": "Card 1 of 3: Start\n\nBody text.\nChoose one: Continue.",
        "body": [
            {"type": "TextBlock", "text": "**Card 1 of 3: Start**", "wrap": True},
            {"type": "TextBlock", "text": "Body text.", "wrap": True},
        ],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Continue",
                "verb": "choose",
                "data": {
                    "choice": "next",
                    "label": "Continue",
                    "text": "**Card 1 of 3: Start**\n\nBody text.",
                },
            }
        ],
    }
