"""Slack payloads ⇄ neutral messages, and replies as Block Kit. Pure functions, no I/O.

Replies become `section` blocks of mrkdwn text followed by the buttons. Button payloads
(`Choice.id`) travel in the button's `value` and come back untouched as `Inbound.choice_id`.
Slack limits a button's text to 75 characters, and many quiz options are longer, so when any
label is too long each choice becomes its own section (the full text) with a button beside
it instead. Every block gets a `block_id` from us, so a pressed message can be "locked" by
keeping only its text blocks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.markdown import protect, restore, to_plain
from bot.messages import Choice, ConversationRef, Inbound, Outbound

PLATFORM = "slack"
TEXT_BLOCK_MAX = 3000  # Slack: a section's text
BUTTON_TEXT_MAX = 75  # Slack: a button's text
BUTTONS_PER_BLOCK = 25  # Slack: elements of one actions block
FALLBACK_MAX = 300  # our choice: notification text, not the message itself
ACTION_PREFIX = "cb-choice-"
ACTION_ID = re.compile(r"^cb-choice-\d+$")
TEXT_BLOCK = "cb-text-"
OPTION_BLOCK = "cb-option-"
ACTIONS_BLOCK = "cb-actions-"
ANSWER_BLOCK = "cb-answer"

Block = dict[str, Any]

_LINK = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_BOLD_MARK = "\x00"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup in text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of what a user typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_mrkdwn(text: str) -> str:
    """The bot's Markdown subset as Slack mrkdwn: *bold*, _italic_, <url|links>, • bullets."""
    out = escape(protect(text))
    out = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", out)
    # Bold first, to a placeholder, so the italic pattern does not see its asterisks.
    out = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", out)
    out = _ITALIC.sub(r"_\1_", out)
    out = out.replace(_BOLD_MARK, "*")
    out = "\n".join("• " + line[2:] if line.startswith("- ") else line for line in out.split("\n"))
    return restore(out, _literal)


def _literal(char: str) -> str:
    """A plain character in mrkdwn. Slack has no escape for its markup characters, so
    they are fenced with zero-width spaces, which stop them pairing up as formatting."""
    if char in "*_~`":
        return f"\u200b{char}\u200b"
    return escape(char)


def _chunks(text: str, limit: int = TEXT_BLOCK_MAX) -> list[str]:
    """Split text into pieces of at most `limit` characters, at paragraph breaks if possible."""
    pieces: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(paragraph) > limit:
            cut = paragraph.rfind("\n", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip("\n")
        current = paragraph
    if current:
        pieces.append(current)
    return pieces


def _button(index: int, choice: Choice, label: str) -> Block:
    return {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{index}",
        "text": {"type": "plain_text", "text": label, "emoji": False},
        "value": choice.id,
    }


def _section(block_id: str, mrkdwn: str) -> Block:
    return {"type": "section", "block_id": block_id, "text": {"type": "mrkdwn", "text": mrkdwn}}


def message_blocks(reply: Outbound, choose_label: str) -> list[Block]:
    """A reply as Block Kit blocks. `choose_label` is the button text used beside each
    choice when the choices are too long to be buttons themselves."""
    blocks = [
        _section(f"{TEXT_BLOCK}{n}", piece)
        for n, piece in enumerate(_chunks(to_mrkdwn(reply.text)) or [" "])
    ]
    choices = list(enumerate(reply.choices))
    if any(len(choice.label) > BUTTON_TEXT_MAX for _, choice in choices):
        for index, choice in choices:
            option = _section(f"{OPTION_BLOCK}{index}", to_mrkdwn(choice.label)[:TEXT_BLOCK_MAX])
            option["accessory"] = _button(index, choice, choose_label)
            blocks.append(option)
        return blocks
    for start in range(0, len(choices), BUTTONS_PER_BLOCK):
        elements = [_button(i, c, c.label) for i, c in choices[start : start + BUTTONS_PER_BLOCK]]
        blocks.append(
            {"type": "actions", "block_id": f"{ACTIONS_BLOCK}{start}", "elements": elements}
        )
    return blocks


def fallback_text(reply: Outbound) -> str:
    """The plain text Slack shows in notifications and where blocks cannot be shown."""
    plain = to_plain(reply.text).strip()
    return plain if len(plain) <= FALLBACK_MAX else plain[: FALLBACK_MAX - 1].rstrip() + "…"


def message_payload(reply: Outbound, choose_label: str) -> dict[str, Any]:
    """chat.postMessage arguments (without the channel) for a reply."""
    return {"text": fallback_text(reply), "blocks": message_blocks(reply, choose_label)}


# ---- inbound -------------------------------------------------------------------------


def _ref(team_id: str, channel: str, user_id: str) -> ConversationRef:
    return ConversationRef(PLATFORM, channel, user_id, {"team_id": team_id})


def message_to_inbound(
    body: Mapping[str, Any], received_at: dt.datetime, council_hint: str | None = None
) -> Inbound | None:
    """A direct message event (Events API envelope) as an Inbound; None for anything the
    bot should not answer: edits and other subtypes, bots, and messages outside its DM."""
    event = body.get("event") or {}
    if (
        event.get("type") != "message"
        or event.get("channel_type") != "im"
        or event.get("subtype") is not None
        or event.get("bot_id") is not None
        or not event.get("user")
        or not event.get("channel")
    ):
        return None
    ref = _ref(str(body.get("team_id", "")), str(event["channel"]), str(event["user"]))
    return Inbound(
        ref,
        received_at,
        text=unescape(str(event.get("text") or "")),
        message_id=str(body["event_id"]) if body.get("event_id") else None,
        council_hint=council_hint,
    )


def action_team(body: Mapping[str, Any]) -> str:
    """The workspace a block action came from."""
    return str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", ""))


def action_to_inbound(
    body: Mapping[str, Any], dm_channel: str, received_at: dt.datetime, council_hint: str | None
) -> Inbound | None:
    """A button press (block_actions) as an Inbound pressing `Choice.id`; None if the
    payload has no button of ours. `dm_channel` is the user's DM with the app."""
    actions = body.get("actions") or []
    action = actions[0] if actions else {}
    if not ACTION_ID.match(str(action.get("action_id", ""))) or "value" not in action:
        return None
    user_id = str((body.get("user") or {}).get("id", ""))
    unique = body.get("trigger_id") or action.get("action_ts")
    return Inbound(
        _ref(action_team(body), dm_channel, user_id),
        received_at,
        choice_id=str(action["value"]),
        message_id=f"action:{unique}" if unique else None,
        council_hint=council_hint,
    )


def command_text(text: str) -> str:
    """`/bites next` → the bot command `/next`; `/bites` alone → `/help`."""
    words = unescape(text).strip()
    return f"/{words}" if words else "/help"


def command_to_inbound(
    body: Mapping[str, Any], dm_channel: str, received_at: dt.datetime, council_hint: str | None
) -> Inbound:
    """A `/bites …` slash command as the bot command it names."""
    unique = body.get("trigger_id")
    return Inbound(
        _ref(str(body.get("team_id", "")), dm_channel, str(body.get("user_id", ""))),
        received_at,
        text=command_text(str(body.get("text") or "")),
        message_id=f"command:{unique}" if unique else None,
        council_hint=council_hint,
    )


# ---- locking an answered question ----------------------------------------------------


@dataclass(frozen=True)
class LockedMessage:
    """chat.update arguments that replace a pressed question with its locked version."""

    channel: str
    ts: str
    text: str
    blocks: tuple[Block, ...]


def _label_of(blocks: Sequence[Block], action: Mapping[str, Any]) -> str | None:
    """The pressed choice's label as mrkdwn, from the message the button was on."""
    for block in blocks:
        if block.get("block_id") != action.get("block_id"):
            continue
        if block.get("type") == "section":
            return str((block.get("text") or {}).get("text", ""))
        for element in block.get("elements") or []:
            if element.get("action_id") == action.get("action_id"):
                return escape(str((element.get("text") or {}).get("text", "")))
    return None


def locked_message(body: Mapping[str, Any], answer_line: str) -> LockedMessage | None:
    """The pressed message without its buttons, plus a line naming the answer chosen.

    `answer_line` is a template with `{label}`. None when the press was not on a message
    of ours (e.g. a button on the App Home)."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    actions = body.get("actions") or []
    blocks: list[Block] = list(message.get("blocks") or [])
    if not (channel and message.get("ts") and actions and blocks):
        return None
    label = _label_of(blocks, actions[0])
    if label is None:
        return None
    kept = [b for b in blocks if str(b.get("block_id", "")).startswith(TEXT_BLOCK)]
    line = answer_line.format(label=label)
    answer = {
        "type": "context",
        "block_id": ANSWER_BLOCK,
        "elements": [{"type": "mrkdwn", "text": line}],
    }
    text = str(message.get("text") or "")
    return LockedMessage(str(channel), str(message["ts"]), text, (*kept, answer))
