"""Button payloads: short, validated strings (Telegram allows 64 bytes).

Every payload the bot puts on a button is made here and read back here; anything else
that arrives as a button press is treated as forged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.state import WEEKDAYS

NEXT = "next"
JOIN_DEMO = "join:demo"
JOIN_CODE = "join:code"
PROGRESS = "progress"
SETTINGS = "settings"
SETTINGS_TIME = "settings:time"
SETTINGS_DAYS = "settings:days"
HELP = "help"
RESUME = "resume"
END_LEAVE = "leave:end"
STAY = "move:stay"  # keep the current council (see flows.moving)
MAX_BYTES = 64

_TIME = re.compile(r"^time:([01]\d|2[0-3])([0-5]\d)$")
_DAYS = re.compile(r"^days:((?:mon|tue|wed|thu|fri|sat|sun)(?:,(?:mon|tue|wed|thu|fri|sat|sun))*)$")
_ANSWER = re.compile(r"^ans:([a-z0-9-]{1,48}):([a-e])$")
_REFRESHER = re.compile(r"^rf:([1-9][0-9]{0,17}):([a-e])$")
_MOVE = re.compile(r"^move:to:([A-Za-z0-9_-]{1,32})$")  # a join code, as stored (up to 32)
_SIMPLE = {
    NEXT,
    JOIN_DEMO,
    JOIN_CODE,
    PROGRESS,
    SETTINGS,
    SETTINGS_TIME,
    SETTINGS_DAYS,
    HELP,
    RESUME,
    END_LEAVE,
    STAY,
}


@dataclass(frozen=True)
class Simple:
    """A payload with no arguments (one of the constants above)."""

    name: str


@dataclass(frozen=True)
class PickTime:
    """A learning time button, as HH:MM."""

    time: str


@dataclass(frozen=True)
class PickDays:
    """A working-days button."""

    days: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """A quiz answer button."""

    question_id: str
    option_id: str


@dataclass(frozen=True)
class RefresherAnswer:
    """An answer button on a refresher question; the delivery names the question."""

    delivery_id: int
    option_id: str


@dataclass(frozen=True)
class MoveCouncil:
    """Confirming a move to the council (or team) a join code names."""

    code: str


Payload = Simple | PickTime | PickDays | Answer | RefresherAnswer | MoveCouncil


def time_payload(hhmm: str) -> str:
    """Payload for choosing a learning time 'HH:MM'."""
    return "time:" + hhmm.replace(":", "")


def days_payload(days: tuple[str, ...]) -> str:
    """Payload for choosing working days."""
    return "days:" + ",".join(days)


def answer_payload(question_id: str, option_id: str) -> str:
    """Payload for answering a question with an option."""
    return f"ans:{question_id}:{option_id}"


def refresher_payload(delivery_id: int, option_id: str) -> str:
    """Payload for answering a refresher question sent as a delivery."""
    return f"rf:{delivery_id}:{option_id}"


def move_payload(code: str) -> str | None:
    """Payload for confirming a move to another council; None if the code cannot travel
    on a button (it has characters a join code made here never has)."""
    payload = f"move:to:{code}"
    return payload if _MOVE.match(payload) else None


def read_payload(raw: str) -> Payload | None:
    """Parse a payload; None if it is not one the bot makes."""
    if len(raw.encode("utf-8")) > MAX_BYTES:
        return None
    if raw in _SIMPLE:
        return Simple(raw)
    if match := _TIME.match(raw):
        return PickTime(f"{match.group(1)}:{match.group(2)}")
    if match := _DAYS.match(raw):
        days = tuple(d for d in WEEKDAYS if d in match.group(1).split(","))
        return PickDays(days)
    if match := _ANSWER.match(raw):
        return Answer(match.group(1), match.group(2))
    if match := _REFRESHER.match(raw):
        return RefresherAnswer(int(match.group(1)), match.group(2))
    if match := _MOVE.match(raw):
        return MoveCouncil(match.group(1))
    return None
