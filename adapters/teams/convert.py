"""Teams activities ⇄ neutral messages, and replies as Adaptive Cards. Pure: no I/O.

Incoming activities arrive as the Teams SDK's typed models; `read_activity` turns each into
a `Turn` saying what the adapter should do. Replies become message activities: plain
Markdown text, or an Adaptive Card (schema 1.5) whose buttons are `Action.Execute` with verb
"choose". Each button's data also carries its label and the card's text, because a Teams
card action does not include the card it came from, and the locked card that replaces an
answered question is rebuilt from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any

from microsoft_teams.api.activities import (
    ConversationUpdateActivity,
    MessageActivity,
    MessageActivityInput,
)
from microsoft_teams.api.activities.install_update import InstalledActivity
from microsoft_teams.api.activities.invoke.adaptive_card import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.utils import StripMentionsTextOptions, strip_mentions_text
from microsoft_teams.api.models import ActivityBase, Attachment

from adapters.markdown import to_plain
from adapters.teams.texts import ENGLISH, TeamsTexts
from bot.messages import ConversationRef, Inbound, Outbound

PLATFORM = "teams"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
VERB = "choose"
MAX_TEXT = 2000
MAX_CHOICE = 128


class TurnKind(Enum):
    """What an incoming activity asks the adapter to do."""

    MESSAGE = "message"  # a learner typed in a 1:1 chat
    PRESS = "press"  # a learner pressed a card button (Action.Execute)
    GREET = "greet"  # the app was installed in a 1:1 chat: greet as if they sent /start
    GROUP = "group"  # the bot was @mentioned or added in a group chat or channel
    IGNORE = "ignore"  # nothing to do (typing, reactions, group chatter without a mention, …)


@dataclass(frozen=True)
class Turn:
    """One incoming activity, read.

    `inbound` is what the bot should handle (without the council hint, which needs the
    store); `label` and `card_text` describe the pressed button and its card.
    """

    kind: TurnKind
    inbound: Inbound | None = None
    tenant_id: str | None = None
    label: str = ""
    card_text: str = ""


IGNORED = Turn(TurnKind.IGNORE)


def read_activity(activity: ActivityBase, received_at: dt.datetime) -> Turn:
    """Read an incoming activity into a Turn."""
    tenant = tenant_of(activity)
    if isinstance(activity, MessageActivity):
        return _read_message(activity, received_at, tenant)
    if isinstance(activity, AdaptiveCardInvokeActivity):
        return _read_press(activity, received_at, tenant)
    if isinstance(activity, InstalledActivity) or (
        isinstance(activity, ConversationUpdateActivity)
        and any(m.id == activity.recipient.id for m in activity.members_added or ())
    ):
        return _read_install(activity, received_at, tenant)
    return IGNORED


def tenant_of(activity: ActivityBase) -> str | None:
    """The Entra tenant the activity comes from (conversation first, then channel data)."""
    if activity.conversation.tenant_id:
        return activity.conversation.tenant_id
    channel_data = activity.channel_data
    tenant = channel_data.tenant if channel_data else None
    return tenant.id if tenant else None


def is_personal(activity: ActivityBase) -> bool:
    """True in a 1:1 chat with the bot; False in group chats and channels."""
    return activity.conversation.conversation_type in (None, "personal")


def reference(activity: ActivityBase, tenant: str | None) -> ConversationRef:
    """How to reach this learner again: the conversation, the service URL and the tenant.

    The learner is known by their Entra (AAD) object id, stable across reinstalls; the Teams
    user id ("29:…") and the bot's id ride along for proactive sends."""
    sender = activity.from_
    extra = {
        "service_url": activity.service_url,
        "tenant_id": tenant,
        "bot_id": activity.recipient.id,
        "teams_user_id": sender.id,
    }
    return ConversationRef(
        PLATFORM,
        activity.conversation.id,
        sender.aad_object_id or sender.id,
        {key: value for key, value in extra.items() if value},
    )


def _read_message(activity: MessageActivity, received_at: dt.datetime, tenant: str | None) -> Turn:
    if not is_personal(activity):
        return Turn(TurnKind.GROUP, tenant_id=tenant) if _mentions_bot(activity) else IGNORED
    options = StripMentionsTextOptions(account_id=activity.recipient.id)
    text = (strip_mentions_text(activity, options) or "")[:MAX_TEXT]
    inbound = Inbound(
        reference(activity, tenant), received_at, text=text, message_id=activity.id or None
    )
    return Turn(TurnKind.MESSAGE, inbound, tenant)


def _mentions_bot(activity: MessageActivity) -> bool:
    return activity.get_account_mention(activity.recipient.id) is not None


def _read_press(
    activity: AdaptiveCardInvokeActivity, received_at: dt.datetime, tenant: str | None
) -> Turn:
    action = activity.value.action
    data: dict[str, Any] = action.data if isinstance(action.data, dict) else {}
    choice = data.get("choice")
    if action.verb != VERB or not isinstance(choice, str) or not 0 < len(choice) <= MAX_CHOICE:
        return IGNORED
    if not is_personal(activity):
        return Turn(TurnKind.GROUP, tenant_id=tenant)
    inbound = Inbound(
        reference(activity, tenant), received_at, choice_id=choice, message_id=activity.id or None
    )
    label, text = data.get("label"), data.get("text")
    return Turn(
        TurnKind.PRESS,
        inbound,
        tenant,
        label=label[:MAX_TEXT] if isinstance(label, str) else "",
        card_text=text[:MAX_TEXT] if isinstance(text, str) else "",
    )


def _read_install(activity: ActivityBase, received_at: dt.datetime, tenant: str | None) -> Turn:
    if not is_personal(activity):
        return Turn(TurnKind.GROUP, tenant_id=tenant)
    # Teams sends both installationUpdate and conversationUpdate on a personal install;
    # one message id for the conversation and day lets the bot greet once, not twice.
    message_id = f"install:{activity.conversation.id}:{received_at.date().isoformat()}"
    inbound = Inbound(reference(activity, tenant), received_at, "/start", message_id=message_id)
    return Turn(TurnKind.GREET, inbound, tenant)


def to_activity(reply: Outbound, texts: TeamsTexts = ENGLISH) -> MessageActivityInput:
    """A reply as a Teams message: Markdown text, or an Adaptive Card when it has buttons."""
    if not reply.choices:
        return MessageActivityInput(text=reply.text, text_format="markdown")
    plain = to_plain(reply.text)
    return MessageActivityInput(
        summary=_first_line(plain),
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card_for(reply, texts))],
    )


def text_activity(text: str) -> MessageActivityInput:
    """A plain message from the channel itself (not from the bot)."""
    return MessageActivityInput(text=text, text_format="plain")


def card_for(reply: Outbound, texts: TeamsTexts = ENGLISH) -> dict[str, Any]:
    """An Adaptive Card with the reply's text and one Action.Execute per button."""
    labels = ", ".join(c.label for c in reply.choices)
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": f"{to_plain(reply.text)}\n{texts.choose_one.format(labels=labels)}",
        "body": _text_blocks(reply.text),
        "actions": [
            {
                "type": "Action.Execute",
                "title": choice.label,
                "verb": VERB,
                "data": {"choice": choice.id, "label": choice.label, "text": reply.text},
            }
            for choice in reply.choices
        ],
    }


def locked_card(turn: Turn, answered: bool, texts: TeamsTexts = ENGLISH) -> dict[str, Any]:
    """The pressed card again without buttons, showing what was chosen, so it cannot be
    pressed twice. `answered` says the press answered a quiz question."""
    template = texts.your_answer if answered else texts.you_chose
    line = template.format(label=turn.label)
    body = _text_blocks(turn.card_text) if turn.card_text else []
    body.append({"type": "TextBlock", "text": line, "wrap": True, "weight": "Bolder"})
    fallback = f"{to_plain(turn.card_text)}\n{line}" if turn.card_text else line
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": fallback,
        "body": body,
    }


def _text_blocks(text: str) -> list[dict[str, Any]]:
    paragraphs = [p.strip("\n") for p in text.split("\n\n") if p.strip()]
    return [{"type": "TextBlock", "text": p, "wrap": True} for p in paragraphs]


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0][:200]


def card_response(card: dict[str, Any]) -> dict[str, Any]:
    """The body of an adaptiveCard/action invoke response that replaces the pressed card."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def message_response(text: str) -> dict[str, Any]:
    """The body of an adaptiveCard/action invoke response that shows a short message."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
