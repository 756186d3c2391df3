"""Run a conversation in a terminal, interactively or scripted from standard input."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from adapters.terminal.convert import last_choices, render, to_inbound
from bot.messages import Choice, Inbound, Outbound
from bot.ports import Clock

Handler = Callable[[Inbound], list[Outbound]]
GREETING = "Contract Bites in your terminal. Type /start to begin, /help for help, Ctrl-D to quit."


def run_terminal(
    handle: Handler,
    clock: Clock,
    user_id: str,
    stdin: TextIO,
    stdout: TextIO,
    org_hint: str | None = None,
    interactive: bool = False,
) -> int:
    """Read one message per line until end of input; print the bot's replies.

    Interactive mode adds a greeting and a prompt; scripted mode prints replies only, each
    followed by a blank line, so a transcript can be compared exactly.
    """
    offered: tuple[Choice, ...] = ()
    if interactive:
        stdout.write(GREETING + "\n\n")
    handled = 0
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        replies = handle(to_inbound(line, offered, user_id, clock.now(), org_hint))
        handled += 1
        for reply in replies:
            stdout.write(render(reply) + "\n\n")
        stdout.flush()
        offered = last_choices(replies)
    if interactive:
        stdout.write("\n")
    return handled
