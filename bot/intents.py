"""Turn an inbound message into what the learner meant: a command, a button or text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Inbound

# Words that work as commands without a slash (Teams and Slack users type them plainly).
BARE_COMMANDS = frozenset(
    {"start", "next", "continue", "progress", "help", "settings", "stop", "define", "pause"}
    | {"dashboard"}  # dashboard sign-in link (issue 8)
    | {"team"}  # a manager's team report (issue 8)
    | {"assess", "mydata"}  # self-assessment and personal data (issue 8)
)
ALIASES = {"continue": "next", "menu": "help", "resume": "start", "leave": "pause"}


_TAKES_ARGS = frozenset({"define", "pause"})


@dataclass(frozen=True)
class Command:
    """A /command with the rest of the line as `args`."""

    name: str
    args: str


@dataclass(frozen=True)
class Press:
    """A button press, carrying the button's payload."""

    payload: str


@dataclass(frozen=True)
class Text:
    """Free text that is not a command."""

    text: str


@dataclass(frozen=True)
class Empty:
    """Nothing at all (blank text and no button)."""


Intent = Command | Press | Text | Empty


def read_intent(inbound: Inbound) -> Intent:
    """Classify an inbound message."""
    if inbound.choice_id is not None:
        return Press(inbound.choice_id)
    text = inbound.text.strip()
    if not text:
        return Empty()
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # Telegram sends /next@BotName in groups
        return Command(ALIASES.get(name, name), args.strip())
    head, _, args = text.partition(" ")
    if head.lower() in BARE_COMMANDS and (not args or head.lower() in _TAKES_ARGS):
        return Command(ALIASES.get(head.lower(), head.lower()), args.strip())
    return Text(text)
