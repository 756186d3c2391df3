"""Turn an inbound message into what the learner meant: a command, a button or text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.messages import Inbound


@dataclass(frozen=True)
class Words:
    """The commands a message can name (built from the routes, `bot.routes.WORDS`)."""

    plain: frozenset[str]  # names that work typed alone, without a slash
    aliases: Mapping[str, str] = field(default_factory=dict)  # another name -> the command
    take_args: frozenset[str] = frozenset()  # typed alone, these may be followed by words


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


def read_intent(inbound: Inbound, words: Words) -> Intent:
    """Classify an inbound message: `/name args` is always a command; a plain word is
    one only if `words` says so (Teams and Slack users type them without a slash)."""
    if inbound.choice_id is not None:
        return Press(inbound.choice_id)
    text = inbound.text.strip()
    if not text:
        return Empty()
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # Telegram sends /next@BotName in groups
        return Command(words.aliases.get(name, name), args.strip())
    head, _, args = text.partition(" ")
    name = words.aliases.get(head.lower(), head.lower())
    if head.lower() in words.plain and (not args or name in words.take_args):
        return Command(name, args.strip())
    return Text(text)
