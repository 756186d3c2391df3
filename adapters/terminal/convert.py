"""Terminal text ⇄ neutral messages. Pure functions, no I/O."""

from __future__ import annotations

import datetime as dt

from adapters.markdown import to_plain
from bot.messages import Choice, ConversationRef, Inbound, Outbound

PLATFORM = "terminal"


def render(reply: Outbound) -> str:
    """A reply as terminal text, buttons numbered like '[1] Continue'."""
    lines = [to_plain(reply.text)]
    lines += [f"[{number}] {choice.label}" for number, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


def to_inbound(
    line: str,
    offered: tuple[Choice, ...],
    user_id: str,
    received_at: dt.datetime,
    council_hint: str | None = None,
    earlier: tuple[Choice, ...] = (),
) -> Inbound:
    """A typed line as an Inbound: a number presses that button of the most recent message
    with buttons (`offered`); a label presses the button with that label there, else the
    most recent earlier button with it (`earlier`, oldest first), so an older question can
    still be answered by its words."""
    typed = line.strip()
    ref = ConversationRef(PLATFORM, user_id, user_id)
    for number, choice in enumerate(offered, 1):
        if typed == str(number) or typed.casefold() == choice.label.casefold():
            return Inbound(
                ref, received_at, text=typed, choice_id=choice.id, council_hint=council_hint
            )
    for choice in reversed(earlier):
        if typed.casefold() == choice.label.casefold():
            return Inbound(
                ref, received_at, text=typed, choice_id=choice.id, council_hint=council_hint
            )
    return Inbound(ref, received_at, text=typed, council_hint=council_hint)


def last_choices(replies: list[Outbound]) -> tuple[Choice, ...]:
    """The buttons a typed number refers to: those of the last reply that had any."""
    for reply in reversed(replies):
        if reply.choices:
            return reply.choices
    return ()
