"""Telegram updates ⇄ neutral messages. Pure functions over PTB's objects, no I/O.

Incoming: an `Update` is classified (a learner's message or button press in a private chat,
anything in a group, a press that does not match its message's keyboard, a learner who
blocked the bot, or something to ignore) and, for learners, turned into an `Inbound`.
Outgoing: the bot's Markdown subset becomes Telegram's HTML, choices become an inline
keyboard, and a quiz question becomes its locked version once answered.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from html import escape

from telegram import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType

from adapters.markdown import html_literal, protect, restore
from bot.messages import Choice, ConversationRef, Inbound

PLATFORM = "telegram"
# Telegram's limit on callback_data; the bot's payloads are made to fit it.
MAX_CALLBACK_BYTES = 64
# The update types the bot asks Telegram for (webhook and polling alike).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# Buttons with labels up to this long share a row.
SHORT_LABEL = 12

_LINK = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


@dataclass(frozen=True)
class TelegramTexts:
    """Everything the Telegram channel itself says (the bot's own words live in bot/texts)."""

    private_only: str = (
        "I teach in private chats only, so your answers stay yours. Open a private chat "
        "with me and send /start."
    )
    expired_button: str = "That button has expired. Send /next to carry on."
    your_answer: str = "Your answer: {label}"
    # The command menu (setMyCommands): command, description.
    commands: tuple[tuple[str, str], ...] = (
        ("start", "Start, or join a council with its code"),
        ("next", "The next card, question or module"),
        ("progress", "Modules done and quiz scores"),
        ("settings", "Learning time and working days"),
        ("help", "What I can do"),
        ("stop", "Pause Contract Bites"),
    )


ENGLISH = TelegramTexts()


class UpdateKind(Enum):
    """What an update asks of the channel."""

    LEARNER = "learner"  # a message or press in a private chat: pass it to the bot
    GROUP = "group"  # something in a group: explain the bot works in private chats
    BAD_PRESS = "bad_press"  # callback data not on the message's keyboard: alert, no bot call
    BLOCKED = "blocked"  # the learner blocked the bot (my_chat_member, status kicked)
    IGNORED = "ignored"  # edits, channel posts, group chatter: nothing to do


@dataclass(frozen=True)
class PressedButton:
    """The message whose button was pressed, as needed to lock it after an answer."""

    message_id: int
    question_html: str
    label: str


@dataclass(frozen=True)
class Incoming:
    """A classified update. `chat_id` is where replies go; `callback_query_id` is set for
    button presses, which must always be answered."""

    kind: UpdateKind
    chat_id: int | None = None
    inbound: Inbound | None = None
    callback_query_id: str | None = None
    pressed: PressedButton | None = None


def to_telegram_html(text: str) -> str:
    """The bot's Markdown subset as Telegram HTML: `&`, `<` and `>` escaped first, then
    **bold** → <b>, *italic* → <i>, links → <a href>, and `- ` bullets as `• ` lines."""
    lines = protect(text).strip().split("\n")
    return restore("\n".join(_html_line(line) for line in lines), html_literal)


def _html_line(line: str) -> str:
    bullet = line.startswith("- ")
    out = escape(line[2:] if bullet else line, quote=False)
    out = _LINK.sub(_link, out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    return "• " + out if bullet else out


def _link(match: re.Match[str]) -> str:
    href = match.group(2).replace('"', "&quot;")
    return f'<a href="{href}">{match.group(1)}</a>'


def keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
    """An inline keyboard, None when there are no choices. Short labels (times, True and
    False) share rows of three; longer ones (answer options are sentences) get a row each."""
    if not choices:
        return None
    buttons = []
    for choice in choices:
        if len(choice.id.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button payload longer than {MAX_CALLBACK_BYTES} bytes")
        buttons.append(InlineKeyboardButton(choice.label, callback_data=choice.id))
    per_row = 3 if all(len(c.label) <= SHORT_LABEL for c in choices) else 1
    return InlineKeyboardMarkup(
        [buttons[start : start + per_row] for start in range(0, len(buttons), per_row)]
    )


def locked_question_html(pressed: PressedButton, texts: TelegramTexts = ENGLISH) -> str:
    """The answered question: its text as it was shown, then the learner's answer."""
    answer = escape(texts.your_answer.format(label=pressed.label), quote=False)
    return f"{pressed.question_html}\n\n{answer}"


def bot_commands(texts: TelegramTexts = ENGLISH) -> list[tuple[str, str]]:
    """The command menu for setMyCommands."""
    return list(texts.commands)


def read_update(update: Update, received_at: dt.datetime) -> Incoming:
    """Classify an update and, for a learner, convert it to an Inbound."""
    if update.callback_query is not None:
        return _read_press(update.update_id, update.callback_query, received_at)
    if update.message is not None:
        return _read_message(update.update_id, update.message, received_at)
    if update.my_chat_member is not None:
        return _read_membership(update.my_chat_member)
    return Incoming(UpdateKind.IGNORED)


def _ref(chat_id: int, user_id: int) -> ConversationRef:
    return ConversationRef(PLATFORM, str(chat_id), str(user_id))


def _read_message(update_id: int, message: Message, received_at: dt.datetime) -> Incoming:
    chat = message.chat
    text = message.text or message.caption or ""
    if chat.type != ChatType.PRIVATE:
        # In a group only a command (or the bot being added) earns the explanation;
        # ordinary chatter (seen when privacy mode is off) is left alone.
        is_command = text.startswith("/")
        return Incoming(UpdateKind.GROUP if is_command else UpdateKind.IGNORED, chat.id)
    if message.from_user is None:
        return Incoming(UpdateKind.IGNORED)
    inbound = Inbound(
        _ref(chat.id, message.from_user.id),
        received_at,
        text=text,
        message_id=str(update_id),
    )
    return Incoming(UpdateKind.LEARNER, chat.id, inbound)


def _read_press(update_id: int, query: CallbackQuery, received_at: dt.datetime) -> Incoming:
    message = query.message
    # A message older than 48 hours comes back inaccessible (no text, no keyboard): the
    # chat is still known, and the bot's own payload check guards the press.
    chat_id = message.chat.id if message is not None else query.from_user.id
    if message is not None and message.chat.type != ChatType.PRIVATE:
        return Incoming(UpdateKind.GROUP, chat_id, callback_query_id=query.id)
    data = query.data
    if data is None or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return Incoming(UpdateKind.BAD_PRESS, chat_id, callback_query_id=query.id)
    pressed: PressedButton | None = None
    if isinstance(message, Message) and message.is_accessible:
        label = _label_on_keyboard(message, data)
        if label is None:
            # Not a button of this message: forged, or the keyboard was already locked.
            return Incoming(UpdateKind.BAD_PRESS, chat_id, callback_query_id=query.id)
        pressed = PressedButton(message.message_id, message.text_html, label)
    inbound = Inbound(
        _ref(chat_id, query.from_user.id),
        received_at,
        choice_id=data,
        message_id=str(update_id),
    )
    return Incoming(UpdateKind.LEARNER, chat_id, inbound, query.id, pressed)


def _label_on_keyboard(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _read_membership(change: ChatMemberUpdated) -> Incoming:
    status = change.new_chat_member.status
    if change.chat.type == ChatType.PRIVATE:
        blocked = status == ChatMemberStatus.BANNED
        return Incoming(UpdateKind.BLOCKED if blocked else UpdateKind.IGNORED, change.chat.id)
    added = status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    return Incoming(UpdateKind.GROUP if added else UpdateKind.IGNORED, change.chat.id)
