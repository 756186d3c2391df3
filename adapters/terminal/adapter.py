"""Run a conversation in a terminal, interactively or scripted from standard input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.terminal.convert import last_choices, render, to_inbound
from bot.messages import Choice, Inbound, Outbound
from bot.ports import Clock

Handler = Callable[[Inbound], list[Outbound]]
# Moves a simulated clock on by a duration such as "2d" or "3h", telling `note` how it is
# going on a long wait; returns what was sent to the learner meanwhile (when, what), a
# sentence saying why it will not wait, or None if the duration cannot be read.
Arrived = list[tuple[dt.datetime, tuple[Outbound, ...]]]
Waiter = Callable[[str, Callable[[str], None]], Arrived | str | None]
# For someone the bot already knows: where they are, with buttons (no change to their state).
Opening = Callable[[], list[Outbound]]
UK = ZoneInfo("Europe/London")
GREETING = "Contract Bites in your terminal. Type /start to begin, /help for help, Ctrl-D to quit."
GREETING_BACK = (
    "Contract Bites in your terminal. Here is where you are; /help for help, Ctrl-D to quit."
)
REMEMBERED = 100  # earlier buttons whose labels still work when typed
WAIT_HELP = "Simulated clock: type /wait 2d (or 3h, 30m) to move time on."
BAD_WAIT = "Type /wait with a duration like 2d, 3h or 30m."


def run_terminal(
    handle: Handler,
    clock: Clock,
    user_id: str,
    stdin: TextIO,
    stdout: TextIO,
    council_hint: str | None = None,
    interactive: bool = False,
    wait: Waiter | None = None,
    opening: Opening | None = None,
) -> int:
    """Read one message per line until end of input; print the bot's replies.

    Interactive mode adds a greeting and a prompt; scripted mode prints replies only, each
    followed by a blank line, so a transcript can be compared exactly. With `wait`, the
    line `/wait 2d` moves the simulated clock and prints what arrived, each under its time.
    An interactive session for someone the bot knows (`opening`) starts by showing where
    they are, so its buttons work at once.
    """
    offered: tuple[Choice, ...] = ()
    earlier: list[Choice] = []
    if interactive:
        greeting = GREETING_BACK if opening else GREETING
        stdout.write(greeting + "\n" + (WAIT_HELP + "\n" if wait else "") + "\n")
        if opening is not None:
            offered = _shown(opening(), stdout) or offered
    handled = 0
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if offered and (not earlier or earlier[-len(offered) :] != list(offered)):
            earlier = (earlier + list(offered))[-REMEMBERED:]
        if wait is not None and line.strip().lower().startswith("/wait"):
            offered = _waited(wait, line.strip()[5:], stdout) or offered
            handled += 1
            continue
        inbound = to_inbound(line, offered, user_id, clock.now(), council_hint, tuple(earlier))
        offered = _shown(handle(inbound), stdout) or offered
        handled += 1
    if interactive:
        stdout.write("\n")
    return handled


def _shown(replies: list[Outbound], stdout: TextIO) -> tuple[Choice, ...]:
    """Print replies; return their last buttons (empty when none had any)."""
    for reply in replies:
        stdout.write(render(reply) + "\n\n")
    stdout.flush()
    return last_choices(replies)


def _waited(wait: Waiter, duration: str, stdout: TextIO) -> tuple[Choice, ...]:
    def note(line: str) -> None:
        stdout.write(line + "\n")
        stdout.flush()

    arrived = wait(duration, note)
    if arrived is None or isinstance(arrived, str):
        stdout.write((arrived or BAD_WAIT) + "\n\n")
        return ()
    replies: list[Outbound] = []
    for at, messages in arrived:
        stdout.write(f"-- {at.astimezone(UK):%a %d %b %Y %H:%M} (UK time) --\n")
        for message in messages:
            stdout.write(render(message) + "\n\n")
        replies += messages
    stdout.write(f"(waited {duration.strip()}: {len(arrived)} message(s) arrived)\n\n")
    stdout.flush()
    return last_choices(replies)
